# Asterisk from Debian sid, as `hotline asterisk provision` builds it for a chroot. In compose
# the bridge container shares this root through the `asterisk-root` volume and renders the
# configuration into it; this container only runs the binary.
FROM debian:sid-slim
RUN apt-get -o Acquire::Check-Valid-Until=false update \
    && apt-get install -y --no-install-recommends asterisk asterisk-core-sounds-en-wav \
       asterisk-moh-opsound-wav python3 tzdata \
    && rm -rf /var/lib/apt/lists/*
EXPOSE 5060/udp 5038 10000-10999/udp
# The instance configuration is rendered by the bridge under /srv/hotline/<instance>.
CMD ["sh", "-c", "until [ -f /srv/hotline/hotline/etc/asterisk.conf ]; do sleep 1; done; exec /usr/sbin/asterisk -f -n -C /srv/hotline/hotline/etc/asterisk.conf"]
