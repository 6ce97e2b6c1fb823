"""Independent readers of our outputs agree with the listing page, for the seed and a sample.

- ical.js (npm) and recurring-ical-events (PyPI) expand each listing's .ics to the same instants
  as the page's "Next meetings", in January and in July (daylight saving on either side), for
  the seed, synthetic listings and a sample in London, Dublin, Los Angeles, New York, Sydney and
  Auckland. They are installed by .ci/checks/feeds.sh into $FEEDS_VALIDATORS; without it these
  tests are skipped (FEEDS_VALIDATORS_REQUIRED=1 makes that a failure, as CI does).
- The Meeting Guide feed's types are the code4recovery spec package's codes (npm) or our own
  lower-case slugs, which the spec allows and which cannot clash with its codes.
- TSML UI, read as its source (load-meeting-data.ts) decides: an entry is online when its
  conference_url is on a known provider or its conference_phone has 10 digits, in person when it
  is not typed TC and its address is not approximate, inactive when neither, dropped without
  formatted_address. Our entries must come out as their listing means.
- JSON-LD property values keep to schema.org's ranges.
- HSDS: the semantic checks of tests/test_hsds.py on the seed and sample, and the HSDS 3 JSON
  Schema when $HSDS_SCHEMA names a copy of schema/compiled/tabular.json.
"""

import datetime as dt
import io
import json
import os
import re
import subprocess
import zoneinfo
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from groups.models import SupportGroup
from tests.factories import make_meeting, make_support_group
from tests.validators.hsds import check_document
from tests.validators.meeting_guide import check_entry  # the spec's field formats

pytestmark = pytest.mark.django_db

HERE = Path(__file__).parent / "validators"
VALIDATORS = os.environ.get("FEEDS_VALIDATORS", "")
REQUIRED = os.environ.get("FEEDS_VALIDATORS_REQUIRED") == "1"
ZONES = [
    "Europe/London",
    "Europe/Dublin",
    "America/Los_Angeles",
    "America/New_York",
    "Australia/Sydney",
    "Pacific/Auckland",
]
# Zones whose changes fall at 24:00, 26:00 or -1:00 (yearly rules on "a weekday among 7 days").
SHIFTED_ZONES = ["America/Santiago", "Asia/Jerusalem", "America/Nuuk"]
MOMENTS = [
    dt.datetime(2027, 1, 12, 9, 30, tzinfo=dt.UTC),
    dt.datetime(2027, 7, 13, 21, 0, tzinfo=dt.UTC),
    # Next meetings across Europe's (28 March) and the southern hemisphere's (4 April) changes.
    dt.datetime(2027, 3, 24, 3, 0, tzinfo=dt.UTC),
]
# TSML UI's default conference providers (src/hooks/settings.tsx), plus the sample's domain.
PROVIDERS = ("zoom.us", "meet.google.com", "teams.microsoft.com", "meet.jit.si", "webex.com")
SAMPLE_PROVIDER = "meet.example.org"


def need_validators():
    if VALIDATORS and (Path(VALIDATORS) / "node" / "node_modules" / "ical.js").exists():
        return
    message = "FEEDS_VALIDATORS is not set up: run .ci/checks/feeds.sh"
    if REQUIRED:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def directory(settings):
    """The seed listings, 100 synthetic ones, and weekly, fortnightly, monthly and last-week
    meetings in each of the six zones whose offsets change on different dates."""
    settings.PAGE_CACHE_SECONDS = 0
    call_command("load_seed", stdout=io.StringIO())
    call_command("generate_synthetic_groups", count=100, seed=7, stdout=io.StringIO())
    for index, zone in enumerate(ZONES + SHIFTED_ZONES):
        group = make_support_group(
            f"Sample {zone}",
            attendance="hybrid" if index % 2 else "online",
            address=f"{index} High Street, {zone.split('/')[1]}" if index % 2 else "",
            join_url="https://meet.example.org/j/1",
        )
        make_meeting(
            group,
            weekday=index % 7,
            start_time=dt.time(1, 30),
            end_time=dt.time(2, 30),
            timezone=zone,
        )
        make_meeting(
            group,
            frequency="biweekly",
            weekday=6,
            start_date=dt.date(2026, 3, 1),
            start_time=dt.time(19),
            end_time=dt.time(20, 30),
            timezone=zone,
        )
        make_meeting(
            group,
            frequency="monthly",
            weekday=4,
            weeks_of_month="-1",
            start_time=dt.time(23, 15),
            end_time=None,
            timezone=zone,
        )
        make_meeting(
            group,
            frequency="monthly",
            weekday=1,
            weeks_of_month="1,3",
            start_time=dt.time(12),
            timezone=zone,
        )
    return SupportGroup.objects.published().filter(meetings__isnull=False).distinct().order_by("pk")


