# syntax=docker/dockerfile:1
# Peer Directory: production image. Build: docker build -t peerdir .  Run: see compose.yaml.

# --- builder: the dependencies, installed into a virtualenv that the runtime stage copies ---
FROM python:3.11-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /venv
# Only the lock file: this layer (the slow one) is rebuilt when dependencies change, not on every code
# change, and it installs exactly the versions and hashes CI tested. psycopg[binary] and brotli ship
# wheels, so no compiler is needed. The project itself runs from /app and is not installed.
COPY requirements.txt /src/
RUN /venv/bin/pip install --require-hashes -r /src/requirements.txt

# --- runtime ---
FROM python:3.11-slim-bookworm
# DEBUG=0 here: a container started without configuration refuses to run (no SECRET_KEY)
# instead of serving the development settings.
ENV DEBUG=0 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/venv/bin:$PATH \
    PORT=8000 \
    STATIC_ROOT=/app/staticfiles \
    VAR_DIR=/data
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin peerdir
WORKDIR /app
COPY --from=builder /venv /venv
COPY . /app

# Static files are collected (hashed names, .gz and .br variants) at build time. Settings refuse to
# load with DEBUG off unless SECRET_KEY and ALLOWED_HOSTS are set: these build-time values exist
# only for this RUN; the container gets the real ones from its environment.
RUN ALLOWED_HOSTS=build \
    SECRET_KEY=build-time-only-collectstatic-key-0123456789-abcdefghijklmnopqrstuvwxyz \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /data && chown peerdir /data \
    && chmod 755 /app/docker-entrypoint.sh

USER peerdir
EXPOSE 8000
# /healthz answers 200 after a database round trip, 503 when the database is unreachable.
# The Host header must be one Django accepts: the first ALLOWED_HOSTS entry.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; host = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.'); u.urlopen(u.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', headers={'Host': host}), timeout=4)"]
ENTRYPOINT ["/app/docker-entrypoint.sh"]
CMD ["web"]
