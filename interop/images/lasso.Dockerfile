# Lasso's SP (interop/peers/lasso/sp.py) on Debian 12's packages, as the process fallback
# runs it; its run folder (metadata, keys) is mounted at run time.
FROM mnctf/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3-lasso python3-flask \
 && rm -rf /var/lib/apt/lists/*
COPY lasso/sp.py /opt/mnctf/peers/lasso/sp.py
