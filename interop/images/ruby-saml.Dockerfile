# ruby-saml's SP (interop/peers/ruby-saml/sp.rb, mounted at run time with its run folder)
# on Debian 12's packages (ruby-saml 1.13.0-1+deb12u1, WEBrick), as the process fallback
# runs it.
FROM mnctf/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ruby-saml ruby-webrick \
 && rm -rf /var/lib/apt/lists/*
