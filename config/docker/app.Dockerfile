# The intake service (HTTP + SMTP mailbox).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/intake
COPY pyproject.toml README.md requirements.lock ./
COPY intake_core ./intake_core
COPY channels ./channels
COPY dialogue ./dialogue
COPY handoff ./handoff
COPY config ./config
RUN pip install --constraint requirements.lock . && useradd --system --home /srv/intake intake && mkdir -p /var/lib/intake \
    && chown intake /var/lib/intake
USER intake
ENV INTAKE_VAR_DIR=/var/lib/intake INTAKE_HTTP_HOST=0.0.0.0
EXPOSE 8080 2525
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz')"
CMD ["intake", "serve"]
