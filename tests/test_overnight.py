"""Meetings that run past midnight: an end time earlier than the start time is the next day.

Late-night groups (online groups for people who cannot sleep, groups across time zones) list
"Thursdays, 11:00 pm–1:00 am". Every input stores it, every page and output says it, and every
calendar ends it on the next day; an end at the start itself, or an overnight stretch of more
than 12 hours (an am/pm slip), is refused with words that say what to check.
"""

import datetime as dt
import json
import re
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from groups import csv_io, schedule
from groups.models import Meeting, SupportGroup
from groups.search import refresh_search_document
from tests.clock import at
from tests.factories import (
    make_meeting,
    make_moderator,
    make_superuser,
    make_support_group,
    make_type,
    make_user,
)
from tests.posts import admin_change_post, edit_url, listing_post
from tests.test_csv_import import confirm, good_row, upload
from tests.test_hsds import export, rows_for, service_named
from tests.test_meeting_guide import by_name, feed
from tests.test_new_group import new_group_data

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
# A Tuesday in winter (UTC = UK time): the next Thursday is 3 December 2026.
TUESDAY = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
ENDS_AT_START = "A meeting can’t end at the moment it starts."
TOO_LONG = (
    "From 7:00 pm to 9:00 am the next day is more than 12 hours. If the meeting ends the same "
    "day, check whether the end time is am or pm."
)


def night_owls(start=dt.time(23), end=dt.time(1), weekday=3, **fields):
    group = make_support_group(
        "Night Owls",
        types=[make_type("Sleepless", slug="sleepless")],
        attendance="online",
        join_url="https://meet.example.org/j/owls",
        **fields,
    )
    make_meeting(group, weekday=weekday, start_time=start, end_time=end, timezone="Europe/London")
    return group


def unsaved(start, end):
    return Meeting(
        frequency="weekly", weekday=3, start_time=start, end_time=end, timezone="Europe/London"
    )


def end_time_errors(start, end):
    with pytest.raises(ValidationError) as caught:
        unsaved(start, end).clean()
    return caught.value.message_dict["end_time"]


# -- what may be stored ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [(dt.time(23), dt.time(1)), (dt.time(22, 30), dt.time(0, 15)), (dt.time(20), dt.time(8))],
)
def test_a_meeting_may_end_after_midnight_for_up_to_12_hours(start, end):
    unsaved(start, end).clean()  # no error


def test_a_meeting_that_ends_when_it_starts_is_refused_in_plain_words():
    (message,) = end_time_errors(dt.time(18), dt.time(18))
    assert message.startswith(ENDS_AT_START)


def test_more_than_12_hours_across_midnight_is_taken_for_an_am_pm_slip_and_refused():
    # 7 pm to "9:00", meant as 9 pm.
    assert end_time_errors(dt.time(19), dt.time(9)) == [TOO_LONG]


def test_the_database_still_refuses_an_end_at_the_start():
    group = make_support_group("Checked")
    make_meeting(group, start_time=dt.time(23), end_time=dt.time(1))  # stored
    with pytest.raises(IntegrityError), transaction.atomic():
        make_meeting(group, start_time=dt.time(18), end_time=dt.time(18))


# -- how it reads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "words", "length"),
    [
        (dt.time(23), dt.time(1), "Thursdays, 11:00 pm–1:00 am UK time", "2 hours"),
        (dt.time(22, 30), dt.time(0, 15), "Thursdays, 10:30 pm–12:15 am UK time", "105 minutes"),
    ],
)
def test_an_overnight_meeting_reads_from_pm_to_am_with_its_length(start, end, words, length):
    meeting = unsaved(start, end)
    assert meeting.describe() == words
    assert schedule.describe_duration(meeting) == length


