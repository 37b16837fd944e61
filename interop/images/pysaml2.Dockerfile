# pysaml2's SP and IdP (interop/peers/pysaml2*/, mounted at run time with the run folder)
# on Debian 12's packages, as the process fallback runs them.
FROM mnctf/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3-pysaml2 python3-flask xmlsec1 \
 && rm -rf /var/lib/apt/lists/*
