#!/usr/bin/env bash
# `make bench`: Peer Directory at BENCH_COUNT (default 100,000) listings on PostgreSQL.
#
# Starts its own throwaway PostgreSQL, migrates, loads the seed, generates synthetic listings,
# VACUUM ANALYZE, then measures (bench/measure.py): in-process server times and query counts,
# throughput under gunicorn next to a no-database baseline view, page weights, worker memory,
# and 50 concurrent visitors. Results: bench/results/latest.md and latest.json (+ a dated copy).
#
# Environment: BENCH_COUNT, BENCH_REQUESTS (200 per page), BENCH_THROUGHPUT_SECONDS (10),
# BENCH_LOAD_SECONDS (60), BENCH_LOAD_CONNECTIONS (50), BENCH_KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
COUNT=${BENCH_COUNT:-100000}
PY=.venv/bin/python
WORK=$(mktemp -d /tmp/peerdir-bench.XXXXXX)
GUNICORN_PID=""

step() { printf '\n=== %s (%ss)\n' "$*" "$(( $(date +%s) - started ))" >&2; }
# timed NAME COMMAND...: run it and record its wall-clock seconds for the report.
timed() {
  local name=$1 t0; shift
  t0=$(date +%s)
  "$@"
  printf '%s\t%s\n' "$name" "$(( $(date +%s) - t0 ))" >>"$WORK/timings.tsv"
}

if ! command -v wrk >/dev/null 2>&1; then
  step "installing wrk"
  if [ "$(id -u)" = "0" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  else
    echo "wrk is missing: apt-get install wrk" >&2; exit 1
  fi
fi

# shellcheck source=../.ci/pg.sh
source .ci/pg.sh
cleanup() {
  if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
  pg_stop
  if [ "${BENCH_KEEP:-0}" = "1" ]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
step "throwaway PostgreSQL"
pg_start >&2

# Production settings, as the Docker image runs them (plain HTTP on loopback).
export DEBUG=0
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost,testserver SECURE_SSL_REDIRECT=0 PEERDIR_BENCH=1
# measure.py counts kept pages by their X-Page-Cache header, which production does not send.
export PAGE_CACHE_HEADER=1
# wrk and measure.py ask for thousands of searches a minute from 127.0.0.1: without this, the
# search limit (groups/ratelimit.py) would answer most of them 429 and the timings would lie.
export SEARCH_LIMIT=0
export STATIC_ROOT="$WORK/static" VAR_DIR="$WORK/var" SITE_URL=http://127.0.0.1
export PYTHONHASHSEED=0

step "migrate, static files, seed"
timed "migrate" $PY manage.py migrate --noinput -v0
timed "collectstatic" $PY manage.py collectstatic --noinput -v0
$PY manage.py createcachetable
timed "load seed" $PY manage.py load_seed

step "generate $COUNT synthetic listings"
timed "generate listings" $PY manage.py generate_synthetic_groups --count "$COUNT" --seed 1 -v2 \
  | tee "$WORK/generate.log" >&2
timed "vacuum analyze" $PY manage.py shell -c "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')"

step "server time and queries (in process)"
$PY bench/measure.py prepare "$WORK" >"$WORK/prepare.log"
# Whole-page cache off: every request computes its page (see the report).
timed "server time" env PAGE_CACHE_SECONDS=0 $PY bench/measure.py servertime "$WORK" >"$WORK/servertime.log"

# start_gunicorn [ENV=VALUE...]: 2 sync workers on a free port; sets BASE and GUNICORN_PID.
start_gunicorn() {
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  BASE="http://127.0.0.1:$PORT"
  # Recycling off (max_requests 0): memory is then measured on workers that served everything.
  env "$@" .venv/bin/gunicorn --config gunicorn.conf.py --bind "127.0.0.1:$PORT" --workers 2 \
    --max-requests 0 >>"$WORK/gunicorn.log" 2>&1 &
  GUNICORN_PID=$!
  for _ in $(seq 1 100); do
    if python3 -c "import urllib.request as u; u.urlopen('$BASE/healthz', timeout=2)" 2>/dev/null; then break; fi
    sleep 0.2
  done
  python3 -c "import urllib.request as u; assert u.urlopen('$BASE/bench/baseline').read() == b'ok'"
}
stop_gunicorn() {
  kill "$GUNICORN_PID"; wait "$GUNICORN_PID" 2>/dev/null || true; GUNICORN_PID=""
}

step "gunicorn"
start_gunicorn

step "throughput, page weights, memory"
timed "throughput" $PY bench/measure.py throughput "$WORK" "$BASE" "$GUNICORN_PID" >"$WORK/throughput.log"

step "load: ${BENCH_LOAD_CONNECTIONS:-50} visitors for ${BENCH_LOAD_SECONDS:-60} s"
timed "load" $PY bench/measure.py load "$WORK" "$BASE" "$GUNICORN_PID" >"$WORK/load.log"

stop_gunicorn

step "throughput with the page cache off"
start_gunicorn PAGE_CACHE_SECONDS=0
timed "throughput, page cache off" $PY bench/measure.py throughput_uncached "$WORK" "$BASE" >"$WORK/throughput_uncached.log"
stop_gunicorn
printf '%s\t%s\n' "total" "$(( $(date +%s) - started ))" >>"$WORK/timings.tsv"
step "report"
$PY bench/measure.py report "$WORK" >/dev/null
echo "Results: bench/results/latest.md" >&2
