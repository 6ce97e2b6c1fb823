"""A moderator approves a claim in the admin, in Chromium; the organizer can then edit."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts import services
from accounts.models import Claim
from groups.models import AuditEntry
from tests.factories import make_meeting, make_moderator, make_support_group, make_type, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long and unguessable passphrase 42"


CONTRAST_JS = """
(el) => {
  const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let node = el, bg = null;
  while (node) {
    const c = getComputedStyle(node).backgroundColor;
    const parts = rgb(c);
    if (parts.length < 4 || parts[3] > 0) { bg = parts.slice(0, 3); break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color).slice(0, 3);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


def log_in_to_admin(page, live_server, email):
    page.goto(live_server.url + "/admin/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_moderator_approves_a_claim_from_the_admin_home_in_four_steps(live_server, page, browser):
    organizer = make_user(email="jo@example.org", password=PASSWORD)
    group = make_support_group(name="Hearing Voices Leith", types=[make_type()])
    make_meeting(group)
    services.submit_claim(group, organizer, "Facilitator", "Ask Kim: https://leith.example/team")
    make_moderator("mod@example.org", password=PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in_to_admin(page, live_server, "mod@example.org")

    queue_link = page.get_by_role("link", name="Moderation queue")
    assert queue_link.evaluate(CONTRAST_JS) >= 4.5

    steps = []
    queue_link.click()
    steps.append("open the queue")
    page.get_by_role("link", name=re.compile("Hearing Voices Leith")).click()
    steps.append("open the claim")
    expect(page.get_by_role("link", name="https://leith.example/team")).to_be_visible()
    page.get_by_label("Reason").fill("Kim confirmed Jo runs the group")
    steps.append("write the reason")
    page.get_by_role("button", name="Approve", exact=True).click()
    steps.append("approve")
    expect(page.get_by_text(re.compile("Approved: jo@example.org"))).to_be_visible()
    assert len(steps) <= 4

    claim = Claim.objects.get()
    assert claim.status == Claim.Status.APPROVED
    assert AuditEntry.objects.filter(
        action="claim approved", actor__email="mod@example.org", reason__startswith="Kim"
    ).exists()
    assert any(m.to == ["jo@example.org"] for m in mail.outbox)

    organizer_page = browser.new_context().new_page()
    organizer_page.goto(live_server.url + "/accounts/login/")
    organizer_page.fill("input[name=login]", "jo@example.org")
    organizer_page.fill("input[name=password]", PASSWORD)
    organizer_page.get_by_role("button", name="Log in").click()
    expect(organizer_page).to_have_url(re.compile(r"/organizer/$"))
    organizer_page.get_by_role("link", name=re.compile("Edit listing")).click()
    expect(organizer_page).to_have_url(re.compile(rf"/organizer/groups/{group.slug}/edit/$"))
    expect(organizer_page.get_by_role("button", name="Save changes")).to_be_visible()


def test_admin_lists_and_listing_pages_fit_1280_pixels(live_server, page):
    group = make_support_group(
        name="A listing with a rather long name for a narrow table", types=[make_type()]
    )
    make_meeting(group, notes="Second floor, ring the bell marked Peer Support, then wait")
    services.submit_claim(group, make_user(), "Facilitator", "x" * 300)
    make_moderator("mod@example.org", password=PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in_to_admin(page, live_server, "mod@example.org")
    for path in (
        "/admin/accounts/claim/",
        f"/admin/groups/supportgroup/{group.pk}/change/",
        "/admin/groups/report/",
    ):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, path
        # No table scrolls inside its box either: every column is on screen.
        overflowing = page.evaluate(
            "[...document.querySelectorAll('#result_list, .inline-group table')]"
            ".filter(t => t.getBoundingClientRect().right > window.innerWidth + 1).length"
        )
        assert overflowing == 0, path
