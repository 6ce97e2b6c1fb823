"""The London task on a phone, as a person does it, counted in interactions (a typed search and
its submission count as one): "an online hearing-voices group I can join this week, in my
evening; I am in London". At most three, with JavaScript and without (issue #17)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from groups.search import refresh_search_document
from tests.clock import WINTER, at
from tests.factories import make_meeting, make_region_tree, make_support_group, make_type, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
JOIN_URL = "https://meet.example.org/evening-voices"


@pytest.fixture
def directory():
    regions = make_region_tree()
    hv = make_type("Hearing Voices", slug="hearing-voices")
    evening = make_support_group(
        "Evening Voices Online",
        types=[hv],
        region=regions["worldwide"],
        attendance="online",
        join_url=JOIN_URL,
        summary="An online hearing voices group, open to anyone.",
    )
    make_meeting(
        evening,
        weekday=1,
        start_time=dt.time(19, 0),
        end_time=dt.time(20, 30),
        timezone="Europe/London",
    )
    pacific = make_support_group(
        "Pacific Hearing Voices Online",
        types=[hv],
        region=regions["united-states"],
        attendance="online",
        join_url="https://meet.example.org/pacific",
    )
    make_meeting(pacific, weekday=3, start_time=dt.time(17, 0), timezone="America/Los_Angeles")
    for i, place in enumerate(["lothians", "scotland", "massachusetts", "europe"]):
        group = make_support_group(
            f"Hearing Voices in person {i}",
            types=[hv],
            region=regions[place],
            attendance="in_person",
        )
        make_meeting(group, weekday=i, start_time=dt.time(18, 0), end_time=None)
    refresh_search_document()
    return evening


@pytest.fixture
def in_winter():
    """5 pm Pacific is 1 am in London, 7 pm London 4 am in Tokyo: in winter (tests/clock.py)."""
    with at(WINTER):
        yield


class Person:
    """A page that counts what its visitor does."""

    def __init__(self, page):
        self.page = page
        self.interactions = 0

    def search_from_home(self, url, words):
        self.page.goto(url)
        self.page.get_by_label("Search groups").fill(words)
        self.page.get_by_label("Search groups").press("Enter")
        self.interactions += 1

    def tap(self, locator):
        locator.click()
        self.interactions += 1


def first_result_is_on_the_first_screen(page):
    first = page.locator("#results .result").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box["y"] + 60 < PHONE["height"], box  # at least its heading shows
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def card(page, name):
    return page.locator("#results .result").filter(has=page.get_by_role("link", name=name))


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_london_task_takes_three_interactions_on_a_phone(
    live_server, browser, in_winter, directory, javascript
):
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=javascript, timezone_id="Europe/London"
    )
    person = Person(context.new_page())
    page = person.page

    person.search_from_home(live_server.url + "/", "hearing voices")
    expect(page.locator("#result-count")).to_contain_text("groups found")
    first_result_is_on_the_first_screen(page)

    person.tap(page.get_by_role("link", name="Online", exact=True))
    expect(page.locator("#result-count")).to_have_text("2 groups found")
    first_result_is_on_the_first_screen(page)
    # The card says when it meets in London: an evening.
    expect(card(page, "Evening Voices Online")).to_contain_text("Tuesdays, 7:00–8:30 pm UK time")
    if javascript:
        # The browser's zone was sent with the search: the Pacific group shows London time first.
        expect(card(page, "Pacific Hearing Voices Online").locator(".your-time")).to_have_text(
            "Fridays, 1:00–2:00 am UK time"
        )

    person.tap(page.get_by_role("link", name="Evening Voices Online"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Evening Voices Online")
    join = page.locator(".join-box").get_by_role("link", name="Join the meeting")
    expect(join).to_be_visible()
    assert join.get_attribute("href") == JOIN_URL
    assert join.bounding_box()["y"] + 44 < PHONE["height"]  # on the first screen
    next_meeting = page.locator(".join-box .next-meeting")
    expect(next_meeting).to_contain_text(re.compile(r"Tuesday \d+ \w+, 7:00 pm UK time"))

    assert person.interactions <= 3
    context.close()


def test_with_javascript_filters_fold_away_and_show_the_results(live_server, browser, directory):
    context = browser.new_context(viewport=PHONE, timezone_id="Europe/London")
    page = context.new_page()
    page.goto(live_server.url + "/groups/?q=hearing+voices")
    expect(page.locator("#filters select[name=tz]")).to_have_value("Europe/London")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label(re.compile(r"^Evening")).check()
    # With the visitor's zone, 'evening' is London's evening: the 1 am Pacific group is not.
    expect(page.locator("#show-results")).to_have_text("Show 5 groups")
    expect(page.locator("#filter-summary")).to_have_text("Filters (1)")
    page.locator("#show-results").click()
    expect(page.locator("#filter-panel")).not_to_have_attribute("open", "")
    first_result_is_on_the_first_screen(page)
    assert "time=evening" in page.url and "tz=Europe%2FLondon" in page.url
    context.close()


def test_wide_screens_keep_the_filters_beside_the_results(live_server, browser, directory):
    for javascript in (True, False):
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
        )
        page = context.new_page()
        page.goto(live_server.url + "/groups/")
        expect(page.get_by_label("Your time zone")).to_be_visible()
        expect(page.get_by_role("group", name="How it meets")).to_be_visible()
        filters_box = page.locator("#filters").bounding_box()
        results_box = page.locator(".results-area").bounding_box()
        assert filters_box["x"] + filters_box["width"] <= results_box["x"]
        context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_pages_have_no_accessibility_violations_of_any_impact(
    live_server, browser, directory, width
):
    from axe_playwright_python.sync_playwright import Axe

    make_user("organizer@example.org")
    context = browser.new_context(viewport={"width": width, "height": 812})
    page = context.new_page()
    found = {}
    for path in (
        "/",
        "/groups/",
        "/groups/?q=hearing+voices&region=united-states",
        directory.get_absolute_url() + "?tz=Europe/London",
        "/help-now/",
        "/accounts/signup/",
        "/about/",
        "/privacy/",
        "/contact/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        violations = Axe().run(page).response["violations"]
        if violations:
            found[path] = [
                (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
            ]
    assert found == {}
    context.close()


def test_javascript_puts_your_time_first_on_an_online_listing_opened_directly(
    live_server, browser, in_winter, directory
):
    context = browser.new_context(viewport=PHONE, timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(live_server.url + directory.get_absolute_url())
    # Tuesday 7 pm in London is Wednesday 4 am in Tokyo: am/pm, the visitor's time first.
    mine = page.locator(".join-box .your-time")
    expect(mine).to_have_text("Wednesday 2 December, 4:00 am (your time)")
    expect(page.locator(".join-box .own-time")).to_contain_text("7:00 pm UK time")
    expect(page.get_by_label("Show times in your time zone")).to_have_value("Asia/Tokyo")
    context.close()
