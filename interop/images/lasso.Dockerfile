# Lasso's SP (interop/peers/lasso/sp.py, mounted at run time with its run folder) on
# Debian 12's packages, as the process fallback runs it.
FROM mnctf/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3-lasso python3-flask \
 && rm -rf /var/lib/apt/lists/*
