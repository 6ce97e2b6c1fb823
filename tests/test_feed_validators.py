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
- JSON-LD property values keep to schema.org's ranges (and, for the awkward world, domains).
- HSDS: the semantic checks of tests/test_hsds.py on the seed and sample, and the HSDS 3 JSON
  Schema when $HSDS_SCHEMA names a copy of schema/compiled/tabular.json.

The awkward world (awkward_world() below) is what calendar apps and directories meet in real
listings: clock changes in both hemispheres and half-hour zones, meetings at 00:30, at 23:30
without an end (so they run past midnight), overnight ones that end the next day (one with
London's clock changes inside it, one in Kathmandu's +5:45), at wall-clock times a clock change
skips or repeats, every recurrence a Meeting can hold, every status, online/phone/hybrid groups,
text with commas, semicolons, backslashes, newlines, emoji and non-Latin scripts, and private
contact details that must appear nowhere. On it:
- both readers expand each group's and the search's .ics over eight weeks across the changes:
  every occurrence, and no other, exactly where an independent reading of the listing's stated
  rule puts it (stated_starts), ending at its listed end time by the zone's clock (stated_end),
  under its name as written;
- each Meeting Guide entry says its meeting as the spec means it (day, time, end_time,
  timezone, attendance_option, conference_url/conference_phone, paused and closed listings);
- every JSON-LD node keeps to schema.org's domains and ranges, with attendance modes that match
  the locations given and dated Events the listing's rule names;
