#!/bin/sh
# The container's entry point (also used by CI's gunicorn smoke test, so CI runs what the image runs).
#   web        serve with gunicorn (gunicorn.conf.py); with MIGRATE_ON_START=1, migrate first
#   migrate    apply database migrations and create the cache table (safe to run again)
#   seed       load the seed listings from fixtures/ (safe to run again)
#   manage ... any manage.py command, e.g. `docker compose run --rm web manage createsuperuser`
#   anything else is run as given (e.g. `sh`)
set -eu

migrate() {
  python manage.py migrate --noinput
  python manage.py createcachetable
}

case "${1:-web}" in
  web)
    [ "$#" -gt 0 ] && shift
    if [ "${MIGRATE_ON_START:-0}" = "1" ]; then migrate; fi
    exec gunicorn --config gunicorn.conf.py "$@"
    ;;
  migrate)
    migrate
    ;;
  seed)
    exec python manage.py load_seed
    ;;
  manage)
    shift
    exec python manage.py "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