def test_the_listing_page_and_its_card_say_the_overnight_times(client):
    group = night_owls()
    refresh_search_document([group.pk])
    with at(TUESDAY):
        page = client.get(group.get_absolute_url()).content.decode()
        results = client.get(reverse("groups:list")).content.decode()
    assert "Thursdays, 11:00 pm–1:00 am UK time" in page
    assert "Thursdays, 11:00 pm–1:00 am UK time" in results.split('id="results"', 1)[1]


def test_a_visitor_far_away_reads_the_overnight_meeting_in_their_own_evening():
    meeting = unsaved(dt.time(23), dt.time(1))
    assert schedule.in_zone(meeting, "America/New_York", after=TUESDAY) == (
        "Thursdays, 6:00–8:00 pm"
    )
    # In Kathmandu (+5:45) it is Friday morning, start to end.
    assert schedule.in_zone(meeting, "Asia/Kathmandu", after=TUESDAY) == ("Fridays, 4:45–6:45 am")


def test_an_online_meeting_is_under_way_after_midnight_until_it_ends():
    sunday = Meeting(
        frequency="weekly", weekday=6, start_time=dt.time(23), end_time=dt.time(1),
        timezone="Europe/London",
    )  # fmt: skip
    monday_0030 = dt.datetime(2026, 12, 7, 0, 30, tzinfo=dt.UTC)
    assert schedule.under_way_or_soon([sunday], monday_0030) == ("now", None)
    assert schedule.under_way_or_soon([sunday], monday_0030 + dt.timedelta(minutes=35)) == (
        None,
        None,
    )


# -- every way in stores it -----------------------------------------------------------------------


@pytest.fixture
def owner():
    return make_user(name="Alex")


def test_the_organizer_saves_11_pm_to_1_am_on_their_edit_page(client, owner):
    group = night_owls(start=dt.time(19), end=dt.time(20), owners=[owner])
    client.force_login(owner)
    data = listing_post(group, **{"meetings-0-start_time": "23:00", "meetings-0-end_time": "01:00"})
    assert client.post(edit_url(group), data).status_code == 302
    (meeting,) = group.meetings.all()
    assert (meeting.start_time, meeting.end_time) == (dt.time(23), dt.time(1))
    assert (
        "Thursdays, 11:00 pm–1:00 am UK time"
        in client.get(group.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize(
    ("start", "end", "message"), [("18:00", "18:00", ENDS_AT_START), ("19:00", "09:00", TOO_LONG)]
)
def test_the_edit_page_explains_an_end_it_cannot_store(client, owner, start, end, message):
    group = night_owls(start=dt.time(19), end=dt.time(20), owners=[owner])
    client.force_login(owner)
    data = listing_post(group, **{"meetings-0-start_time": start, "meetings-0-end_time": end})
    response = client.post(edit_url(group), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    (meeting,) = group.meetings.all()
    assert (meeting.start_time, meeting.end_time) == (dt.time(19), dt.time(20))


def test_a_new_listing_may_meet_from_10_30_pm_to_00_15(client):
    client.force_login(make_user())
    data = new_group_data(**{"meetings-0-start_time": "22:30", "meetings-0-end_time": "00:15"})
    assert client.post(reverse("accounts:new_group"), data).status_code == 302
    (meeting,) = SupportGroup.objects.get(name="Voices Together Brighton").meetings.all()
    assert (meeting.start_time, meeting.end_time) == (dt.time(22, 30), dt.time(0, 15))


def test_a_moderator_adds_an_overnight_meeting_in_the_admin(client):
    group = make_support_group("Admin Owls", types=[make_type()])
    client.force_login(make_moderator())
    url, data = admin_change_post(client, group)
    data.update(
        {
            "meetings-TOTAL_FORMS": "1",
            "meetings-0-frequency": "weekly",
            "meetings-0-weekday": "6",
            "meetings-0-start_time": "23:00",
            "meetings-0-end_time": "01:00",
            "meetings-0-timezone": "Europe/London",
        }
    )
    assert client.post(url, data).status_code == 302
    (meeting,) = group.meetings.all()
    assert (meeting.weekday, meeting.start_time, meeting.end_time) == (6, dt.time(23), dt.time(1))

    data.update({"meetings-0-start_time": "19:00", "meetings-0-end_time": "09:00"})
    data["meetings-TOTAL_FORMS"] = "1"
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the reason
    assert TOO_LONG in response.content.decode()


def test_csv_import_stores_an_overnight_meeting_and_export_writes_it_back(client, taxonomy):
    client.force_login(make_superuser())
    row = good_row(meetings="weekly thu 23:00-01:00 Europe/London")
    assert confirm(client, upload(client, row)).status_code == 302
    (meeting,) = SupportGroup.objects.get(slug="thursday-voices").meetings.all()
    assert (meeting.start_time, meeting.end_time) == (dt.time(23), dt.time(1))
    assert csv_io.meeting_text(meeting) == "weekly thu 23:00-01:00 Europe/London"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weekly thu 18:00-18:00 UTC", ENDS_AT_START),
        ("weekly thu 19:00-09:00 UTC", "more than 12 hours"),
    ],
)
def test_csv_import_refuses_an_end_it_cannot_store(text, message):
    with pytest.raises(ValueError, match=message):
        csv_io.parse_meeting(text)


@pytest.fixture
def taxonomy():
    from tests.factories import make_language, make_region_tree, make_type

    make_region_tree()
    make_language("en", "English")
    return make_type("Hearing Voices", slug="hearing-voices")


# -- calendars and feeds --------------------------------------------------------------------------


def calendar_events(client, group):
    response = client.get(reverse("groups:calendar", args=[group.slug]))
    assert response.status_code == 200
    return list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))


