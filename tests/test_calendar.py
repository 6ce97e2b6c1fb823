import datetime as dt
import re
import zoneinfo
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from groups.search import refresh_search_document
from tests.factories import make_meeting, make_support_group, make_type

pytestmark = pytest.mark.django_db


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def events(cal):
    return [c for c in cal.walk("VEVENT")]


@pytest.fixture
def group():
    group = make_support_group("Thursday Voices", summary="Hearing voices; peer support, online")
    make_meeting(
        group,
        weekday=3,
        start_time=dt.time(17, 0),
        end_time=dt.time(18, 30),
        timezone="America/Los_Angeles",
    )
    make_meeting(
        group,
        frequency="monthly",
        weekday=1,
        weeks_of_month="2,4",
        start_time=dt.time(10, 0),
        timezone="Europe/London",
    )
    make_meeting(group, frequency="arranged", weekday=None, start_time=None, end_time=None)
    return group


def test_calendar_has_one_event_per_regular_meeting_with_rrule_and_tzid(client, group):
    cal = parse(client.get(reverse("groups:calendar", args=[group.slug])))
    found = {str(e["dtstart"].params["TZID"]): e for e in events(cal)}
    assert set(found) == {"America/Los_Angeles", "Europe/London"}
    weekly = found["America/Los_Angeles"]
    assert weekly["rrule"].to_ical() == b"FREQ=WEEKLY;BYDAY=TH"
    start = weekly.decoded("dtstart")
    assert (start.weekday(), start.hour, start.minute) == (3, 17, 0)
    assert weekly.decoded("dtend") - start == dt.timedelta(minutes=90)
    assert found["Europe/London"]["rrule"].to_ical() == b"FREQ=MONTHLY;BYDAY=2TU,4TU"
    assert str(weekly["summary"]) == "Thursday Voices"
    assert str(weekly["url"]).endswith(group.get_absolute_url())
    zones = {str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")}
    assert zones == {"America/Los_Angeles", "Europe/London"}


def test_calendar_uids_are_stable_and_descriptions_escaped(client, group):
    url = reverse("groups:calendar", args=[group.slug])
    first = client.get(url).content
    second = client.get(url).content
    uids = [str(e["uid"]) for e in events(icalendar.Calendar.from_ical(first))]
    assert uids == [str(e["uid"]) for e in events(icalendar.Calendar.from_ical(second))]
    assert len(set(uids)) == 2
    assert b"Hearing voices\\; peer support\\, online" in first
    description = str(events(icalendar.Calendar.from_ical(first))[0]["description"])
    assert "Hearing voices; peer support, online" in description


def test_calendar_of_an_unpublished_listing_is_not_found(client, group):
    group.moderation = "pending"
    group.save()
    assert client.get(reverse("groups:calendar", args=[group.slug])).status_code == 404


def test_search_calendar_holds_the_meetings_of_every_listing_found(client, group):
    other = make_support_group("Monday Alternatives", types=[make_type(slug="ats")])
    make_meeting(other, weekday=0, timezone="Europe/Berlin")
    refresh_search_document()
    cal = parse(client.get(reverse("groups:search_calendar"), {"day": "mon"}))
    assert [str(e["summary"]) for e in events(cal)] == ["Monday Alternatives"]
    cal = parse(client.get(reverse("groups:search_calendar")))
    assert len(events(cal)) == 3


def test_search_calendar_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    for i in range(15):
        make_meeting(make_support_group(f"Group {i}"), weekday=i % 7)
    refresh_search_document()
    url = reverse("groups:search_calendar")
    client.get(url)  # the generation's taxonomy and index, once per process
    # the directory generation, the listings, their meetings
    with django_assert_num_queries(3):
        parse(client.get(url, {"type": "nope"}))


ZONES = [
    "America/Santiago",
    "Asia/Jerusalem",
    "Europe/London",
    "Europe/Dublin",
    "America/Los_Angeles",
    "America/New_York",
    "Australia/Sydney",
    "Pacific/Auckland",
]


@pytest.mark.parametrize("zone", ZONES)
def test_time_zones_give_the_right_offset_in_january_and_july_for_decades(client, zone):
    group = make_support_group("Zoned")
    make_meeting(group, timezone=zone)

    body = client.get(reverse("groups:calendar", args=[group.slug])).content
    cal = icalendar.Calendar.from_ical(body)

    (vtimezone,) = cal.walk("VTIMEZONE")
    # One date per RDATE line at most (ical.js reads only the first), and rules that never end.
    assert b"RDATE" not in body
    for observance in vtimezone.subcomponents:
        assert "UNTIL" not in observance["rrule"]
    tz = vtimezone.to_tz(lookup_tzid=False)  # our VTIMEZONE, not the system zone of that name
    # Years from now on: the calendar's zones start the year before today, as its DTSTARTs do
    # (a fixed 2027 failed once the clock passed 2028: .ci/checks/clock.sh found it).
    this_year = timezone.now().year
    for year in (this_year + 1, this_year + 5, this_year + 12, this_year + 19):
        for month in (1, 7):
            moment = dt.datetime(year, month, 15, 12)
            expected = moment.replace(tzinfo=zoneinfo.ZoneInfo(zone)).utcoffset()
            assert moment.replace(tzinfo=tz).utcoffset() == expected, (year, month)


def test_meeting_without_an_end_time_lasts_an_hour_and_says_so(client):
    group = make_support_group("Open Ended")
    make_meeting(group, end_time=None)

    (event,) = events(parse(client.get(reverse("groups:calendar", args=[group.slug]))))

    assert event.decoded("duration") == dt.timedelta(hours=1)
    assert "dtend" not in event
    assert "The end time is not listed." in str(event["description"])


@pytest.mark.parametrize("status", ["closed", "paused"])
def test_closed_and_paused_listings_calendar_events_are_cancelled(client, group, status):
    group.status = status
    group.save()

    cal = parse(client.get(reverse("groups:calendar", args=[group.slug])))

    assert [str(e["status"]) for e in events(cal)] == ["CANCELLED", "CANCELLED"]


def test_search_calendar_leaves_out_closed_and_paused_listings(client, group):
    make_meeting(make_support_group("Gone", status="closed"), weekday=0)
    make_meeting(make_support_group("Resting", status="paused"), weekday=0)
    refresh_search_document()

    cal = parse(client.get(reverse("groups:search_calendar")))

    assert {str(e["summary"]) for e in events(cal)} == {"Thursday Voices"}


def test_a_calendar_with_no_meeting_is_not_served_empty(client):
    arranged = make_support_group("Ask Us")
    make_meeting(arranged, frequency="arranged", weekday=None, start_time=None, end_time=None)
    refresh_search_document()

    own = client.get(reverse("groups:calendar", args=[arranged.slug]))
    search = client.get(reverse("groups:search_calendar"), {"q": "Ask Us"})

    for response in (own, search):
        assert response.status_code == 404
        assert "regular meeting times" in response.content.decode()


def test_the_page_offers_a_calendar_only_when_it_has_dates_to_put_in_it(client):
    # Every other week without a dated meeting: no dates can be given, so no calendar either.
    unanchored = make_support_group("Unanchored")
    make_meeting(unanchored, frequency="biweekly", start_date=None)

    html = client.get(unanchored.get_absolute_url()).content.decode()

    assert "Next meetings" not in html
    assert reverse("groups:calendar", args=[unanchored.slug]) not in html
    assert client.get(reverse("groups:calendar", args=[unanchored.slug])).status_code == 404


@pytest.mark.parametrize("zone", ["Africa/Cairo", "Africa/Casablanca"])
def test_clock_changes_listed_one_by_one_start_on_their_minute(client, zone):
    # Zones whose rule a yearly RRULE cannot state list each change; a meeting starting just
    # after one was read with the old offset when the onset was written seconds late.
    group = make_support_group("Listed changes")
    make_meeting(group, timezone=zone)

    cal = parse(client.get(reverse("groups:calendar", args=[group.slug])))

    (vtimezone,) = cal.walk("VTIMEZONE")
    listed = [o for o in vtimezone.subcomponents if "rrule" not in o][1:]
    assert len(listed) > 10
    tz = vtimezone.to_tz(lookup_tzid=False)  # our VTIMEZONE, not the system zone of that name
    for observance in listed:
        onset = observance.decoded("dtstart")
        assert onset.second == 0, onset
        # Five seconds after the change, read from UTC so that no local time is ambiguous.
        utc = (onset - observance.decoded("tzoffsetfrom")).replace(tzinfo=dt.UTC)
        just_after = utc + dt.timedelta(seconds=5)
        expected = just_after.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
        assert just_after.astimezone(tz).utcoffset() == expected, onset


def test_add_to_calendar_links_keep_the_length_on_the_night_the_clocks_change(client):
    # New York skips 2:00-3:00 on 14 March 2027: the 2:30-3:30 meeting starts at 3:30 EDT (the
    # offset before the change, as RFC 5545 reads it) and lasts its hour in Outlook and Google.
    group = make_support_group("Small Hours")
    make_meeting(
        group,
        weekday=6,
        start_time=dt.time(2, 30),
        end_time=dt.time(3, 30),
        timezone="America/New_York",
    )
    with mock.patch(
        "django.utils.timezone.now", return_value=dt.datetime(2027, 3, 12, tzinfo=dt.UTC)
    ):
        html = client.get(group.get_absolute_url()).content.decode()

    links = {
        urlsplit(href).hostname: parse_qs(urlsplit(href).query)
        for href in re.findall(r'href="(https://[^"]+)"', html.replace("&amp;", "&"))
    }
    outlook = links["outlook.live.com"]
    start = dt.datetime.fromisoformat(outlook["startdt"][0])
    end = dt.datetime.fromisoformat(outlook["enddt"][0])
    assert start == dt.datetime(2027, 3, 14, 7, 30, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(hours=1)
    google = links["calendar.google.com"]
    first, last = google["dates"][0].split("/")
    new_york = zoneinfo.ZoneInfo("America/New_York")
    local = [
        dt.datetime.strptime(t, "%Y%m%dT%H%M%S").replace(tzinfo=new_york) for t in (first, last)
    ]
    assert local[1].astimezone(dt.UTC) - local[0].astimezone(dt.UTC) == dt.timedelta(hours=1)
