"""Whose clock the results' times read, said once above them, with a zone choice that works
without JavaScript. Last session a visitor in New York without JavaScript saw "7:00 pm UK time"
on every online group and was told about choosing a zone only after choosing a day or time, at
the foot of the page; the choice itself was three taps away under Filters."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from groups.search import refresh_search_document
from tests.clock import WINTER, at
from tests.factories import make_meeting, make_region_tree, make_support_group, make_type

pytestmark = pytest.mark.django_db

LIST = reverse("groups:list")


@pytest.fixture
def world():
    regions = make_region_tree()
    ats = make_type("Alternatives to Suicide", slug="alternatives-to-suicide")
    london = make_support_group(
        "London Online Alternatives",
        types=[ats],
        region=regions["united-kingdom"],
        attendance="online",
    )
    make_meeting(
        london, weekday=2, start_time=dt.time(19, 0), end_time=None, timezone="Europe/London"
    )
    edinburgh = make_support_group(
        "Edinburgh Circle", types=[ats], region=regions["lothians"], attendance="in_person"
    )
    make_meeting(
        edinburgh, weekday=3, start_time=dt.time(19, 0), end_time=None, timezone="Europe/London"
    )
    refresh_search_document()
    return {"london": london, "edinburgh": edinburgh}


def page(client, **params):
    with at(WINTER):
        response = client.get(LIST, params)
    assert response.status_code == 200
    return response.content.decode()


def note(html):
    """The note above the results, or None."""
    if '<div class="time-note">' not in html:
        return None
    return html.split('<div class="time-note">', 1)[1].split("\n</div>", 1)[0]


def hidden_fields(html):
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', note(html))


def test_online_results_say_their_times_are_each_groups_own_with_a_zone_choice(client, world):
    html = page(client, q="alternatives", attendance="online")
    said = note(html)
    assert "Times are shown in:" in said
    assert '<option value="">Each group’s own time</option>' in said
    assert '<option value="America/New_York">Eastern Time (New York)</option>' in said
    # Above the results, once.
    assert html.index('class="time-note"') < html.index('<ol class="results')
    assert html.count('class="time-note"') == 1


def test_choosing_a_zone_there_keeps_the_search_and_filters_and_starts_at_page_one(client, world):
    html = page(client, q="alternatives", attendance="online", sort="name", page="1")
    fields = hidden_fields(html)
    assert fields == [("q", "alternatives"), ("attendance", "online"), ("sort", "name")]
    chosen = page(client, **dict(fields), tz="America/New_York")
    # Wednesday 7 pm in London is 2 pm in New York (both on winter time).
    assert "Wednesdays, 2:00 pm Eastern Time</strong> (your time)" in chosen
    said = note(chosen)
    assert "Online and phone groups’ times are shown in:" in said
    assert '<option value="America/New_York" selected>' in said


def test_a_chosen_zone_says_in_person_groups_keep_their_own_time(client, world):
    said = note(page(client, q="alternatives", tz="America/New_York"))
    assert "In-person groups keep their own local time." in said
    # Only in-person groups: the zone changes nothing they show, so no choice is offered.
    only_in_person = note(page(client, attendance="in_person", tz="America/New_York"))
    assert "<select" not in only_in_person
    assert "In-person groups keep their own local time." in only_in_person


def test_in_person_results_without_a_day_or_time_need_no_note(client, world):
    assert note(page(client, attendance="in_person")) is None


def test_a_day_or_time_filter_offers_the_zone_choice_even_with_no_results(client, world):
    # Evening in whose time? Without a zone, the groups' own; the note says so and offers one.
    html = page(client, attendance="online", day="mon")
    assert "No groups match all of these choices." in html
    assert "Times are shown in:" in note(html)


def test_the_zone_choice_carries_no_unknown_zone_and_escapes_what_it_carries(client, world):
    html = page(client, q='"><script>alert(1)</script>', day="wed", tz="Mars/Olympus")
    assert "<script>alert(1)" not in html
    assert ("q", "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;") in hidden_fields(html)
    assert "Mars" not in note(html)
