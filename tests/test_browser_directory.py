import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from groups.search import refresh_search_document
from tests.factories import make_meeting, make_region_tree, make_support_group, make_type

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def listings():
    regions = make_region_tree()
    hv = make_type("Hearing Voices", slug="hearing-voices")
    ats = make_type("Alternatives to Suicide", slug="alternatives-to-suicide")
    edinburgh = make_support_group(
        "Edinburgh Hearing Voices",
        slug="edinburgh-hv",
        types=[hv],
        region=regions["lothians"],
        attendance="in_person",
        phone="0131 000",
        phone_public=True,
    )
    make_meeting(
        edinburgh, weekday=3, start_time=dt.time(19, 0), end_time=None, timezone="Europe/London"
    )
    pacific = make_support_group(
        "Pacific Online Alternatives",
        slug="pacific-ats",
        types=[ats],
        region=regions["united-states"],
        attendance="online",
    )
    make_meeting(pacific, weekday=3, start_time=dt.time(17, 0), timezone="America/Los_Angeles")
    refresh_search_document()
    return {"edinburgh": edinburgh, "pacific": pacific}


def expect_results(page, names):
    """The result cards' names, waited for: right after a click the next page may still be
    loading (a plain read of the DOM then finds no cards; CI saw that once)."""
    expect(page.locator("#results .result h3 a")).to_have_text(names)


def test_search_from_home_then_open_a_group_and_come_back(live_server, page, listings):
    page.goto(live_server.url + "/")
    page.get_by_label("Search groups").fill("voices")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_have_text("1 group found")
    page.get_by_role("link", name="Edinburgh Hearing Voices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edinburgh Hearing Voices")
    # An in-person group keeps its own local time; the visitor's time is for online groups.
    expect(page.get_by_text("Thursdays, 7:00 pm UK time")).to_be_visible()
    assert page.locator(".your-time").count() == 0
    page.get_by_role("link", name="← Back to your results").click()
    assert "q=voices" in page.url
    expect_results(page, ["Edinburgh Hearing Voices"])


def test_filters_update_results_in_place_with_javascript(live_server, page, listings):
    page.goto(live_server.url + "/groups/")
    # The browser's zone is preselected in the time-zone choice.
    expect(page.locator("#filters select[name=tz]")).to_have_value("Europe/London")
    page.evaluate("window.stillHere = true")
    page.get_by_label(re.compile(r"^Fridays")).check()
    expect(page.locator("#result-count")).to_have_text("1 group found")
    expect_results(page, ["Pacific Online Alternatives"])
    assert page.evaluate("window.stillHere") is True  # no page load happened
    assert "day=fri" in page.url and "tz=Europe%2FLondon" in page.url
    # Counts of the other options follow the new state.
    expect(page.locator('[data-count="f-type-alternatives-to-suicide"]')).to_have_text("(1)")
    # Regions with nothing to show are not offered; the ones offered carry their counts.
    assert page.locator("#f-region option[value=europe]").count() == 0
    page.get_by_label("Where").select_option("north-america")
    expect(page.locator("#f-region option[value=north-america]")).to_have_text(
        re.compile(r"North America \(1\)")
    )
    page.get_by_label(re.compile(r"^Fridays")).uncheck()
    page.get_by_label(re.compile(r"^Mondays")).check()
    expect(page.locator("#result-count")).to_have_text("0 groups found")
    expect(page.get_by_text("No groups match all of these choices.")).to_be_visible()
    page.reload()
    expect(page.locator("#result-count")).to_have_text("0 groups found")


def test_everything_works_with_javascript_off(live_server, browser, listings):
    context = browser.new_context(java_script_enabled=False, timezone_id="Europe/London")
    page = context.new_page()
    page.goto(live_server.url + "/groups/")
    page.get_by_label(re.compile(r"^Thursdays")).check()
    page.get_by_label(re.compile(r"^In person \(")).check()
    page.get_by_role("button", name=re.compile(r"^Show \d+ groups?$")).click()
    assert "day=thu" in page.url and "attendance=in_person" in page.url
    expect_results(page, ["Edinburgh Hearing Voices"])
    page.get_by_role("link", name="Edinburgh Hearing Voices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edinburgh Hearing Voices")
    expect(page.get_by_text("Times are in the group’s time zone (UK time).")).to_be_visible()
    assert page.locator(".your-time").count() == 0
    expect(page.get_by_role("link", name="0131 000", exact=True)).to_be_visible()
    page.get_by_role("link", name="← Back to your results").click()
    expect_results(page, ["Edinburgh Hearing Voices"])
    context.close()


@pytest.mark.parametrize("path", ["/", "/groups/?day=thu", "/groups/edinburgh-hv/"])
def test_pages_have_no_serious_accessibility_violations(live_server, page, listings, path):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(live_server.url + path)
    results = Axe().run(page)
    serious = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


@pytest.mark.parametrize("path", ["/", "/groups/", "/groups/edinburgh-hv/"])
def test_pages_fit_a_320_pixel_screen(live_server, browser, listings, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server.url + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