- no output carries a contact detail its organizer did not publish.
"""

import calendar as monthcalendar
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

from groups.models import Audience, GroupType, SupportGroup
from tests.factories import (
    make_audience,
    make_language,
    make_meeting,
    make_organization,
    make_support_group,
    make_type,
)
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
    """The seed listings, 100 synthetic ones, weekly, fortnightly, monthly and last-week
    meetings in each of the six zones whose offsets change on different dates, and the awkward
    world (below)."""
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
    awkward_world()
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
# byDay's Text form: "Text conforming to iCal's syntax for byDay recurrence rules".
ICAL_BYDAY = re.compile(r"^[+-]?[1-5]?(MO|TU|WE|TH|FR|SA|SU)(,[+-]?[1-5]?(MO|TU|WE|TH|FR|SA|SU))*$")
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
        assert schedule["byDay"] in DAYS or ICAL_BYDAY.match(schedule["byDay"])
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


# --- the awkward world ---------------------------------------------------------------------------

# Contact details their organizers did not publish: no output may carry them.
PRIVATE = {
    "email": "private.person@example.net",
    "phone": "+44 20 7946 0999",
    "join_url": "https://zoom.us/j/99900099911",
    "contact_name": "Rosalind Hiddensurname",
}
# Eight weeks from each moment cross every clock change of the world's zones: the US and
# St John's (14 March), Europe (28 March), Australia and Lord Howe (4 April); then Australia and
# Lord Howe (3 October), Europe (31 October), the US and St John's (7 November).
WINDOWS = [
    dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2027, 9, 22, 12, 0, tzinfo=dt.UTC),
    # The calendar's first event falls on a skipped time (New York, 2:30 am on 14 March).
    dt.datetime(2027, 3, 13, 12, 0, tzinfo=dt.UTC),
]
WEEKS = dt.timedelta(weeks=8)
WORLD_ZONES = {
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Adelaide",  # +9:30/+10:30
    "America/St_Johns",  # -3:30/-2:30
    "Australia/Lord_Howe",  # +10:30/+11: a half-hour change
    "Asia/Kathmandu",  # +5:45, no change
    "Africa/Casablanca",  # +01, +00 around Ramadan (back on 14 March 2027)
}
AWKWARD_TEXT = "Commas, semicolons; a backslash \\ a\nnewline, 🌱 and «quotes»"


def awkward_world():
    """The listings calendar apps and directories get wrong, keyed by a short name."""
    host = make_organization("Voices Network; North & South", summary="Hosts, “quoted”")
    # The seed may hold these already (the directory fixture loads it first).
    voices = GroupType.objects.filter(slug="hearing-voices").first() or make_type(
        "Hearing voices", slug="hearing-voices"
    )
    women = Audience.objects.filter(slug="women").first() or make_audience("Women", slug="women")
    arabic, nepali = make_language("ar", "Arabic"), make_language("ne-NP", "Nepali (Nepal)")
    chinese, french = make_language("zh-Hans", "Chinese"), make_language("fr", "French")
    made = {}

    def listing(key, name, **fields):
        made[key] = make_support_group(name, slug=f"awkward-{key}", **fields)
        return made[key]

    def meets(group, weekday, start, end=None, zone="Europe/London", **fields):
        return make_meeting(
            group, weekday=weekday, start_time=start, end_time=end, timezone=zone, **fields
        )

    london = listing(
        "london",
        "Voices, London; Sundays \\ late",
        summary=AWKWARD_TEXT,
        description="A very long description. " * 800,
        attendance="in_person",
        venue="Friends House; Room 3",
        address="173 Euston Road, London NW1 2BJ",
        host=host,
        cost="free",
        email=PRIVATE["email"],
        email_public=False,
        phone=PRIVATE["phone"],
        phone_public=False,
        contact_name=PRIVATE["contact_name"],
        contact_name_public=False,
        how_to_join="Ring the bell;\nthen wait \\ a minute",
    )
    meets(london, 6, dt.time(0, 30), dt.time(1, 45))  # 00:30 on Sundays
    meets(london, 6, dt.time(1, 30), dt.time(2, 30))  # skipped on 28 March, repeated 31 October
    meets(london, 5, dt.time(23, 30), notes="Runs past midnight; no end time, 🌙")
    # Past midnight with an end: Saturday nights hold both of London's clock changes (28 March,
    # 31 October 2027) inside the meeting; Sunday night's ends on Monday, round the week.
    meets(london, 5, dt.time(23), dt.time(2, 30), notes="Overnight")
    meets(london, 6, dt.time(23), dt.time(1))
    new_york = listing(
        "new-york", "Hearing Voices NYC 🗽", attendance="online", join_url="https://zoom.us/j/1234"
    )
    meets(new_york, 6, dt.time(2, 30), dt.time(3, 30), "America/New_York")  # skipped 14 March
    meets(
        new_york,
        6,
        dt.time(1, 30),
        dt.time(2, 15),
        "America/New_York",
        frequency="biweekly",
        start_date=dt.date(2027, 3, 7),
    )
    meets(
        new_york, 6, dt.time(1, 15), dt.time(2), "America/New_York", frequency="monthly",
        weeks_of_month="1",
    )  # fmt: skip
    sydney = listing(
        "sydney",
        "悉尼 听声小组 — Sydney",
        types=[voices],
        languages=[chinese],
        attendance="hybrid",
        address="1 Macquarie St, Sydney NSW 2000",
        join_url="https://meet.google.com/abc-defg-hij",
    )
    for weekday, start, weeks in ((6, dt.time(2, 30), "1"), (6, dt.time(19), "-1"),
                                  (3, dt.time(18), "5"), (1, dt.time(9, 45), "2,4")):  # fmt: skip
        end = start.replace(hour=start.hour + 1)
        meets(sydney, weekday, start, end, "Australia/Sydney", frequency="monthly",
              weeks_of_month=weeks)  # fmt: skip
    adelaide = listing(
        "adelaide",
        "مجموعة الدعم Adelaide",
        types=[voices],
        audiences=[women],
        languages=[arabic],
        attendance="phone",
        phone="+61 8 8123 4567",
        phone_public=True,
        service_area="South Australia",
    )
    meets(adelaide, 6, dt.time(2, 30), dt.time(3, 30), "Australia/Adelaide")
    # "Every other month" with no dated meeting: which months is not known, so no dates.
    meets(adelaide, 4, dt.time(18), dt.time(19), "Australia/Adelaide", frequency="bimonthly")
    short_line = listing(
        "short-line", "Line without an area code", attendance="phone", phone="555 0199",
        phone_public=True, service_area="Leeds",
    )  # fmt: skip
    meets(short_line, 4, dt.time(20), dt.time(21))
    meets(
        adelaide, 2, dt.time(10), dt.time(11), "Australia/Adelaide", frequency="bimonthly",
        weeks_of_month="1,3", start_date=dt.date(2027, 1, 6),
    )  # fmt: skip
    st_johns = listing(
        "st-johns", 'St. John\'s "peer" circle', attendance="online",
        join_url="https://meet.jit.si/peer-circle",
    )  # fmt: skip
    meets(st_johns, 6, dt.time(0, 30), dt.time(1, 30), "America/St_Johns")
    lord_howe = listing(
        "lord-howe", "Lord Howe Island", attendance="online", join_url="https://zoom.us/j/555"
    )
    meets(lord_howe, 6, dt.time(1, 45), dt.time(2, 15), "Australia/Lord_Howe")
    kathmandu = listing(
        "kathmandu",
        "काठमाडौं साथी समूह\nKathmandu peers",
        languages=[nepali],
        attendance="online",
        join_url=PRIVATE["join_url"],
        join_url_public=False,
        service_area="Nepal",
    )
    meets(kathmandu, 0, dt.time(18, 15), dt.time(19, 45), "Asia/Kathmandu")
    meets(kathmandu, 4, dt.time(22, 45), dt.time(0, 30), "Asia/Kathmandu")  # into Saturday
    casablanca = listing(
        "casablanca", "Groupe d'entraide, Casablanca", attendance="online", languages=[french],
        join_url="https://meet.jit.si/casablanca",
    )  # fmt: skip
    meets(casablanca, 3, dt.time(10), dt.time(11), "Africa/Casablanca")  # 11 March: +00
    hybrid_unplaced = listing(
        "hybrid-no-address", "Hybrid, room to be announced", attendance="hybrid",
        join_url="https://zoom.us/j/2222", service_area="Leeds",
    )  # fmt: skip
    meets(hybrid_unplaced, 1, dt.time(18), dt.time(19))
    for status in ("paused", "closed", "unconfirmed", "forming"):
        group = listing(
            status, f"A {status} group", attendance="in_person", address=f"{status} Hall, Leeds",
            status=status,
        )  # fmt: skip
        meets(group, 2, dt.time(19), dt.time(20))
    archived = listing(
        "archived", "An archived group", attendance="in_person", address="Old Hall, Leeds",
        moderation="archived",
    )  # fmt: skip
    meets(archived, 2, dt.time(19), dt.time(20))
    listing(
        "no-meetings", "No meetings listed", attendance="online", join_url="https://zoom.us/j/3"
    )
    nowhere = listing(
        "etc-zone", "Times in GMT+3", attendance="online", join_url="https://zoom.us/j/4"
    )
    meets(nowhere, 2, dt.time(20), dt.time(21), "Etc/GMT-3")  # a zone that is no place
    arranged = listing(
        "arranged", "By arrangement", attendance="in_person", address="Any Hall, Leeds"
    )
    make_meeting(arranged, frequency="arranged", weekday=None, start_time=None, end_time=None)
    return made


@pytest.fixture
def awkward(settings):
    settings.PAGE_CACHE_SECONDS = 0
    return awkward_world()


def _weeks(meeting):
    return [int(part) for part in meeting.weeks_of_month.split(",") if part.strip()] or [1]


def stated_dates(meeting, first, last):
    """The dates from `first` to `last` the listing's rule names, read from the rule as a person
    reads it ("the first and third Wednesday of every other month from January"), not through
    groups.schedule."""
    if meeting.frequency == "arranged" or meeting.weekday is None or not meeting.start_time:
        return []
    if meeting.frequency in ("biweekly", "bimonthly") and meeting.start_date is None:
        return []  # "every other" without a dated meeting names no dates
    found, day = [], first
    while day <= last:
        if day.weekday() == meeting.weekday and not (
            meeting.start_date and day < meeting.start_date
        ):
            if meeting.frequency == "weekly":
                found.append(day)
            elif meeting.frequency == "biweekly":
                anchor = meeting.start_date + dt.timedelta(
                    days=(meeting.weekday - meeting.start_date.weekday()) % 7
                )
                if (day - anchor).days % 14 == 0:
                    found.append(day)
            else:
                nth = (day.day - 1) // 7 + 1
                is_last = day.day + 7 > monthcalendar.monthrange(day.year, day.month)[1]
                weeks = _weeks(meeting)
                in_month = nth in weeks or (-1 in weeks and is_last)
                if meeting.frequency == "bimonthly":
                    start = meeting.start_date
                    in_month &= ((day.year - start.year) * 12 + day.month - start.month) % 2 == 0
                if in_month:
                    found.append(day)
        day += dt.timedelta(days=1)
    return found


def stated_starts(meeting, after, until):
    """Each start in (after, until] at the listing's wall-clock time in its zone. A time the
    clock change skips is read as RFC 5545 says (with the offset before the change), a time it
    repeats as its first occurrence (fold=0 in both cases)."""
    tz = zoneinfo.ZoneInfo(meeting.timezone)
    first = after.astimezone(tz).date() - dt.timedelta(days=1)
    last = until.astimezone(tz).date() + dt.timedelta(days=1)
    starts = []
    for day in stated_dates(meeting, first, last):
        start = dt.datetime.combine(day, meeting.start_time, tzinfo=tz)
        if after < start <= until:
            starts.append(start)
    return starts


def listed_length(meeting):
    """How long a meeting lasts, in elapsed time: from its listed start to its listed end, or the
    hour calendars and Meeting Guide apps assume without one."""
    if meeting.end_time is None:
        return dt.timedelta(hours=1)
    day = dt.date(2027, 1, 1)
    # An end before the start is on the next day: 23:00-01:00 lasts two hours.
    next_day = dt.timedelta(days=1) if meeting.end_time < meeting.start_time else dt.timedelta(0)
    end = dt.datetime.combine(day, meeting.end_time) + next_day
    return end - dt.datetime.combine(day, meeting.start_time)


def stated_end(meeting, start):
    """When the meeting that starts at `start` (as stated_starts gives it) ends: at its listed end
    time by its zone's clock, the next day when that is before the start, read as stated_starts
    reads a time (fold=0); its listed length later when a clock change makes that end no later
    than the start, or without an end time."""
    if meeting.end_time is not None:
        day = start.replace(tzinfo=None).date()
        if meeting.end_time < meeting.start_time:
            day += dt.timedelta(days=1)
        end = dt.datetime.combine(day, meeting.end_time, tzinfo=start.tzinfo)
        if end.astimezone(dt.UTC) > start.astimezone(dt.UTC):
            return end
    return start.astimezone(dt.UTC) + listed_length(meeting)


def _iso_z(when):
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _uid_pk(uid):
    """The meeting a VEVENT belongs to: meeting-<pk>@host, or meeting-<pk>-<date>@host for a
    one-off occurrence of it."""
    return int(uid.split("@", 1)[0].removeprefix("meeting-").split("-", 1)[0])


def _skipped(start):
    """Whether the wall-clock time of `start` does not exist that day (a clock change skips it)."""
    return start.astimezone(dt.UTC).astimezone(start.tzinfo).replace(tzinfo=None) != (
        start.replace(tzinfo=None)
    )


def both_readers(items, tmp_path):
    python = str(Path(VALIDATORS) / "venv" / "bin" / "python")
    return {
        "ical.js": run_validator(
            ["node", str(HERE / "icaljs_instants.cjs")], items, tmp_path, "icaljs-8w"
        ),
        "recurring-ical-events": run_validator(
            [python, str(HERE / "recurring_instants.py")], items, tmp_path, "recurring-8w"
        ),
    }


def test_calendars_put_eight_weeks_of_meetings_at_the_wall_clock_time_each_listing_states(
    client, awkward, tmp_path
):
    """Each group's .ics and the search's .ics, expanded by ical.js and recurring-ical-events
    over eight weeks across the clock changes: every occurrence, and no other, where the
    listing's stated rule puts it, ending where its listed end time does; the page's next
    meetings are the first of them."""
    need_validators()
    groups = list(SupportGroup.objects.filter(slug__startswith="awkward-").order_by("pk"))
    meetings = {m.pk: m for g in groups for m in g.meetings.all()}
    zones = {m.timezone for m in meetings.values()}
    assert WORLD_ZONES <= zones
    items, expected, pages = [], {}, {}
    for moment in WINDOWS:
        until = moment + WEEKS
        for zone in WORLD_ZONES - {"Asia/Kathmandu", "Africa/Casablanca"}:
            tz = zoneinfo.ZoneInfo(zone)
            assert moment.astimezone(tz).utcoffset() != until.astimezone(tz).utcoffset(), zone
        with mock.patch("django.utils.timezone.now", return_value=moment):
            search = client.get(reverse("groups:search_calendar"))
            calendars = {"search": (search, [g for g in groups if g.moderation == "published"])}
            for group in groups:
                shown, ics = page_and_calendar(client, group, moment)
                key = f"{group.slug}@{moment:%Y-%m-%d}"
                starts = sorted(
                    start
                    for meeting in group.meetings.all()
                    for start in stated_starts(meeting, moment, until)
                )
                if group.advertises_meetings and group.moderation == "published":
                    pages[key] = (shown, [_iso_z(s) for s in starts[:3]])
                else:
                    assert shown == [], f"{key}: a listing that is not meeting shows dates"
                if ics is not None:
                    calendars[group.slug] = (ics, [group])
        for name, (body, members) in calendars.items():
            key = f"{name}@{moment:%Y-%m-%d}"
            text = body if isinstance(body, str) else body.content.decode()
            assert text.startswith("BEGIN:VCALENDAR"), key
            items.append({"id": key, "ics": text, "after": moment.isoformat(),
                          "until": until.isoformat(), "count": 0})  # fmt: skip
            expected[key] = sorted(
                [
                    meeting.pk,
                    _iso_z(start),
                    _iso_z(stated_end(meeting, start)),
                ]
                for group in members
                if group.advertises_meetings
                for meeting in group.meetings.all()
                for start in stated_starts(meeting, moment, until)
            )
    assert len({item["id"] for item in items}) == len(items)
    # The world holds what it claims: skipped and repeated wall-clock times, both hemispheres.
    assert any(
        _skipped(s)
        for m in meetings.values()
        for s in stated_starts(m, *WINDOWS[:1], WINDOWS[0] + WEEKS)
    )
    for key, (shown, first) in pages.items():
        assert shown == first, f"{key}: the page's next meetings are not the listing's rule"
    wrong = []
    for reader, found in both_readers(items, tmp_path).items():
        for key, wanted in expected.items():
            got = sorted([_uid_pk(uid), start, end] for uid, start, end, *_texts in found[key])
            for uid, _start, _end, summary, description in found[key]:
                group = meetings[_uid_pk(uid)].group
                # Names and summaries reach the calendar app as written: commas, semicolons,
                # backslashes, newlines, emoji and every script.
                if summary != group.name or group.summary not in description:
                    wrong.append(f"{reader} reads {group.slug} as {summary!r}: {description!r}")
            missing = [pair for pair in wanted if pair not in got]
            extra = [pair for pair in got if pair not in wanted]
            if missing or extra:
                described = [
                    (meetings[pk].describe(), start, end)
                    for pk, start, end in (missing[:3] + extra[:3])
                ]
                wrong.append(
                    f"{reader} reads {key} with {len(missing)} meetings missing and "
                    f"{len(extra)} where the listing has none: {described}"
                )
    assert not wrong, "\n".join(wrong)


def meeting_guide_of_the_world(client):
    return {
        int(entry["slug"].rsplit("-", 1)[-1]): entry
        for entry in meeting_guide(client)
        if "/awkward-" in entry["url"]
    }


def json_ld(html):
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(raw) for raw in found]


# How each awkward listing's entries must read: attendance_option, and the joining detail a
# meeting finder offers (None: none at all).
MEETING_GUIDE_READINGS = {
    "london": ("in_person", None),
    "new-york": ("online", ("conference_url", "https://zoom.us/j/1234")),
    "sydney": ("hybrid", ("conference_url", "https://meet.google.com/abc-defg-hij")),
    "adelaide": ("online", ("conference_phone", "+61881234567")),
    "st-johns": ("online", ("conference_url", "https://meet.jit.si/peer-circle")),
    "lord-howe": ("online", ("conference_url", "https://zoom.us/j/555")),
    "casablanca": ("online", ("conference_url", "https://meet.jit.si/casablanca")),
    # Where it meets in person is not known yet: a finder can only send people online.
    "hybrid-no-address": ("online", ("conference_url", "https://zoom.us/j/2222")),
    "paused": ("inactive", None),
    "unconfirmed": ("in_person", None),
    "forming": ("in_person", None),
    "arranged": ("in_person", None),
}
# Where an online group without a region or area served is from, as importers geocode it: its
# time zone's city and country ("St Johns" alone is also in Florida and Arizona).
MEETING_GUIDE_ORIGINS = {
    "new-york": "New York, United States",
    "st-johns": "St Johns, Canada",
    "lord-howe": "Lord Howe, Australia",
    "casablanca": "Casablanca, Morocco",
}
MEETING_GUIDE_TYPES = {
    "adelaide": ["AR", "W", "hearing-voices"],
    "sydney": ["hearing-voices"],
    "casablanca": ["FR"],
}
# Left out, as the spec would have them: closed, not published, no meeting, an online group
# whose joining link is private (the spec calls an online meeting without one inactive), and a
# phone group whose number TSML UI cannot dial (fewer than 10 digits: it calls it inactive), and
# an online group with no place at all (times in Etc/GMT-3: importers drop it).
NOT_IN_MEETING_GUIDE = {"closed", "archived", "no-meetings", "kathmandu", "short-line", "etc-zone"}


def test_meeting_guide_says_every_awkward_meeting_as_the_spec_means_it(client, awkward):
    entries = meeting_guide_of_the_world(client)
    assert set(MEETING_GUIDE_READINGS) | NOT_IN_MEETING_GUIDE == set(awkward)
    seen = set()
    for key, group in awkward.items():
        for meeting in group.meetings.all():
            entry = entries.get(meeting.pk)
            if key in NOT_IN_MEETING_GUIDE:
                assert entry is None, f"{key} is listed: {entry}"
                continue
            assert entry is not None, f"{key}: {meeting.describe()} is missing"
            seen.add(meeting.pk)
            check_entry(entry)
            option, joining = MEETING_GUIDE_READINGS[key]
            assert entry["attendance_option"] == option, (key, entry)
            assert tsml_ui_reading(entry) == option, (key, entry)
            for field in ("conference_url", "conference_phone"):
                wanted = joining[1] if joining and joining[0] == field else None
                assert entry.get(field) == wanted, (key, field, entry)
            assert entry["timezone"] == meeting.timezone
            assert entry["name"] == group.name
            if key in MEETING_GUIDE_ORIGINS:
                assert entry["formatted_address"] == MEETING_GUIDE_ORIGINS[key], entry
                assert entry["approximate"] == "yes"
            # TC for a paused listing, the spec's codes for languages and audiences it has
            # (none for Chinese), then our types as their slugs.
            paused = [] if group.advertises_meetings else ["TC"]
            assert entry["types"] == paused + MEETING_GUIDE_TYPES.get(key, []), (key, entry)
            if not group.advertises_meetings:
                assert "TC" in entry["types"]
                assert not {"day", "time", "end_time"} & entry.keys(), entry
            elif meeting.frequency == "weekly":
                # The spec's day is 0 = Sunday; its times are the listing's own wall-clock times.
                assert entry["day"] == (meeting.weekday + 1) % 7, (key, entry)
                assert entry["time"] == meeting.start_time.strftime("%H:%M")
                end = meeting.end_time and meeting.end_time.strftime("%H:%M")
                assert entry.get("end_time") == end, (key, entry)
            else:
                # "For weekly meetings only": anything else is by appointment, said in words.
                assert not {"day", "time", "end_time"} & entry.keys(), (key, entry)
                assert meeting.describe() in entry["notes"], (key, entry)
    assert len(seen) == len(entries), "entries that belong to no meeting of the world"


SCHEMA = "https://schema.org/"
# The schema.org types our JSON-LD uses, each with the types it inherits from.
SCHEMA_TYPES = {
    "Organization": {"Organization", "Thing"},
    "EventSeries": {"EventSeries", "Event", "Series", "Intangible", "Thing"},
    "Event": {"Event", "Thing"},
    "Schedule": {"Schedule", "Intangible", "Thing"},
    "Place": {"Place", "Thing"},
    "VirtualLocation": {"VirtualLocation", "Intangible", "Thing"},
}


def _text(value):
    return isinstance(value, str) and value.strip() != ""


def _url(value):
    return isinstance(value, str) and re.match(r"^(https?://\S+|tel:\+?[\d,*#]+)$", value)


def _node(*types):
    return lambda value: (
        isinstance(value, dict)
        and (value.get("@type") in types or (set(value) == {"@id"} and _url(value["@id"])))
    )


def _members(*names):
    return lambda value: value in {SCHEMA + name for name in names}


def _date_or_datetime(value):
    for kind in (dt.datetime, dt.date):
        try:
            kind.fromisoformat(value)
            return True
        except (TypeError, ValueError):
            pass
    return False


def _time(value):
    return isinstance(value, str) and re.match(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$", value)


DAYS_OF_WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# schema.org's definitions (schema.org/<property>: "Used on these types" and "Values expected
# to be one of these types"): property -> (the types it is used on, a test of its range).
SCHEMA_PROPERTIES = {
    "name": ({"Thing"}, _text),
    "description": ({"Thing"}, _text),
    "url": ({"Thing"}, _url),
    "sameAs": ({"Thing"}, _url),
    "email": ({"Organization"}, _text),
    "telephone": ({"Organization", "Place"}, _text),
    "parentOrganization": ({"Organization"}, _node("Organization")),
    "subOrganization": ({"Organization"}, _node("Organization")),
    "event": ({"Organization", "Place"}, _node("Event", "EventSeries")),
    "subEvent": ({"Event"}, _node("Event", "EventSeries")),
    "organizer": ({"Event"}, _node("Organization")),
    "location": ({"Event", "Organization"}, _node("Place", "VirtualLocation")),
    "eventAttendanceMode": (
        {"Event"},
        _members(*(f"{m}EventAttendanceMode" for m in ("Offline", "Online", "Mixed"))),
    ),
    "eventStatus": (
        {"Event"},
        _members(
            "EventScheduled",
            "EventCancelled",
            "EventPostponed",
            "EventRescheduled",
            "EventMovedOnline",
        ),
    ),  # fmt: skip
    "eventSchedule": ({"Event"}, _node("Schedule")),
    "isAccessibleForFree": ({"Event", "Place"}, lambda value: value is True or value is False),
    "startDate": ({"Event", "Schedule"}, _date_or_datetime),
    "endDate": ({"Event", "Schedule"}, _date_or_datetime),
    "repeatFrequency": ({"Schedule"}, lambda value: bool(DURATION.match(value))),
    "byDay": (
        {"Schedule"},
        lambda value: _members(*DAYS_OF_WEEK)(value) or bool(ICAL_BYDAY.match(value)),
    ),
    "startTime": ({"Schedule"}, _time),
    "endTime": ({"Schedule"}, _time),
    "scheduleTimezone": ({"Schedule"}, lambda value: value in zoneinfo.available_timezones()),
    "byMonthWeek": ({"Schedule"}, lambda value: isinstance(value, int) and 1 <= value <= 5),
    "address": ({"Place", "Organization"}, _text),
}
PLACE_FOR_MODE = {
    SCHEMA + "OfflineEventAttendanceMode": {"Place"},
    SCHEMA + "OnlineEventAttendanceMode": {"VirtualLocation"},
    SCHEMA + "MixedEventAttendanceMode": {"Place", "VirtualLocation"},
}


def schema_org_problems(node, where="$"):
    """Every property outside its domain or value outside its range, as readable lines."""
    problems = []
    kind = node.get("@type")
    if set(node) == {"@id"}:
        return problems
    if kind not in SCHEMA_TYPES:
        return [f"{where}: unknown @type {kind!r}"]
    for key, value in node.items():
        if key in ("@context", "@type", "@id"):
            continue
        if key not in SCHEMA_PROPERTIES:
            problems.append(f"{where}.{key}: not a property we have checked against schema.org")
            continue
        domain, in_range = SCHEMA_PROPERTIES[key]
        if not domain & SCHEMA_TYPES[kind]:
            problems.append(f"{where}.{key}: not a property of {kind}")
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            if not in_range(item):
                problems.append(f"{where}.{key}[{index}]: {item!r} is outside its range")
            if isinstance(item, dict):
                problems += schema_org_problems(item, f"{where}.{key}[{index}]")
    if kind == "Event":
        for key in ("startDate", "endDate"):
            if key in node and dt.datetime.fromisoformat(node[key]).tzinfo is None:
                problems.append(f"{where}.{key}: {node[key]} has no UTC offset")
        parse = dt.datetime.fromisoformat
        if "endDate" in node and parse(node["endDate"]) <= parse(node["startDate"]):
            problems.append(f"{where}: ends at {node['endDate']}, as it starts or before")
    if "eventAttendanceMode" in node and "location" in node:
        places = node["location"] if isinstance(node["location"], list) else [node["location"]]
        kinds = {place["@type"] for place in places}
        if kinds != PLACE_FOR_MODE[node["eventAttendanceMode"]]:
            problems.append(
                f"{where}: {node['eventAttendanceMode'].removeprefix(SCHEMA)} at {sorted(kinds)}"
            )
    return problems


def test_json_ld_keeps_to_schema_org_domains_and_ranges_for_every_awkward_listing(client, awkward):
    pages = {key: group.get_absolute_url() for key, group in awkward.items()}
    pages["host"] = awkward["london"].host.get_absolute_url()
    problems, dated = [], 0
    for moment in WINDOWS:
        with mock.patch("django.utils.timezone.now", return_value=moment):
            for key, path in pages.items():
                response = client.get(path)
                if response.status_code == 404:
                    assert key == "archived"
                    continue
                (data,) = json_ld(response.content.decode())
                problems += schema_org_problems(data, f"{key}@{moment:%Y-%m-%d}")
                group = awkward.get(key)
                # Every series whose rule names dates says it, "the last Sunday" included, as
                # apps want it; "every other month" with no dated meeting names none.
                series_list = data.get("event", [])
                schedules = [
                    series["eventSchedule"] for series in series_list if "eventSchedule" in series
                ]
                undated = [
                    m for m in group.meetings.all() if m.weekday is not None
                    and m.frequency in ("biweekly", "bimonthly") and not m.start_date
                ] if group else []  # fmt: skip
                assert len(schedules) == len(series_list) - len(undated), (key, series_list)
                if key == "sydney":
                    assert {s["byDay"]: s.get("byMonthWeek") for s in schedules} == {
                        "https://schema.org/Sunday": [1],
                        "-1SU": None,
                        "https://schema.org/Thursday": [5],
                        "https://schema.org/Tuesday": [2, 4],
                    }
                for series in data.get("event", []):
                    for event in series.get("subEvent", []):
                        dated += 1
                        # Compared in UTC: Python never finds a skipped or repeated local
                        # time equal to a time in another zone (PEP 495).
                        ends = {}  # each stated start: the ends its meetings give it
                        for meeting in group.meetings.all():
                            for start in stated_starts(meeting, moment, moment + 4 * WEEKS):
                                ends.setdefault(_iso_z(start), set()).add(
                                    _iso_z(stated_end(meeting, start))
                                )
                        start = dt.datetime.fromisoformat(event["startDate"])
                        assert _iso_z(start) in ends, (key, event["startDate"])
                        if "endDate" in event:
                            end = _iso_z(dt.datetime.fromisoformat(event["endDate"]))
                            assert end in ends[_iso_z(start)], (key, event["startDate"], end)
                        if key == "adelaide":  # by phone: the published number is the way in
                            assert event["location"] == {
                                "@type": "VirtualLocation",
                                "url": "tel:+61881234567",
                            }
    assert dated > 50
    assert not problems, "\n".join(problems)


def test_no_output_carries_a_contact_detail_its_organizer_did_not_publish(client, awkward):
    outputs = {
        "meeting guide": meeting_guide(client),
        "search calendar": client.get(reverse("groups:search_calendar")).content.decode(),
        "hsds": b"".join(client.get("/api/hsds.json").streaming_content).decode(),
    }
    for key, group in awkward.items():
        response = client.get(reverse("groups:calendar", args=[group.slug]))
        if response.status_code == 200:
            outputs[f"{key}.ics"] = response.content.decode()
        page = client.get(group.get_absolute_url())
        if page.status_code == 200:
            outputs[f"{key} JSON-LD"] = json_ld(page.content.decode())
    assert len(outputs) > 20
    # Unfolded, unescaped text, and the phone number without its spaces.
    secrets = [*PRIVATE.values(), PRIVATE["phone"].replace(" ", ""), "Hiddensurname"]
    published = set()
    for name, output in outputs.items():
        text = output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)
        text = text.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";")
        for secret in secrets:
            assert secret not in text, f"{name} carries {secret}"
        published |= {name for value in ("+61 8 8123 4567", "+61881234567") if value in text}
    # What Adelaide's organizer did publish is there: the scan reads the real text.
    assert {"meeting guide", "hsds", "adelaide JSON-LD"} <= published