def _utc(text):
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def page_and_calendar(client, group, moment):
    """What the page lists as next meetings, and the .ics (None when it offers none)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        html = client.get(group.get_absolute_url()).content.decode()
        response = client.get(reverse("groups:calendar", args=[group.slug]))
    shown = [_utc(t) for t in re.findall(r'<time datetime="([^"]+)" data-local-time>', html)]
    ics = response.content.decode() if response.status_code == 200 else None
    return shown, ics


def run_validator(command, items, tmp_path, name):
    source, target = tmp_path / f"{name}-in.json", tmp_path / f"{name}-out.json"
    source.write_text(json.dumps(items))
    env = {**os.environ, "FEEDS_VALIDATORS": VALIDATORS}
    subprocess.run([*command, str(source), str(target)], check=True, env=env, timeout=120)
    return json.loads(target.read_text())


def test_icaljs_and_recurring_ical_events_agree_with_the_page(client, directory, tmp_path):
    need_validators()
    items, expected = [], {}
    for group in directory:
        for moment in MOMENTS:
            shown, ics = page_and_calendar(client, group, moment)
            key = f"{group.slug}@{moment:%Y-%m}"
            if ics is None:
                assert shown == [], f"{key}: the page shows dates but offers no calendar"
                continue
            expected[key] = shown
            items.append(
                {"id": key, "ics": ics, "after": moment.isoformat(), "count": len(shown) or 3}
            )
    zones_seen = {z for z in ZONES + SHIFTED_ZONES if any(f"TZID={z}" in i["ics"] for i in items)}
    assert zones_seen == set(ZONES + SHIFTED_ZONES)
    assert len(items) > 100

    readers = {
        "ical.js": run_validator(
            ["node", str(HERE / "icaljs_instants.cjs")], items, tmp_path, "icaljs"
        ),
        "recurring-ical-events": run_validator(
            [
                str(Path(VALIDATORS) / "venv" / "bin" / "python"),
                str(HERE / "recurring_instants.py"),
            ],
            items,
            tmp_path,
            "recurring",
        ),
    }
    for reader, found in readers.items():
        wrong = {key: (found[key], shown) for key, shown in expected.items() if found[key] != shown}
        assert not wrong, (
            f"{reader} disagrees with the page for {len(wrong)} calendars: {list(wrong.items())[:3]}"
        )


def meeting_guide(client):
    return json.loads(b"".join(client.get("/api/meeting-guide.json").streaming_content))


def test_meeting_guide_types_are_spec_codes_or_our_own_lower_case_slugs(client, directory):
    need_validators()
    codes = set(
        json.loads(
            subprocess.run(
                ["node", str(HERE / "spec_types.cjs")],
                check=True,
                capture_output=True,
                env={**os.environ, "FEEDS_VALIDATORS": VALIDATORS},
                timeout=60,
            ).stdout
        )
    )
    assert {"TC", "EN", "W", "S"} <= codes and "ONL" not in codes
    upper = {code.upper() for code in codes}
    ours = {slug for slug in directory.values_list("types__slug", flat=True) if slug}
    for entry in meeting_guide(client):
        check_entry(entry)
        for code in entry["types"]:
            if code not in codes:
                assert code in ours, f"{entry['slug']}: {code} is neither a spec code nor ours"
                assert code.upper() not in upper, f"{code} could be read as a spec code"


def tsml_ui_reading(entry):
    """How TSML UI 1.8 classifies an entry (src/helpers/load-meeting-data.ts), or None if dropped."""
    if not entry.get("formatted_address"):
        return None
    url = entry.get("conference_url", "")
    host = url.split("/")[2] if url.count("/") >= 2 else ""
    phone = re.sub(r"[^\d,+#]", "", entry.get("conference_phone", ""))
    online = host.endswith((*PROVIDERS, SAMPLE_PROVIDER)) or len(phone) >= 10
    in_person = "TC" not in entry["types"] and entry.get("approximate") != "yes"
    if online and in_person:
        return "hybrid"
    if online:
        return "online"
    return "in_person" if in_person else "inactive"


def test_tsml_ui_reads_every_entry_as_its_listing_means(client, directory):
    entries = meeting_guide(client)
    groups = {g.slug: g for g in SupportGroup.objects.published()}
    readings = {}
    for entry in entries:
        group = groups[entry["url"].rstrip("/").rsplit("/", 1)[-1]]
        reading = tsml_ui_reading(entry)
        assert reading is not None, f"TSML UI drops {entry['slug']}"
        assert reading == entry["attendance_option"], (entry["slug"], reading, entry)
        if group.advertises_meetings:
            assert reading != "inactive", (
                f"{entry['slug']} is meeting but TSML UI calls it inactive"
            )
        else:
            assert reading == "inactive" and "day" not in entry
        if "day" in entry:
            assert (
                group.meetings.get(pk=int(entry["slug"].rsplit("-", 1)[-1])).frequency == "weekly"
            )
        readings[reading] = readings.get(reading, 0) + 1
    assert readings.get("online") and readings.get("hybrid") and readings.get("in_person")


DURATION = re.compile(r"^P(\d+[YMWD])+$")
HMS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")
DAYS = {
    f"https://schema.org/{d}"
    for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
}
EVENT_STATUS = {
    f"https://schema.org/{s}"
    for s in (
        "EventScheduled",
        "EventCancelled",
        "EventPostponed",
        "EventRescheduled",
        "EventMovedOnline",
    )
}
MODES = {f"https://schema.org/{m}EventAttendanceMode" for m in ("Offline", "Online", "Mixed")}


def check_json_ld_event(event, own_site):
    assert event["@type"] in ("Event", "EventSeries")
    assert event["eventStatus"] in EVENT_STATUS
    if "eventAttendanceMode" in event:
        assert event["eventAttendanceMode"] in MODES
    locations = event.get("location", [])
    for place in locations if isinstance(locations, list) else [locations]:
        if place["@type"] == "VirtualLocation" and "url" in place:
            assert not place["url"].startswith(own_site), "a VirtualLocation is where to join"
    if event["@type"] == "Event":
        for key in ("startDate", "endDate"):
            if key in event:
                assert dt.datetime.fromisoformat(event[key]).tzinfo, f"{key} has an offset"
        assert "startDate" in event
    schedule = event.get("eventSchedule")
    if schedule:
        assert DURATION.match(schedule["repeatFrequency"])
        assert schedule["byDay"] in DAYS
        assert HMS.match(schedule["startTime"]) and HMS.match(schedule.get("endTime", "00:00:00"))
        assert all(isinstance(w, int) and 1 <= w <= 5 for w in schedule.get("byMonthWeek", [1]))
        zoneinfo.ZoneInfo(schedule["scheduleTimezone"])
    for sub in event.get("subEvent", []):
        check_json_ld_event(sub, own_site)


def test_json_ld_values_keep_to_schema_org_ranges(client, directory):
    for group in directory[:80]:
        html = client.get(group.get_absolute_url()).content.decode()
        raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
        data = json.loads(raw)
        for event in data.get("event", []):
            check_json_ld_event(event, settings.SITE_URL)
            if not group.advertises_meetings:
                assert "subEvent" not in event


def test_hsds_export_of_the_seed_and_sample_passes_the_semantic_checks(client, directory, tmp_path):
    body = b"".join(client.get("/api/hsds.json").streaming_content)
    check_document(json.loads(body))
    schema = os.environ.get("HSDS_SCHEMA")
    if schema:  # a copy of HSDS 3's schema/compiled/tabular.json (see .ci/checks/feeds.sh)
        need_validators()
        export = tmp_path / "hsds.json"
        export.write_bytes(body)
        python = str(Path(VALIDATORS) / "venv" / "bin" / "python")
        result = subprocess.run(
            [python, str(HERE / "hsds_schema.py"), str(export), schema],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
