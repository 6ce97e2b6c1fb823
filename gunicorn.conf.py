"""gunicorn settings shared by the Docker image and CI (.ci/checks/gunicorn_smoke.sh).

Start with: gunicorn --config gunicorn.conf.py peerdir.wsgi
Environment: PORT (default 8000), BIND (overrides PORT), WEB_CONCURRENCY (workers, default 2),
GUNICORN_TIMEOUT (seconds, default 30).
"""

import os

wsgi_app = "peerdir.wsgi:application"
bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")

# Sync workers: pages are short, server-rendered and database-bound. Two per core is plenty;
# each worker holds one database connection (CONN_MAX_AGE), so workers x containers must stay
# under PostgreSQL's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never take the site down. Not too often: a
# new worker rebuilds its directory index (about a second at 100,000 listings) and its page cache.
max_requests = 10000
max_requests_jitter = 1000
# Workers' heartbeat files in memory, not on a possibly slow container filesystem. gunicorn
# creates them with mkstemp (private, random names), so the shared directory is safe.
SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = SHM if os.path.isdir(SHM) else None

# As long a request line as gunicorn takes (and as nginx's 8k buffers let through): the app
# refuses an address over its own limit with its 414 page and security headers
# (peerdir/middleware.py RequestSizeMiddleware); gunicorn's bare one, without them, is then
# only for what no proxy would pass.
limit_request_line = 8190

# The application logs one line per request (peerdir.middleware.RequestLogMiddleware) with a
# request id and WITHOUT the query string, which holds what people searched for. gunicorn's own
# access log would print the query string, so it stays off; errors go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicorn >= 23 would otherwise create a control socket under ~/.gunicorn/, which a read-only
# or non-root container home may not allow, and which nothing here uses.
control_socket_disable = True


def on_starting(server):
    """gunicorn's own lines (errors, and the access log if someone turns it on) are masked like
    the application's: no reset key or invitation token in a request line (peerdir/logging.py)."""
    from peerdir.logging import MaskTokensFilter

    for logger in (server.log.error_log, server.log.access_log):
        logger.addFilter(MaskTokensFilter())


def post_worker_init(worker):
    """Start building the directory index before the first request needs it
    (groups/directory/process.py).
    A failure is logged and the first list request builds it instead."""
    try:
        from groups.directory import process, search

        process.warm_up()
        search.warm_up()  # the gazetteer and the vocabulary search reads queries with
    except Exception:  # never keep a worker from starting
        worker.log.exception("directory index warm-up failed")