def test_the_calendar_ends_the_meeting_on_the_next_day_in_its_own_zone(client):
    group = night_owls()
    with at(TUESDAY):
        (event,) = calendar_events(client, group)
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert str(event["dtend"].params["TZID"]) == "Europe/London"
    assert start == dt.datetime(2026, 12, 3, 23, tzinfo=LONDON)
    assert end == dt.datetime(2026, 12, 4, 1, tzinfo=LONDON)


def test_on_the_nights_the_clocks_change_the_meeting_still_ends_at_its_listed_time(client):
    # Saturday 11 pm to 2:30 am: London's clocks go back at 2:00 BST on 31 October 2027, and
    # forward at 1:00 GMT on 26 March 2028. Those nights are one-off events in UTC.
    group = night_owls(start=dt.time(23), end=dt.time(2, 30), weekday=5)
    with at(dt.datetime(2027, 10, 20, tzinfo=dt.UTC)):
        events = calendar_events(client, group)
    one_offs = {e.decoded("dtstart"): e.decoded("dtend") for e in events if "rrule" not in e}
    # 23:00 BST to 02:30 GMT: four and a half hours go by.
    assert one_offs[dt.datetime(2027, 10, 30, 22, tzinfo=dt.UTC)] == dt.datetime(
        2027, 10, 31, 2, 30, tzinfo=dt.UTC
    )
    # 23:00 GMT to 02:30 BST: two and a half.
    assert one_offs[dt.datetime(2028, 3, 25, 23, tzinfo=dt.UTC)] == dt.datetime(
        2028, 3, 26, 1, 30, tzinfo=dt.UTC
    )
    (series,) = [e for e in events if "rrule" in e]
    excluded = {d.dt.astimezone(dt.UTC) for line in [series["exdate"]] for d in line.dts}
    assert dt.datetime(2027, 10, 30, 22, tzinfo=dt.UTC) in excluded


