#!/usr/bin/env bash
# Independent readers of the open data: installs ical.js and the code4recovery Meeting Guide spec
# from npm, recurring-ical-events and jsonschema from PyPI (in their own virtualenv: they want
# another python-dateutil than the project's lock), then runs tests/test_feed_validators.py with
# them required. About 40 s.
#
#   bash .ci/checks/feeds.sh                      # SQLite, or PostgreSQL when DATABASE_URL is set
#   HSDS_SCHEMA=/path/to/tabular.json bash .ci/checks/feeds.sh   # also the HSDS 3 JSON Schema
set -euo pipefail
cd "$(dirname "$0")/../.."

WORK=$(mktemp -d /tmp/peerdir-feeds.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

command -v node >/dev/null || { echo "feeds: node is missing" >&2; exit 1; }
mkdir -p "$WORK/node"
npm install --silent --no-audit --no-fund --prefix "$WORK/node" "ical.js@2" "@code4recovery/spec@1" >/dev/null
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet "recurring-ical-events>=3.8,<4" "jsonschema>=4.20,<5" 2>&1 | { grep -v "is ignored" || true; }
echo "feeds: ical.js $(node -p "require('$WORK/node/node_modules/ical.js/package.json').version"), spec $(node -p "require('$WORK/node/node_modules/@code4recovery/spec/package.json').version"), $("$WORK/venv/bin/pip" list 2>/dev/null | grep -i recurring-ical-events | tr -s ' ')"

# The HSDS 3 schema is not vendored here (see README, Open data): use a copy when one is given
# or laid in shared/ beside the checkout.
if [ -z "${HSDS_SCHEMA:-}" ] && [ -f ../shared/hsds-3.0/tabular.json ]; then
  HSDS_SCHEMA=$(cd ../shared/hsds-3.0 && pwd)/tabular.json
fi
if [ -n "${HSDS_SCHEMA:-}" ]; then
  echo "feeds: HSDS 3 JSON Schema from $HSDS_SCHEMA"
  export HSDS_SCHEMA
else
  echo "feeds: no HSDS 3 JSON Schema copy (HSDS_SCHEMA or ../shared/hsds-3.0/tabular.json): semantic checks only"
fi

FEEDS_VALIDATORS="$WORK" FEEDS_VALIDATORS_REQUIRED=1 VAR_DIR="$WORK/var" \
  .venv/bin/pytest tests/test_feed_validators.py -q -p no:randomly
