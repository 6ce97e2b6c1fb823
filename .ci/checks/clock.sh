#!/usr/bin/env bash
# The tests that read the clock, at moments a CI run would otherwise meet only by chance: the
# weeks when only the US has changed its clocks, a UK summer evening, Sunday turning Monday in
# UTC, a leap day. Debian's libfaketime sets the wall clock (the monotonic clock stays real);
# each pytest process starts at the moment given, and time runs on from there. SQLite only:
# PostgreSQL's clock would not be faked. Browser tests are left out (Chromium under libfaketime
# is some 40 times slower). About a minute.
#
#   bash .ci/checks/clock.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! dpkg -s libfaketime >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq faketime >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq faketime >/dev/null; }
fi
LIB=$(dpkg -L libfaketime | grep '/libfaketime\.so\.1$')

MODULES=(
  tests/test_schedule.py tests/test_journey.py tests/test_group_page.py tests/test_calendar.py
  tests/test_freshness.py tests/test_meeting_guide.py tests/directory/test_list.py
  tests/directory/test_index.py
)
MOMENTS=(
  "2027-03-20 23:59:30"  # Saturday night: New York on summer time, London not yet
  "2027-07-15 18:30:00"  # a Thursday evening in London, on summer time
  "2028-02-28 23:59:30"  # Monday turning into a leap day (UTC)
)
WORK=$(mktemp -d /tmp/peerdir-clock.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for moment in "${MOMENTS[@]}"; do
  echo "clock: $moment UTC"
  # An epoch (FAKETIME_FMT=%s): libfaketime would read a date in the process's local zone.
  env -u DATABASE_URL VAR_DIR="$(mktemp -d "$WORK/var.XXXXXX")" TZ=UTC PYTHONPATH=.ci/faketime \
    LD_PRELOAD="$LIB" FAKETIME_FMT=%s FAKETIME="@$(date -u -d "$moment UTC" +%s)" \
    FAKETIME_DONT_FAKE_MONOTONIC=1 \
    .venv/bin/pytest "${MODULES[@]}" -q -n 2 -p no:randomly -m "not e2e"
done
