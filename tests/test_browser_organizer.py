"""An organizer's whole journey in Chromium, without JavaScript of our own: sign up, verify,
claim, get approved, change the meeting time, see it on the public page. And a lost-update check
with two browser tabs."""

import datetime as dt
import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts import services
from accounts.models import Claim
from tests.factories import make_meeting, make_moderator, make_support_group, make_type, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long and unguessable passphrase 42"
DASHBOARD = re.compile(r"/organizer/$")


def confirmation_path(timeout=5.0):
    """The path of the mailed confirmation link (the mail links to SITE_URL, as in production).

    allauth's mails leave once the answer has been written (accounts/adapters.py), so the page
    can show before the mail exists: wait for it rather than read the outbox once."""
    deadline = time.monotonic() + timeout
    while True:
        for message in reversed(mail.outbox):
            found = re.search(r"https?://\S+(/accounts/confirm-email/\S+)", message.body)
            if found:
                return found.group(1)
        assert time.monotonic() < deadline, "no confirmation mail"
        time.sleep(0.05)


def test_organizer_signs_up_claims_is_approved_and_changes_the_meeting_time(live_server, page):
    group = make_support_group(name="Hearing Voices Leith", types=[make_type()])
    make_meeting(group, weekday=3, start_time=dt.time(17, 0), end_time=dt.time(18, 0))

    page.goto(live_server.url + "/accounts/signup/")
    page.fill("input[name=email]", "jo@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()

    page.goto(live_server.url + confirmation_path())
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(DASHBOARD)
    expect(page.get_by_role("heading", name="My groups", exact=True)).to_be_visible()

    page.goto(live_server.url + group.get_absolute_url())
    page.get_by_role("link", name=re.compile("Claim this listing")).click()
    page.get_by_label("Your role in the group").fill("Facilitator")
    page.get_by_label("How can moderators check this?").fill("Ask the centre manager, Kim")
    page.get_by_role("button", name="Send request").click()
    expect(page).to_have_url(DASHBOARD)
    expect(page.get_by_text("Requests waiting for a moderator")).to_be_visible()

    services.approve_claim(Claim.objects.get(), make_moderator(), "Kim confirmed")

    page.reload()
    page.get_by_role("link", name=re.compile("Edit listing")).click()
    page.fill("input[name=meetings-0-start_time]", "19:30")
    page.fill("input[name=meetings-0-end_time]", "21:00")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved. Your changes are live now.")).to_be_visible()

    page.get_by_role("link", name="View the public page").click()
    expect(page.get_by_text(re.compile(r"7:30")).first).to_be_visible()
    assert not page.get_by_text(re.compile(r"5:00")).count()


def test_second_tab_saving_an_old_version_gets_the_conflict_page(live_server, page, context):
    owner = make_user(email="sam@example.org", password=PASSWORD)
    group = make_support_group(
        name="Alternatives Leith", owners=[owner], summary="Original", types=[make_type()]
    )
    make_meeting(group)

    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", "sam@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(DASHBOARD)

    edit_url = f"{live_server.url}/organizer/groups/{group.slug}/edit/"
    page.goto(edit_url)
    second = context.new_page()
    second.goto(edit_url)

    page.fill("input[name=summary]", "Saved first")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved. Your changes are live now.")).to_be_visible()

    second.fill("input[name=summary]", "Saved second")
    second.get_by_role("button", name="Save changes").click()
    second.wait_for_load_state()
    expect(second.get_by_role("heading", name=re.compile("Someone else changed"))).to_be_visible()
    expect(second.get_by_text("Saved second")).to_be_visible()
    expect(second.get_by_text("Saved first")).to_be_visible()

    group.refresh_from_db()
    assert group.summary == "Saved first"
    assert group.version == 2


def log_in(page, live_server, email):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(DASHBOARD)


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_organizer_pages_have_no_serious_accessibility_violations(live_server, page):
    owner = make_user(email="axe@example.org", password=PASSWORD)
    group = make_support_group(name="Axe Group", owners=[owner], types=[make_type()])
    make_meeting(group)
    for path in ["/accounts/signup/", "/accounts/login/"]:
        page.goto(live_server.url + path)
        assert serious_violations(page) == [], path
    log_in(page, live_server, "axe@example.org")
    for path in [
        "/organizer/",
        f"/organizer/groups/{group.slug}/edit/",
        f"/organizer/groups/{group.slug}/history/",
        f"/organizer/groups/{group.slug}/saved/",
        "/organizer/groups/new/",
        "/organizer/delete-account/",
    ]:
        page.goto(live_server.url + path)
        assert serious_violations(page) == [], path
    # And at 320 px nothing scrolls sideways.
    page.set_viewport_size({"width": 320, "height": 640})
    for path in [f"groups/{group.slug}/edit/", "groups/new/", "saved"]:
        if path == "saved":  # after a save, with a change in its table
            page.goto(f"{live_server.url}/organizer/groups/{group.slug}/edit/")
            page.get_by_role("group", name="Meeting time 1").get_by_label("Starts at").fill("07:45")
            page.get_by_role("button", name="Save changes").click()
            expect(page.get_by_role("heading", name="What you changed")).to_be_visible()
        else:
            page.goto(f"{live_server.url}/organizer/{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path


def test_new_organizer_adds_a_second_weekly_time_in_another_zone_in_twelve_steps(live_server, page):
    """Sign up, verify, claim, (a moderator approves), add a second weekly meeting in another
    zone without saving first, see both on the public page. A step is a click or an opened
    link; typing into a field is not counted (the fields typed are listed in the report)."""
    group = make_support_group(name="Hearing Voices Leith", types=[make_type()])
    make_meeting(
        group,
        weekday=1,
        start_time=dt.time(19, 0),
        end_time=dt.time(20, 30),
        timezone="Europe/London",
    )
    steps = []

    def step(name):
        steps.append(name)

    page.goto(live_server.url + group.get_absolute_url())
    step("open the listing")
    page.get_by_role("link", name=re.compile("Claim this listing")).click()
    step("claim: sent to sign up / log in")
    if "/signup/" not in page.url:
        page.get_by_role("link", name=re.compile("Sign up|Create", re.I)).first.click()
        step("choose to sign up")
    # Not jo@: allauth allows one confirmation mail per address per 3 minutes, across tests.
    page.fill("input[name=email]", "robin@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    step("create account")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(live_server.url + confirmation_path())
    step("open the mailed link")
    page.get_by_role("button", name=re.compile("Confirm")).click()
    step("confirm")

    if "/claim/" not in page.url:
        page.goto(live_server.url + group.get_absolute_url())
        page.get_by_role("link", name=re.compile("Claim this listing")).click()
        step("back to the claim")
    page.get_by_label("Your role in the group").fill("Facilitator")
    page.get_by_label("How can moderators check this?").fill("Ask the centre manager, Kim")
    page.get_by_role("button", name="Send request").click()
    step("send the claim")

    services.approve_claim(Claim.objects.get(), make_moderator(), "Kim confirmed")
    approved = next(
        m for m in mail.outbox if m.to == ["robin@example.org"] and "/organizer/" in m.body
    )
    # Decided outside any request, so the mail links to SITE_URL: open its path on this server.
    link = re.search(r"https?://\S+(/organizer/\S*)", approved.body).group(1)
    page.goto(live_server.url + link)
    step("open the approval mail's link")

    page.get_by_role("link", name=re.compile("Edit listing")).click()
    step("edit listing")
    page.get_by_role("button", name="Add another time").click()
    step("add another time")
    block = page.locator("[data-meeting]").nth(1)
    block.get_by_label("How often?").select_option("weekly")
    block.get_by_label("Which day?").select_option("5")
    block.get_by_label("Starts at").fill("10:00")
    block.get_by_label("Ends at (optional)").fill("11:30")
    block.get_by_label("Time zone").select_option("America/New_York")
    expect(block.locator("[data-sentence]")).to_have_text("Saturdays, 10:00–11:30 am Eastern Time")
    page.get_by_role("button", name="Save changes").click()
    step("save")
    expect(page.get_by_text("Saved. Your changes are live now.")).to_be_visible()

    page.goto(live_server.url + group.get_absolute_url())
    step("see the public page")
    expect(page.get_by_text(re.compile(r"Tuesdays, 7:00–8:30 pm UK time")).first).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"Saturdays, 10:00–11:30 am Eastern Time")).first
    ).to_be_visible()
    assert len(steps) <= 12, steps
