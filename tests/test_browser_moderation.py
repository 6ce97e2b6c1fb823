"""A moderator approves a claim in the admin, in Chromium; the organizer can then edit."""

import importlib
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from playwright.sync_api import expect

from accounts import services
from accounts.models import Claim
from groups.models import AuditEntry
from tests.factories import make_group, make_meeting, make_type, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long and unguessable passphrase 42"


def make_moderator(email):
    """A staff account in the Moderators group. Transactional tests flush the data migration's
    group, so build it again from the migration's own list of permissions."""
    migration = importlib.import_module("groups.migrations.0004_moderators_group")
    moderators, _created = Group.objects.get_or_create(name="Moderators")
    for app_label, codenames in migration.MODERATOR_PERMISSIONS.items():
        moderators.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    user = make_user(email=email, password=PASSWORD, is_staff=True)
    user.groups.add(moderators)
    return user


def test_moderator_approves_a_claim_in_the_admin_and_the_organizer_can_edit(
    live_server, page, browser
):
    organizer = make_user(email="jo@example.org", password=PASSWORD)
    group = make_group(name="Hearing Voices Leith", types=[make_type()])
    make_meeting(group)
    services.submit_claim(group, organizer, "Facilitator", "Ask the centre manager, Kim")
    make_moderator("mod@example.org")

    page.goto(live_server.url + "/admin/")
    page.fill("input[name=username]", "mod@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Moderation queue").click()
    page.get_by_role("link", name="Claims waiting for a decision").click()
    expect(page.get_by_text("Hearing Voices Leith").first).to_be_visible()

    page.locator("input[name=_selected_action]").first.check()
    page.select_option("select[name=action]", "approve")
    page.locator("button[name=index]").click()
    page.get_by_label("Reason").fill("Kim confirmed Jo runs the group")
    page.get_by_role("button", name="Approve claims").click()
    expect(page.get_by_text("Approved 1 claim.")).to_be_visible()

    claim = Claim.objects.get()
    assert claim.status == Claim.Status.APPROVED
    assert AuditEntry.objects.filter(
        action="claim approved", actor__email="mod@example.org"
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
