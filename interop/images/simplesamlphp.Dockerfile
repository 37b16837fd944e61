# SimpleSAMLphp (SP and IdP) on Debian 12's PHP CLI; its configuration
# (interop/peers/simplesamlphp*/, filled in the run folder) is mounted at run time.
FROM mnctf/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      simplesamlphp php-cli php-xml php-mbstring \
 && rm -rf /var/lib/apt/lists/*
