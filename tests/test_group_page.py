import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from tests.factories import (
    make_meeting,
    make_organization,
    make_region_tree,
    make_support_group,
    make_type,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    regions = make_region_tree()
    group = make_support_group(
        "Seattle Hearing Voices",
        types=[make_type("Hearing Voices", slug="hearing-voices")],
        region=regions["united-states"],
        host=make_organization("Voices Network", slug="voices-network"),
        attendance="hybrid",
        venue="Library, room 2",
        cost="free",
        accessibility="Step-free entrance.",
        how_to_join="Just turn up.",
        source_document="Directory 2024.pdf",
        source_excerpt="Seattle HV group, Thursdays 5pm",
        email="private@example.org",
        email_public=False,
        phone="555 0100",
        phone_public=True,
        website="https://voices.example.org",
    )
    make_meeting(
        group,
        weekday=3,
        start_time=dt.time(17, 0),
        end_time=dt.time(18, 0),
        timezone="America/Los_Angeles",
    )
    return group


def page(client, group, **params):
    response = client.get(group.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


def test_listing_page_describes_the_schedule_in_words(client, group):
    assert "Thursdays, 5:00–6:00 pm Pacific Time" in page(client, group)


def test_listing_page_shows_the_next_three_meetings_with_machine_readable_times(client, group):
    asked = timezone.now()  # read after the page, the clock may have passed its first meeting
    html = page(client, group)
    times = re.findall(r'<time datetime="([^"]+)" data-local-time[^>]*>([^<]+)</time>', html)
    assert len(times) == 3
    first = dt.datetime.fromisoformat(times[0][0])
    assert first > asked
    assert first.weekday() == 3 and first.hour == 17
    # Without JavaScript the page names the group's zone and its offset from UTC.
    assert re.search(r"Thursday \d+ \w+, 5:00 pm Pacific Time \(UTC−[78]\)", times[0][1])
    assert "Times are in the group’s time zone (Pacific Time)." in html


def test_only_contact_details_the_organizer_made_public_are_shown(client, group):
    html = page(client, group)
    assert "555 0100" in html
    assert "https://voices.example.org" in html
    assert "private@example.org" not in html


def test_listing_page_shows_everything_else_public(client, group):
    html = page(client, group)
    for text in [
        "In person and online",
        "Library, room 2",
        "Free",
        "Step-free entrance.",
        "Just turn up.",
        "Seattle HV group, Thursdays 5pm",
        'href="/organizations/voices-network/">Voices Network</a>',
        'href="/types/hearing-voices/">Hearing Voices</a>',
        'href="/regions/united-states/">United States</a>',
        "Last confirmed",
    ]:
        assert text in html, text


def test_an_old_listing_says_it_may_be_out_of_date(client, group):
    assert "This listing may be out of date." not in page(client, group)
    group.last_confirmed = timezone.localdate() - dt.timedelta(days=400)
    group.save()
    assert "This listing may be out of date." in page(client, group)


def test_entry_points_for_contact_report_and_claim_render_when_their_urls_exist(client, group):
    html = page(client, group)
    assert 'class="listing-actions' in html
    assert f"/groups/{group.slug}/report/" in html


def test_back_link_keeps_the_filters_and_can_only_point_into_the_directory(client, group):
    html = page(client, group, back="type=hearing-voices&day=thu&page=2")
    assert (
        'href="/groups/?type=hearing-voices&amp;day=thu&amp;page=2">← Back to your results' in html
    )
    for hostile in [
        "//evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "x=1&next=https://evil.example",
    ]:
        html = page(client, group, back=hostile)
        link = re.search(r'<a href="([^"]*)">← (Back to your results|All groups)', html).group(1)
        assert link.startswith("/groups/")
        assert "evil" not in link and "javascript" not in link


def test_a_zone_chosen_on_the_listing_is_kept_by_its_links_and_named_in_its_note(client, group):
    html = page(client, group, back="type=hearing-voices&tz=Europe/London", tz="America/New_York")
    # Back to the results in the zone just chosen, not the one the visitor came with.
    back = 'href="/groups/?type=hearing-voices&amp;tz=America%2FNew_York">← Back to your results'
    assert back in html
    # The site's search box carries it too, without JavaScript.
    assert '<input type="hidden" name="tz" value="America/New_York" data-tz>' in html
    # The dates come in the visitor's time first: the note no longer says only the group's.
    assert "Times are in your time zone first, then in the group’s (Pacific Time).</p>" in html
    without = page(client, group)
    assert '<input type="hidden" name="tz" value="" data-tz disabled>' in without
    assert "Times are in the group’s time zone (Pacific Time)." in without


def test_an_in_person_listing_offers_no_zone_choice_that_would_change_nothing(client, group):
    assert "Show times in your time zone" in page(client, group)  # hybrid: one can join online
    group.attendance = "in_person"
    group.save()
    html = page(client, group, tz="Asia/Tokyo")
    assert "Show times in your time zone" not in html
    assert "Thursdays, 5:00–6:00 pm Pacific Time" in html


def test_archived_or_pending_listings_are_not_found(client, group):
    for state in ["pending", "archived"]:
        group.moderation = state
        group.save()
        assert client.get(group.get_absolute_url()).status_code == 404


def test_structured_data_describes_the_weekly_event(client, group):
    html = page(client, group)
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    schedule = data["event"][0]["eventSchedule"]
    assert schedule == {
        "@type": "Schedule",
        "repeatFrequency": "P1W",
        "byDay": "https://schema.org/Thursday",
        "startTime": "17:00:00",
        "endTime": "18:00:00",
        "scheduleTimezone": "America/Los_Angeles",
    }
    series = data["event"][0]
    assert series["@type"] == "EventSeries"
    assert series["eventStatus"] == "https://schema.org/EventScheduled"
    assert series["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    # The dated meetings are the page's own "Next meetings".
    shown = re.findall(r'<time datetime="([^"]+)" data-local-time>', html)
    assert [e["startDate"] for e in series["subEvent"]] == shown
    assert all(e["@type"] == "Event" and e["endDate"] for e in series["subEvent"])
    assert "email" not in data  # not public
    assert data["telephone"] == "555 0100"


def test_structured_data_cannot_break_out_of_its_script_element(client, group):
    group.name = "Voices </script><script>alert(1)</script> & friends"
    group.save()
    html = page(client, group)
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in raw and ">" not in raw
    assert json.loads(raw)["name"] == group.name
    assert "<script>alert(1)" not in html


def test_listing_page_queries_do_not_grow_with_meetings_or_types(client, group, settings):
    settings.PAGE_CACHE_SECONDS = 0  # what computing the page asks (tests/test_page_cache.py)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(group.get_absolute_url())
    for weekday in range(5):
        make_meeting(group, weekday=weekday)
    group.types.add(make_type(), make_type())
    with CaptureQueriesContext(connection) as after:
        client.get(group.get_absolute_url())
    # The directory generation, the group, the ids of its types, audiences, languages and
    # owners (one statement; the owners are read by both the contact link and the claim/edit
    # link), its meetings. Once per generation (the changes above made a new one) also every
    # type, audience and language, and the regions: 4 more.
    assert len(after.captured_queries) == len(before.captured_queries) == 8
    with CaptureQueriesContext(connection) as again:
        client.get(group.get_absolute_url())
    assert len(again.captured_queries) == 4
