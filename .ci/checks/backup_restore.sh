#!/usr/bin/env bash
# Backups are only as good as the last restore: dump the CI database with pg_dump -Fc (the
# format README.md's runbook uses), restore it into a new database with pg_restore, and compare
# row counts table by table.
#
#   source .ci/pg.sh && pg_start && bash .ci/checks/backup_restore.sh; pg_stop
set -euo pipefail
cd "$(dirname "$0")/../.."
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PATH="$(pwd)/.venv/bin:$PATH"

fail() { echo "backup/restore: FAIL: $*" >&2; exit 1; }
case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) ;;
  *) fail "DATABASE_URL must name a PostgreSQL database (source .ci/pg.sh && pg_start)" ;;
esac

WORK=$(mktemp -d /tmp/peerdir-backup.XXXXXX)
RESTORED_DB="peerdir_restore_$$"
RESTORED_URL="${DATABASE_URL%/*}/$RESTORED_DB"
MAINTENANCE_URL="${DATABASE_URL%/*}/postgres"
cleanup() {
  "$PGBIN/dropdb" --if-exists --maintenance-db="$MAINTENANCE_URL" "$RESTORED_DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Something worth restoring: the schema and the seed listings (both idempotent).
export VAR_DIR="$WORK/var"
python manage.py migrate --noinput --verbosity 0
python manage.py createcachetable
python manage.py load_seed

counts() {
  "$PGBIN/psql" -X -q -t -A -d "$1" -c "
    SELECT 'groups_supportgroup', count(*) FROM groups_supportgroup
    UNION ALL SELECT 'groups_meeting', count(*) FROM groups_meeting
    UNION ALL SELECT 'groups_region', count(*) FROM groups_region
    UNION ALL SELECT 'accounts_user', count(*) FROM accounts_user
    UNION ALL SELECT 'django_migrations', count(*) FROM django_migrations
    ORDER BY 1"
}

before=$(counts "$DATABASE_URL")
groups=$(echo "$before" | awk -F'|' '$1 == "groups_supportgroup" {print $2}')
[ "${groups:-0}" -gt 0 ] || fail "no listings in the database to back up (the seed loaded none)"

started=$(date +%s.%N)
"$PGBIN/pg_dump" --format=custom --no-owner --file="$WORK/peerdir.dump" --dbname="$DATABASE_URL"
"$PGBIN/createdb" --maintenance-db="$MAINTENANCE_URL" "$RESTORED_DB"
"$PGBIN/pg_restore" --no-owner --exit-on-error --dbname="$RESTORED_URL" "$WORK/peerdir.dump"
elapsed=$(python3 -c "import time; print(f'{time.time() - $started:.2f}')")

after=$(counts "$RESTORED_URL")
echo "row counts before / after restore:"
paste -d' ' <(echo "$before") <(echo "$after" | cut -d'|' -f2) | sed 's/|/ /; s/^/  /'
[ "$before" = "$after" ] || fail "row counts differ after restore"

# The restored copy must also be one Django can serve from: no unapplied migrations.
DATABASE_URL="$RESTORED_URL" python manage.py migrate --check --verbosity 0 \
  || fail "the restored database has unapplied migrations"

echo "dump $(du -h "$WORK/peerdir.dump" | cut -f1), dump + restore ${elapsed}s"
echo "backup/restore: OK ($groups listings restored)"
