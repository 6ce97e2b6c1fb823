#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on a free loopback port.
#   source .ci/pg.sh && pg_start   -> exports DATABASE_URL, PGPORT, PEERDIR_PGDATA, PEERDIR_PGCTL
#   pg_stop                        -> stops the cluster and removes its files
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

_as_postgres() {
  if [ "$(id -u)" = "0" ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

pg_start() {
  PEERDIR_PGROOT=$(mktemp -d /tmp/peerdir-pg.XXXXXX)
  chmod 755 "$PEERDIR_PGROOT"
  [ "$(id -u)" = "0" ] && chown postgres: "$PEERDIR_PGROOT"
  export PEERDIR_PGROOT PEERDIR_PGDATA="$PEERDIR_PGROOT/data" PEERDIR_PGCTL="$PGBIN/pg_ctl"
  PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export PGPORT
  _as_postgres "$PGBIN/initdb" -D "$PEERDIR_PGDATA" -U postgres -A trust -E UTF8 --no-sync >/dev/null
  export PEERDIR_PGOPTS="-p $PGPORT -k $PEERDIR_PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
  _as_postgres "$PGBIN/pg_ctl" -D "$PEERDIR_PGDATA" -l "$PEERDIR_PGROOT/server.log" -o "$PEERDIR_PGOPTS" -w start >/dev/null
  _as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -d template1 -c "CREATE EXTENSION IF NOT EXISTS pg_trgm;" >/dev/null
  _as_postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres peerdir
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/peerdir"
  echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT ($PEERDIR_PGDATA)"
}

pg_stop() {
  if [ -n "${PEERDIR_PGDATA:-}" ] && [ -d "$PEERDIR_PGDATA" ]; then
    _as_postgres "$PGBIN/pg_ctl" -D "$PEERDIR_PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PEERDIR_PGROOT"
  fi
}
