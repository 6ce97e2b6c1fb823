#!/usr/bin/env bash
# The W3C Nu HTML Checker over every kind of page (home, lists, searches, landing, listing and
# organisation pages, forms with errors, sign-up and log-in, the organizer's pages, 404, 429):
# installs npm's vnu-jar and runs tests/test_html_validity.py with it required. Any error fails.
# About 20 s.
#
#   bash .ci/checks/html.sh           # SQLite, or PostgreSQL when DATABASE_URL is set
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v java >/dev/null && [ "$(id -u)" = "0" ]; then
  echo "html: installing a Java runtime for the checker" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq default-jre-headless >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; }
fi
command -v java >/dev/null || { echo "html: java is missing (apt-get install default-jre-headless)" >&2; exit 1; }
command -v npm >/dev/null || { echo "html: npm is missing" >&2; exit 1; }

WORK=$(mktemp -d /tmp/peerdir-html.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# An exact release: a new checker brings new rules, and CI must not turn red on its own.
npm install --silent --no-audit --no-fund --prefix "$WORK" "vnu-jar@26.9.27" >/dev/null
VNU_JAR="$WORK/node_modules/vnu-jar/build/dist/vnu.jar"
echo "html: vnu-jar $(node -p "require('$WORK/node_modules/vnu-jar/package.json').version"), $(java -version 2>&1 | head -1)"

VNU_JAR="$VNU_JAR" HTML_CHECK_REQUIRED=1 VAR_DIR="$WORK/var" \
  .venv/bin/pytest tests/test_html_validity.py -q -p no:randomly