def test_add_to_calendar_links_end_on_the_next_day(client):
    group = night_owls()
    with at(TUESDAY):
        html = client.get(group.get_absolute_url()).content.decode()
    links = {
        urlsplit(href).hostname: parse_qs(urlsplit(href).query)
        for href in re.findall(r'href="(https://[^"]+)"', html.replace("&amp;", "&"))
    }
    assert links["calendar.google.com"]["dates"] == ["20261203T230000/20261204T010000"]
    outlook = links["outlook.live.com"]
    assert outlook["startdt"] == ["2026-12-03T23:00:00+00:00"]
    assert outlook["enddt"] == ["2026-12-04T01:00:00+00:00"]


def test_json_ld_events_end_after_they_start_on_the_next_day(client):
    group = night_owls()
    with at(TUESDAY):
        html = client.get(group.get_absolute_url()).content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    (series,) = json.loads(raw)["event"]
    assert (series["eventSchedule"]["startTime"], series["eventSchedule"]["endTime"]) == (
        "23:00:00",
        "01:00:00",
    )
    first = series["subEvent"][0]
    assert first["startDate"] == "2026-12-03T23:00:00+00:00"
    assert first["endDate"] == "2026-12-04T01:00:00+00:00"
    for event in series["subEvent"]:
        start, end = (dt.datetime.fromisoformat(event[k]) for k in ("startDate", "endDate"))
        assert end - start == dt.timedelta(hours=2)


def test_meeting_guide_gives_the_end_time_as_the_clock_reads_it(client):
    night_owls()
    (entry,) = by_name(feed(client), "Night Owls")
    # The spec's end_time is a wall-clock HH:MM; "01:00" after "23:00" is the next day.
    assert (entry["day"], entry["time"], entry["end_time"]) == (4, "23:00", "01:00")


def test_hsds_schedule_closes_at_the_next_days_time(client):
    night_owls()
    doc = export(client)
    (row,) = rows_for(doc, "schedule", service_id=service_named(doc, "Night Owls")["id"])
    assert (row["opens_at"][:5], row["closes_at"][:5]) == ("23:00", "01:00")
    assert row["description"].startswith("Thursdays, 11:00 pm–1:00 am")


# -- filters and order ----------------------------------------------------------------------------


def result_names(client, **params):
    html = client.get(reverse("groups:list"), params).content.decode()
    results = html.split('id="results"', 1)[1]
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', results)


@pytest.fixture
def late_and_early(settings):
    settings.PAGE_CACHE_SECONDS = 0  # the same address is asked at several moments
    sunday_night = night_owls(weekday=6)
    monday = make_support_group("Monday Mornings", attendance="online", join_url="https://x.org/m")
    make_meeting(monday, weekday=0, start_time=dt.time(9), end_time=dt.time(10), timezone="UTC")
    with at(TUESDAY):
        refresh_search_document()
    return sunday_night, monday


def test_a_sunday_night_meeting_is_filed_under_sunday_evening_by_its_start(client, late_and_early):
    with at(TUESDAY):
        assert result_names(client, day="sun", time="evening") == ["Night Owls"]
        assert result_names(client, day="mon") == ["Monday Mornings"]
        assert result_names(client, day="mon", time="morning") == ["Monday Mornings"]
        # A visitor in Tokyo (UTC+9): Sunday 11 pm in London is their Monday, 8 am.
        assert result_names(client, day="mon", time="morning", tz="Asia/Tokyo") == ["Night Owls"]
        assert result_names(client, day="sun", tz="Asia/Tokyo") == []


def test_next_meeting_order_wraps_from_sunday_night_into_monday(client, late_and_early):
    sunday_2230 = dt.datetime(2026, 12, 6, 22, 30, tzinfo=dt.UTC)
    with at(sunday_2230):
        assert result_names(client, sort="next") == ["Night Owls", "Monday Mornings"]
    # Under way past midnight: its next start is a week away; Monday's is the next to come.
    with at(sunday_2230 + dt.timedelta(hours=2)):
        html = client.get(reverse("groups:list"), {"sort": "next"}).content.decode()
        assert result_names(client, sort="next") == ["Monday Mornings", "Night Owls"]
    assert "Meeting now" in html
