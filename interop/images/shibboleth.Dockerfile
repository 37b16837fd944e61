# Shibboleth SP 3 (shibd and mod_shib) in Debian 12's Apache; the configuration
# (interop/peers/shibboleth/, filled in the run folder) is mounted at run time.
FROM mnctf/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      apache2 libapache2-mod-shib shibboleth-sp-utils media-types \
 && rm -rf /var/lib/apt/lists/*
