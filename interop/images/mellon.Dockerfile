# mod_auth_mellon in Debian 12's Apache; the configuration (interop/peers/mellon/, filled
# in the run folder) is mounted at run time, as the process fallback reads it.
FROM mnctf/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      apache2 libapache2-mod-auth-mellon media-types \
 && rm -rf /var/lib/apt/lists/*
