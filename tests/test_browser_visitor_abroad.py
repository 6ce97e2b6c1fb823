"""A visitor in New York looking for online Alternatives to Suicide groups at a time they can
make, on a phone (375 by 812) without JavaScript. Last session the results showed each group's
own time ("7:00 pm UK time") and the way to see one's own was under Filters: open them, find the
zone, choose it, "Show 2 groups". The results now say whose clock they read and offer the zone
right above them, and the first result stays above the fold."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from groups.search import refresh_search_document
from tests.clock import WINTER, at
from tests.factories import make_meeting, make_region_tree, make_support_group, make_type

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
SEARCH = "/groups/?q=alternatives&attendance=online"


@pytest.fixture
def listings():
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
    pacific = make_support_group(
        "Pacific Online Alternatives",
        types=[ats],
        region=regions["united-states"],
        attendance="online",
    )
    make_meeting(pacific, weekday=3, start_time=dt.time(17, 0), timezone="America/Los_Angeles")
    refresh_search_document()
    return {"london": london, "pacific": pacific}


def test_without_javascript_the_zone_is_chosen_above_the_results_in_two_taps(
    live_server, browser, listings
):
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, timezone_id="America/New_York"
    )
    page = context.new_page()
    with at(WINTER):
        page.goto(live_server.url + SEARCH)
        note = page.locator(".time-note")
        expect(note.get_by_label("Times are shown in:")).to_have_value("")
        expect(note).to_be_in_viewport(ratio=1)
        expect(page.locator("#results .result h3").first).to_be_in_viewport(ratio=1)
        note.get_by_label("Times are shown in:").select_option("America/New_York")
        note.get_by_role("button", name="Show").click()
        # Wednesday 7 pm in London is 2 pm in New York; the search and the filter stay.
        london = page.locator(".result", has_text="London Online Alternatives")
        expect(london.locator(".your-time")).to_have_text("Wednesdays, 2:00 pm Eastern Time")
        expect(page.locator(".chips")).to_contain_text("How it meets: Online")
        expect(page.locator(".chips")).to_contain_text("alternatives")
        expect(note.get_by_label("Online and phone groups’ times are shown in:")).to_have_value(
            "America/New_York"
        )
        expect(page.locator("#results .result h3").first).to_be_in_viewport(ratio=1)
    # The zone rides in the URL, like the search: no cookie remembers either.
    assert context.cookies() == []
    context.close()


def test_with_javascript_the_note_follows_the_browsers_zone(live_server, browser, listings):
    context = browser.new_context(viewport=PHONE, timezone_id="America/New_York")
    page = context.new_page()
    with at(WINTER):
        page.goto(live_server.url + SEARCH)
        # directory.js preselects the zone and updates the results in place, note included.
        note = page.locator(".time-note")
        expect(note.get_by_label("Online and phone groups’ times are shown in:")).to_have_value(
            "America/New_York"
        )
        expect(page.locator(".your-time").first).to_contain_text("Eastern Time")
    context.close()


def test_with_javascript_a_listings_note_says_the_visitors_time_comes_first(
    live_server, browser, listings
):
    context = browser.new_context(viewport=PHONE, timezone_id="America/New_York")
    page = context.new_page()
    with at(WINTER):
        page.goto(live_server.url + listings["london"].get_absolute_url())
        expect(page.locator(".upcoming .your-time").first).to_have_text(
            "Wednesday 2 December, 2:00 pm (your time)"
        )
        # It said "Times are in the group's time zone" under the visitor's times.
        expect(page.locator("[data-zone-note]")).to_have_text(
            "Times are in your time zone first, then in the group’s (UK time)."
        )
    context.close()


def test_the_results_with_their_zone_note_have_no_serious_accessibility_violations(
    live_server, browser, listings
):
    from axe_playwright_python.sync_playwright import Axe

    # axe runs as a script in the page, so JavaScript stays on: the note is the same markup.
    context = browser.new_context(viewport=PHONE, timezone_id="America/New_York")
    page = context.new_page()
    page.goto(live_server.url + SEARCH)
    expect(page.locator(".time-note select")).to_have_value("America/New_York")
    results = Axe().run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    context.close()
