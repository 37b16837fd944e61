# pysaml2's SP (interop/peers/pysaml2/sp.py) on Debian 12's packages, as the process
# fallback runs it; its run folder (metadata, keys) is mounted at run time.
FROM mnctf/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3-pysaml2 python3-flask xmlsec1 \
 && rm -rf /var/lib/apt/lists/*
COPY pysaml2/sp.py /opt/mnctf/peers/pysaml2/sp.py
