#!/usr/bin/env bash
# Production smoke test: run what the Docker image runs (docker-entrypoint.sh, gunicorn.conf.py,
# the HEALTHCHECK command from the Dockerfile) with production settings against PostgreSQL, then
# request pages through gunicorn and check status codes, security headers, cookies, static files,
# the HTTPS redirect and the request log.
#
#   source .ci/pg.sh && pg_start && bash .ci/checks/gunicorn_smoke.sh; pg_stop
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

fail() { echo "gunicorn smoke: FAIL: $*" >&2; exit 1; }
case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) ;;
  *) fail "DATABASE_URL must name a PostgreSQL database (source .ci/pg.sh && pg_start)" ;;
esac

WORK=$(mktemp -d /tmp/peerdir-smoke.XXXXXX)
GUNICORN_PID=""
cleanup() {
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PATH="$ROOT/.venv/bin:$PATH"
export DEBUG=0
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export SITE_URL="https://127.0.0.1:$PORT"
export STATIC_ROOT="$WORK/static" VAR_DIR="$WORK/var"
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export PORT BIND="127.0.0.1:$PORT" WEB_CONCURRENCY=2 LOG_LEVEL=INFO
unset SECURE_SSL_REDIRECT SECURE_HSTS_SECONDS   # production defaults

echo "--- migrate (docker-entrypoint.sh migrate)"
sh ./docker-entrypoint.sh migrate >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log"; fail "migrate"; }

echo "--- collectstatic into $STATIC_ROOT"
python manage.py collectstatic --noinput --verbosity 1 | tail -1

echo "--- check --deploy --fail-level WARNING"
python manage.py check --deploy --fail-level WARNING

echo "--- seed (docker-entrypoint.sh seed)"
sh ./docker-entrypoint.sh seed
if ! python manage.py shell -c "from groups.models import SupportGroup; raise SystemExit(0 if SupportGroup.objects.published().exists() else 1)"; then
  echo "no published listing after the seed: adding one so a group page can be checked"
  python manage.py shell -c "from tests.factories import make_group; make_group(name='Smoke test group')"
fi

echo "--- gunicorn (docker-entrypoint.sh web) on 127.0.0.1:$PORT"
sh ./docker-entrypoint.sh web >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!

# The Dockerfile's HEALTHCHECK command, run as it is written there.
HEALTHCHECK_JSON=$(python3 - <<'EOF'
import json, re
text = open("Dockerfile").read().replace("\\\n", " ")
line = next(line for line in text.splitlines() if line.startswith("HEALTHCHECK"))
print(json.dumps(json.loads(re.search(r"\bCMD\s+(\[.*\])\s*$", line).group(1))))
EOF
)
healthcheck() { python3 -c 'import json, os, subprocess, sys; cmd = json.loads(sys.argv[1]); raise SystemExit(subprocess.run(cmd, capture_output=True).returncode)' "$HEALTHCHECK_JSON"; }
ready=""
for _ in $(seq 1 100); do
  if healthcheck; then ready=1; break; fi
  kill -0 "$GUNICORN_PID" 2>/dev/null || { cat "$WORK/gunicorn.log"; fail "gunicorn exited during start-up"; }
  sleep 0.2
done
[ -n "$ready" ] || { cat "$WORK/gunicorn.log"; fail "the Dockerfile HEALTHCHECK did not pass within 20 s"; }
echo "Dockerfile HEALTHCHECK passes"

echo "--- requests through gunicorn"
python3 - "$PORT" "$WORK/gunicorn.log" <<'EOF'
import gzip
import http.client
import re
import sys
import time

port, log_path = int(sys.argv[1]), sys.argv[2]
HTTPS = {"X-Forwarded-Proto": "https"}
problems = []


def get(path, headers=None, host="127.0.0.1"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": host, **(headers or {})})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def expect(condition, message):
    if not condition:
        problems.append(message)
    return condition


def csp_directives(value):
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def check_security_headers(path, response):
    h = response.headers
    hsts = h.get("Strict-Transport-Security", "")
    match = re.search(r"max-age=(\d+)", hsts)
    expect(match and int(match.group(1)) >= 31536000, f"{path}: HSTS max-age >= 31536000, got {hsts!r}")
    csp = h.get("Content-Security-Policy", "")
    if expect(csp, f"{path}: Content-Security-Policy missing"):
        d = csp_directives(csp)
        for name in ("default-src", "script-src", "style-src"):
            expect("'unsafe-inline'" not in d.get(name, []), f"{path}: {name} allows 'unsafe-inline'")
            expect("'unsafe-eval'" not in d.get(name, []), f"{path}: {name} allows 'unsafe-eval'")
        expect(d.get("script-src") == ["'self'"], f"{path}: script-src should be 'self', got {d.get('script-src')}")
        expect(d.get("default-src") == ["'self'"], f"{path}: default-src should be 'self'")
        framing_denied = d.get("frame-ancestors") == ["'none'"] or h.get("X-Frame-Options") == "DENY"
        expect(framing_denied, f"{path}: neither frame-ancestors 'none' nor X-Frame-Options DENY")
    expect(h.get("X-Frame-Options") == "DENY", f"{path}: X-Frame-Options DENY, got {h.get('X-Frame-Options')!r}")
    expect(h.get("Referrer-Policy") == "same-origin", f"{path}: Referrer-Policy same-origin, got {h.get('Referrer-Policy')!r}")
    pp = h.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "interest-cohort=()"):
        expect(feature in pp, f"{path}: Permissions-Policy lacks {feature}")
    expect(h.get("X-Content-Type-Options") == "nosniff", f"{path}: X-Content-Type-Options nosniff")
    expect(h.get("Cross-Origin-Opener-Policy") == "same-origin", f"{path}: Cross-Origin-Opener-Policy same-origin")
    expect(re.fullmatch(r"[A-Za-z0-9._-]{8,128}", h.get("X-Request-ID", "")), f"{path}: X-Request-ID missing")
    for cookie in response.headers.get_all("Set-Cookie") or []:
        name = cookie.split("=", 1)[0]
        attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
        expect("secure" in attributes, f"{path}: cookie {name} is not Secure")
        expect("httponly" in attributes, f"{path}: cookie {name} is not HttpOnly")


# Pages, over "HTTPS" as the proxy would forward them.
response, body = get("/", HTTPS)
expect(response.status == 200, f"/: status {response.status}")
check_security_headers("/", response)
home = body.decode()

response, body = get("/groups/", HTTPS)
expect(response.status == 200, f"/groups/: status {response.status}")
check_security_headers("/groups/", response)
links = re.findall(r'href="(/groups/[a-z0-9_-]+/)"', body.decode())
if expect(links, "/groups/ links to no group page"):
    response, body = get(links[0], HTTPS)
    expect(response.status == 200, f"{links[0]}: status {response.status}")
    check_security_headers(links[0], response)

# Pages and data compressed when the client accepts it (peerdir/middleware.py CompressPagesMiddleware).
for path in ("/groups/", "/api/hsds.json"):
    response, raw = get(path, HTTPS)
    response, packed = get(path, {**HTTPS, "Accept-Encoding": "gzip"})
    if expect(response.headers.get("Content-Encoding") == "gzip", f"{path}: not gzip-compressed"):
        expect(len(gzip.decompress(packed)) == len(raw), f"{path}: gzip body differs")
        print(f"{path}: {len(raw)} B, gzip {len(packed)} B")

# A search: its terms must not reach the log.
response, _ = get("/groups/?q=smokeprivatesearchterm", HTTPS)
expect(response.status == 200, f"/groups/?q=...: status {response.status}")
search_request_id = response.headers.get("X-Request-ID", "")

# Pages that set cookies (CSRF token on forms): Secure and HttpOnly.
for path in ("/accounts/login/", "/admin/login/"):
    response, body = get(path, HTTPS)
    expect(response.status == 200, f"{path}: status {response.status}")
    expect(response.headers.get_all("Set-Cookie"), f"{path}: expected a CSRF cookie to check")
    check_security_headers(path, response)

# 404: the site's page, with the search box, and all headers.
response, body = get("/no-such-page-here/", HTTPS)
expect(response.status == 404, f"404 page: status {response.status}")
expect('role="search"' in body.decode(), "404 page has no search box")
check_security_headers("404", response)

# A web address longer than any page makes: the site's 414 page, with every header (gunicorn's
# own page, which has none, is only for request lines past gunicorn.conf.py's limit).
response, body = get("/groups/?q=" + "x" * 6000, HTTPS)
expect(response.status == 414, f"long address: status {response.status}")
expect(b"That web address is too long" in body, "long address: not the site's 414 page")
expect(b"x" * 200 not in body, "long address: the 414 page repeats the address")
check_security_headers("414", response)

# The static files' manifest (every file's name) is not served.
response, _ = get("/static/staticfiles.json", HTTPS)
expect(response.status == 404, f"/static/staticfiles.json: status {response.status}")

# /healthz
response, body = get("/healthz", HTTPS)
expect(response.status == 200 and body.strip() == b"ok", f"/healthz: {response.status} {body[:40]!r}")
expect("no-store" in response.headers.get("Cache-Control", ""), "/healthz: Cache-Control lacks no-store")
check_security_headers("/healthz", response)

# Plain HTTP without the proxy header: redirected to HTTPS, except /healthz.
response, _ = get("/", host="localhost")
expect(response.status == 301 and response.headers.get("Location", "").startswith("https://localhost"),
       f"plain http /: expected 301 to https, got {response.status} {response.headers.get('Location')}")
response, body = get("/healthz")
expect(response.status == 200, f"plain http /healthz: expected 200, got {response.status}")

# Static CSS: hashed name, compressed variants, far-future immutable caching.
css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', home)
sizes = {}
if expect(css, "home page does not link a hashed /static/css/site.<hash>.css"):
    path = css.group(1)
    response, raw = get(path, HTTPS)
    expect(response.status == 200, f"{path}: status {response.status}")
    sizes["identity"] = len(raw)
    cache = response.headers.get("Cache-Control", "")
    expect(cache == "max-age=315360000, public, immutable", f"{path}: Cache-Control {cache!r}")
    expect(response.headers.get("X-Content-Type-Options") == "nosniff", f"{path}: nosniff missing")
    for encoding in ("gzip", "br"):
        response, data = get(path, {**HTTPS, "Accept-Encoding": encoding})
        sizes[encoding] = len(data)
        expect(response.headers.get("Content-Encoding") == encoding, f"{path}: no {encoding} variant served")
        expect("Accept-Encoding" in response.headers.get("Vary", ""), f"{path}: Vary lacks Accept-Encoding")
    response, data = get(path, {**HTTPS, "Accept-Encoding": "gzip"})
    expect(gzip.decompress(data) == raw, f"{path}: gzip variant differs from the file")
    print(f"site.css: {sizes.get('identity')} B, gzip {sizes.get('gzip')} B, brotli {sizes.get('br')} B")

# The request log: one line per request, with the request id, without query strings.
time.sleep(0.3)
log = open(log_path).read()
expect("smokeprivatesearchterm" not in log, "a search term reached the log")
expect(re.search(rf"\[{re.escape(search_request_id)}\] GET /groups/ 200 ", log), "no request log line for the search")

print("headers on / :")
for name, value in get("/", HTTPS)[0].getheaders():
    if name.lower() not in {"date", "content-length", "set-cookie"}:
        print(f"  {name}: {value}")
if problems:
    print("\n".join(f"  - {p}" for p in problems), file=sys.stderr)
    raise SystemExit(f"gunicorn smoke: FAIL: {len(problems)} problem(s) above")
print("all pages, headers, cookies, static files and redirects as expected")
EOF

echo "--- gunicorn workers"
ps -o pid=,rss=,args= --ppid "$GUNICORN_PID" | awk '{printf "worker pid %s: RSS %.1f MiB\n", $1, $2/1024}'
ps -o rss= -p "$GUNICORN_PID" | awk '{printf "arbiter: RSS %.1f MiB\n", $1/1024}'
echo "gunicorn smoke: OK"
