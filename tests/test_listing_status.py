"""A listing's status tells one story everywhere: the page, its calendar, JSON-LD and both feeds.

Closed and paused listings advertise no upcoming meeting anywhere; every other status (active,
forming, and any status added later) still does.
"""

import datetime as dt
import json
import re

import icalendar
import pytest
from django.urls import reverse

from groups.models import SupportGroup
from tests.factories import make_meeting, make_support_group

pytestmark = pytest.mark.django_db

JOIN = "https://meet.example.org/j/1"


@pytest.fixture
def listing():
    def build(status):
        group = make_support_group(
            f"{status.title()} Voices",
            status=status,
            attendance="hybrid",
            address="1 High St, Leith",
            join_url=JOIN,
        )
        make_meeting(group, weekday=3, start_time=dt.time(17), end_time=dt.time(18))
        return group

    return build


def page_story(client, group):
    html = client.get(group.get_absolute_url()).content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    series = json.loads(raw)["event"][0]
    return {
        "dates": re.findall(r'<time datetime="([^"]+)" data-local-time>', html),
        "calendar_link": reverse("groups:calendar", args=[group.slug]) in html,
        "event_status": series["eventStatus"].rsplit("/", 1)[-1],
        "dated_events": len(series.get("subEvent", [])),
        "html": html,
    }


def ics_statuses(client, group):
    body = client.get(reverse("groups:calendar", args=[group.slug])).content
    cal = icalendar.Calendar.from_ical(body)
    return [str(event.get("status", "CONFIRMED")) for event in cal.walk("VEVENT")]


def feed_entries(client, group):
    body = b"".join(client.get("/api/meeting-guide.json").streaming_content)
    return [e for e in json.loads(body) if e["name"] == group.name]


def hsds_schedules(client, group):
    doc = json.loads(b"".join(client.get("/api/hsds.json").streaming_content))
    (service,) = [s for s in doc["service"] if s["name"] == group.name]
    return service["status"], [s for s in doc["schedule"] if s["service_id"] == service["id"]]


@pytest.mark.parametrize("status", ["active", "unconfirmed", "forming"])
def test_a_listed_group_advertises_its_meetings_everywhere(client, listing, status):
    group = listing(status)

    story = page_story(client, group)
    (entry,) = feed_entries(client, group)

    assert len(story["dates"]) == 3 and story["calendar_link"]
    assert story["event_status"] == "EventScheduled" and story["dated_events"] == 3
    assert ics_statuses(client, group) == ["CONFIRMED"]
    assert entry["day"] == 4 and entry["attendance_option"] == "hybrid"
    hsds_status, schedules = hsds_schedules(client, group)
    assert hsds_status == "active" and len(schedules) == 1


@pytest.mark.parametrize(
    ("status", "event_status", "hsds_status"),
    [("closed", "EventCancelled", "defunct"), ("paused", "EventPostponed", "temporarily closed")],
)
def test_closed_and_paused_groups_advertise_no_meeting_anywhere(
    client, listing, status, event_status, hsds_status
):
    group = listing(status)

    story = page_story(client, group)
    entries = feed_entries(client, group)

    assert story["dates"] == [] and not story["calendar_link"]
    assert "Next meetings" not in story["html"]
    assert story["event_status"] == event_status and story["dated_events"] == 0
    assert ics_statuses(client, group) == ["CANCELLED"]
    assert all("day" not in e and "conference_url" not in e for e in entries)
    assert hsds_schedules(client, group) == (hsds_status, [])


def test_closed_groups_are_left_out_of_the_meeting_guide_feed_and_paused_are_inactive(
    client, listing
):
    closed, paused = listing("closed"), listing("paused")

    assert feed_entries(client, closed) == []
    (entry,) = feed_entries(client, paused)
    assert entry["attendance_option"] == "inactive" and "TC" in entry["types"]


def test_the_page_says_why_a_paused_group_shows_no_dates(client, listing):
    html = page_story(client, listing("paused"))["html"]

    assert "This group is paused" in html


def test_any_status_but_closed_and_paused_still_advertises_meetings():
    # wt-seeds adds statuses (e.g. "not confirmed"): they list their meetings like active ones.
    for status in ("active", "unconfirmed", "forming", "anything_new"):
        assert SupportGroup(status=status).advertises_meetings, status
    for status in ("closed", "paused"):
        assert not SupportGroup(status=status).advertises_meetings, status
