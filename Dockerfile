# The PATT guild platform: one image for every process, chosen by its command (see
# scripts/docker-entrypoint.sh): `web` (gunicorn, the default), `worker` (qcluster), `bot`
# (runbot), `migrate` (one-shot), `manage <command>`, `healthcheck`.
#
#   docker build -t patt .
#
# No secret goes into any layer: every secret is read from the environment when a container
# starts. A build that reaches PyPI through a TLS proxy mounts the host's CA bundle read-only
# (`-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro`, see
# scripts/check-image.sh); PIP_INDEX_URL can point at a mirror. Both only reach the build stage.

# --- build: a virtualenv with the pinned requirements, the code, collected static files -------
FROM python:3.11-slim-bookworm AS build
ARG PIP_INDEX_URL=https://pypi.org/simple
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_CERT=/etc/ssl/certs/ca-certificates.crt
COPY requirements.txt /tmp/requirements.txt
# Every runtime dependency ships a manylinux wheel (psycopg[binary] brings its own libpq), so
# the build needs no compiler. pip and setuptools leave the venv: the runtime never installs.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --index-url "$PIP_INDEX_URL" --only-binary=:all: --no-compile \
      -r /tmp/requirements.txt \
 && /opt/venv/bin/pip uninstall --yes --quiet pip setuptools
COPY . /app
WORKDIR /app
# Hashed, compressed static files for production (whitenoise's manifest storage). The key only
# lets settings load for this one command; it is generated here and never stored.
# Bytecode is compiled once, "unchecked-hash": the code in an image never changes, and COPY may
# shift a file's mtime by a second, which would make timestamp-checked .pyc files stale (every
# start would compile in memory instead: seconds more before web answers).
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    APP_ENV=production /opt/venv/bin/python manage.py collectstatic --noinput --verbosity 0 \
 && /opt/venv/bin/python -m compileall -q -f -j 0 --invalidation-mode unchecked-hash \
      /opt/venv/lib /app \
 && chmod 0755 /app/scripts/*.sh

# --- runtime: the base image, the venv, the code; nothing else -------------------------------
FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="PATT guild platform"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    MEDIA_ROOT=/data/media \
    PORT=8000
# The non-root user every process runs as; /data/media is the uploads volume it writes.
RUN groupadd --gid 10001 patt \
 && useradd --no-log-init --no-create-home --uid 10001 --gid patt --home-dir /app --shell /usr/sbin/nologin patt \
 && mkdir -p /data/media \
 && chown patt:patt /data/media
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER patt:patt
EXPOSE 8000
VOLUME ["/data/media"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/app/scripts/docker-entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["web"]
