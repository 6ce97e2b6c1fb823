import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from groups.search import refresh_search_document
from tests.factories import make_group, make_meeting, make_type

pytestmark = pytest.mark.django_db


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def events(cal):
    return [c for c in cal.walk("VEVENT")]


@pytest.fixture
def group():
    group = make_group("Thursday Voices", summary="Hearing voices; peer support, online")
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
    other = make_group("Monday Alternatives", types=[make_type(slug="ats")])
    make_meeting(other, weekday=0, timezone="Europe/Berlin")
    refresh_search_document()
    cal = parse(client.get(reverse("groups:search_calendar"), {"day": "mon"}))
    assert [str(e["summary"]) for e in events(cal)] == ["Monday Alternatives"]
    cal = parse(client.get(reverse("groups:search_calendar")))
    assert len(events(cal)) == 3


def test_search_calendar_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    for i in range(15):
        make_meeting(make_group(f"Group {i}"), weekday=i % 7)
    refresh_search_document()
    # the directory generation, types+audiences+languages, regions, the listings, their meetings
    with django_assert_num_queries(5):
        parse(client.get(reverse("groups:search_calendar"), {"type": "nope"}))
