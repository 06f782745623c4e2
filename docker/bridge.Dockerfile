# The bridge + API. It renders Asterisk's configuration into the volume it shares with the
# asterisk container (--external-asterisk) and talks to it over AMI/FastAGI on the host network.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng sox \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api api
COPY callrecords callrecords
COPY calls calls
COPY callsim callsim
COPY dialplan dialplan
COPY domain domain
COPY hotline hotline
COPY ivr ivr
COPY pbx pbx
COPY recordings recordings
COPY settings settings
RUN pip install --no-cache-dir .
ENV HOTLINE_STORAGE__DATABASE_URL=sqlite:////data/hotline.db \
    HOTLINE_STORAGE__RECORDINGS_DIR=/data/recordings \
    HOTLINE_STORAGE__SPOOL_DIR=/data/spool \
    HOTLINE_STORAGE__ASTERISK_ROOT=/asterisk
VOLUME ["/data"]
EXPOSE 8080 4573
CMD ["hotline", "up", "--external-asterisk", "--config", "/etc/hotline/hotline.toml"]
