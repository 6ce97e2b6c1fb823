"""What walking the visitor's and organizer's journeys in Chromium found, pinned as a person meets
it. Tap targets: WCAG 2.2's minimum is 24 by 24 CSS pixels (2.5.8); the filters' tick boxes were
18 px, squeezed to 14 px wide beside a label that wraps, and the organizer's "Edit listing" was
drawn as a 16 px tag. Without JavaScript, "Add another time" brought the edit page back at its
top, two to three screens above the new block."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_support_group, make_type
from tests.posts import edit_url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def box(locator):
    expect(locator).to_be_visible()
    return locator.bounding_box()


@pytest.mark.parametrize("width", [375, 1280])
def test_filter_tick_boxes_are_24_pixels_even_beside_a_wrapping_label(
    live_server, browser, cast, width
):
    long_name = make_type(name="Psychiatric drug withdrawal and tapering", slug="withdrawal")
    make_support_group(types=[long_name])
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/groups/")
    summary = page.locator("#filter-panel > summary")
    if summary.is_visible():
        summary.click()
    for label in ["Hearing voices", "Psychiatric drug withdrawal and tapering", "Tuesdays"]:
        tick = page.get_by_role("checkbox", name=label)
        size = box(tick)
        assert size["width"] >= 24 and size["height"] >= 24, (label, size)
    context.close()


def log_in(page, live_server, user):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My groups", exact=True)).to_be_visible()


def test_organizer_dashboard_actions_are_24_pixel_targets(live_server, page, cast):
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, live_server, cast.organizer)
    for name in ["Edit listing", "View public page", "Change history", "Stop managing"]:
        link = page.get_by_role("link", name=re.compile(f"^{name}\\W+{cast.listing.name}$"))
        size = box(link)
        assert size["height"] >= 24 and size["width"] >= 24, (name, size)


@pytest.mark.parametrize("url_of", [edit_url, lambda group: "/organizer/groups/new/"])
def test_without_javascript_another_time_opens_at_the_new_block(live_server, browser, cast, url_of):
    context = browser.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, cast.organizer)
    page.goto(live_server.url + url_of(cast.listing))
    page.get_by_label("Name of the group").fill("Typed, not saved")
    page.get_by_role("button", name="Add another time").click()
    new_block = page.get_by_role("group", name="Meeting time 2")
    expect(new_block.get_by_label("How often?")).to_be_in_viewport()
    expect(page.get_by_label("Name of the group")).to_have_value("Typed, not saved")
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_edit_form_section_numbers_do_not_sit_on_the_item_before(live_server, browser, cast, width):
    """The form's "Parts of this form" list wraps in rows; each number is drawn left of its
    item, so each item needs that much room after the one before (a 375 px phone showed
    "About the grou2. When it meets")."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    log_in(page, live_server, cast.organizer)
    page.goto(live_server.url + edit_url(cast.listing))
    items = page.get_by_role("navigation", name="Parts of this form").get_by_role("listitem")
    expect(items).to_have_count(5)
    boxes = [items.nth(i).bounding_box() for i in range(5)]
    for before, item in zip(boxes, boxes[1:]):
        if abs(before["y"] - item["y"]) < 4:  # the same row
            assert item["x"] - (before["x"] + before["width"]) >= 20, (before, item)
        else:
            assert item["x"] >= 20, item
    context.close()


def test_crisis_numbers_are_whole_24_pixel_targets_on_a_phone(live_server, browser):
    """On a 375 px phone "988" was a 32 by 20 px target and "116 123" broke over two lines."""
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(live_server.url + "/help-now/")
    numbers = page.locator(".crisis-lines a[href^='tel:']")
    expect(numbers).to_have_count(4)
    for i in range(4):
        size = box(numbers.nth(i))
        assert size["width"] >= 24 and 24 <= size["height"] < 40, (i, size)
    context.close()
