"""A moderator's day: every kind of queue item taken from creation to an audited decision."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Claim
from groups.models import AuditEntry, OwnerNotice, Ownership, Report, SupportGroup
from tests.factories import PASSWORD, make_moderator, make_support_group, make_type, make_user
from tests.mailqueue import retry_later, second_run_while_sending
from tests.posts import admin_action, admin_form_post, changelist

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(cast):
    return cast.moderator


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def audit_actions():
    return list(AuditEntry.objects.order_by("id").values_list("action", "actor__email", "reason"))


# Claims -----------------------------------------------------------------------------------------


def test_moderator_approves_a_claim_with_a_reason_and_the_organizer_becomes_owner(
    mod_client, django_capture_on_commit_callbacks
):
    organizer = make_user(email="organizer@example.org")
    group = make_support_group(name="Leith Voices")
    claim = services.submit_claim(group, organizer, "facilitator", "named on leith.example")

    page = admin_action(mod_client, "accounts_claim", "approve", [claim])
    assert page.status_code == 200
    assert "Approve claims" in page.content.decode()
    assert "Leith Voices" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_action(mod_client, "accounts_claim", "approve", [claim], "phoned the centre")
    assert done.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert Ownership.objects.filter(group=group, user=organizer).exists()
    assert [m.to for m in mail.outbox] == [["organizer@example.org"]]
    assert audit_actions() == [("claim approved", "morgan@example.org", "phoned the centre")]
    messages = [str(m) for m in mod_client.get(done["Location"]).context["messages"]]
    assert any("Approved 1 claim" in m for m in messages)


def test_rejecting_a_claim_needs_a_reason_which_the_organizer_receives(
    mod_client, django_capture_on_commit_callbacks
):
    organizer = make_user(email="claimant@example.org")
    claim = services.submit_claim(make_support_group(), organizer, "member", "trust me")

    refused = admin_action(mod_client, "accounts_claim", "reject", [claim], reason="  ")
    assert refused.status_code == 200
    assert "This field is required" in refused.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        admin_action(
            mod_client, "accounts_claim", "reject", [claim], "We could not verify your role."
        )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED
    assert claim.decision_reason == "We could not verify your role."
    (sent,) = mail.outbox
    assert sent.to == ["claimant@example.org"]
    assert "We could not verify your role." in sent.body
    assert not Ownership.objects.filter(user=organizer).exists()
    assert audit_actions() == [
        ("claim rejected", "morgan@example.org", "We could not verify your role.")
    ]


def test_approving_the_same_claim_twice_changes_nothing_the_second_time(
    mod_client, django_capture_on_commit_callbacks
):
    claim = services.submit_claim(make_support_group(), make_user(), "facilitator", "evidence")
    with django_capture_on_commit_callbacks(execute=True):
        admin_action(mod_client, "accounts_claim", "approve", [claim], "checked")
        admin_action(mod_client, "accounts_claim", "approve", [claim], "checked")
    assert len(mail.outbox) == 1
    assert len(audit_actions()) == 1


# New listings -----------------------------------------------------------------------------------


def test_moderator_publishes_a_pending_listing_and_its_organizer_is_told(
    client, mod_client, django_capture_on_commit_callbacks
):
    organizer = make_user(email="new@example.org")
    group = make_support_group(
        name="Brand New Group",
        moderation=SupportGroup.Moderation.PENDING,
        submitted_by=organizer,
        owners=[organizer],
    )
    version = group.version
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_action(mod_client, "groups_supportgroup", "publish", [group], reason="")
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.moderation == SupportGroup.Moderation.PUBLISHED
    assert group.version == version + 1
    (sent,) = mail.outbox
    assert sent.to == ["new@example.org"]
    assert "Brand New Group" in sent.subject
    assert audit_actions() == [("listing published", "morgan@example.org", "")]
    assert group.history.first().history_user.email == "morgan@example.org"
    mod_client.logout()
    assert client.get(group.get_absolute_url()).status_code == 200


# Reports ----------------------------------------------------------------------------------------


def test_moderator_resolves_a_visitors_report_and_the_reporter_hears_back(
    client, mod_client, django_capture_on_commit_callbacks
):
    group = make_support_group(name="Leith Voices")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("groups:report", args=[group.slug]),
            {"reason": "wrong_time_or_place", "reporter_email": "visitor@example.net"},
        )
    report = Report.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_action(mod_client, "groups_report", "resolve", [report], "Updated the meeting day.")
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED
    assert report.resolved_by.email == "morgan@example.org"
    assert report.resolution_note == "Updated the meeting day."
    assert report.sent_at is not None
    # The listing has no owners: besides the moderator's notice of the report, only the follow-up.
    notice, sent = mail.outbox
    assert notice.to == ["morgan@example.org"] and "New report" in notice.subject
    assert sent.to == ["visitor@example.net"]
    assert "Updated the meeting day." in sent.body
    assert audit_actions() == [
        ("report resolved", "morgan@example.org", "Updated the meeting day.")
    ]


def test_dismissing_a_report_without_a_reporter_email_sends_nothing_but_is_audited(mod_client):
    report = Report.objects.create(group=make_support_group(), reason="other", details="spam")
    admin_action(mod_client, "groups_report", "dismiss", [report], "Not about this listing.")
    report.refresh_from_db()
    assert report.status == Report.Status.DISMISSED
    assert mail.outbox == []
    assert audit_actions() == [
        ("report dismissed", "morgan@example.org", "Not about this listing.")
    ]
    assert Report.objects.open().count() == 0


# Stale listings ---------------------------------------------------------------------------------


def test_moderator_confirms_a_stale_listing(mod_client):
    group = make_support_group(last_confirmed=timezone.localdate() - dt.timedelta(days=400))
    assert list(SupportGroup.objects.stale()) == [group]
    today = timezone.localdate()
    admin_action(mod_client, "groups_supportgroup", "confirm", [group], "Phoned the organizer.")
    group.refresh_from_db()
    assert group.last_confirmed in {today, timezone.localdate()}  # the action may cross midnight
    assert list(SupportGroup.objects.stale()) == []
    assert audit_actions() == [("listing confirmed", "morgan@example.org", "Phoned the organizer.")]


def test_moderator_archives_a_stale_listing_with_a_reason_the_owners_receive(
    client, mod_client, django_capture_on_commit_callbacks
):
    owner = make_user(email="owner@example.org")
    group = make_support_group(last_confirmed=None, owners=[owner])
    missing = admin_action(mod_client, "groups_supportgroup", "archive", [group], reason="")
    assert "This field is required" in missing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_action(mod_client, "groups_supportgroup", "archive", [group], "No answer for a year.")
    group.refresh_from_db()
    assert group.moderation == SupportGroup.Moderation.ARCHIVED
    (sent,) = mail.outbox
    assert sent.to == ["owner@example.org"]
    assert "No answer for a year." in sent.body
    assert audit_actions() == [("listing archived", "morgan@example.org", "No answer for a year.")]
    mod_client.logout()
    assert client.get(group.get_absolute_url()).status_code == 404


# The mail a decision on a listing calls for ------------------------------------------------------


def organizers_listing(moderation=SupportGroup.Moderation.PENDING):
    """A listing with two active owners, a former owner whose account is closed and a
    submitter who is not an owner: three people to tell."""
    owners = [
        make_user(email="ash@example.org"),
        make_user(email="bea@example.org"),
        make_user(email="gone@example.org", is_active=False),
    ]
    return make_support_group(
        name="Harbour Circle",
        moderation=moderation,
        owners=owners,
        submitted_by=make_user(email="sub@example.org"),
    )


def notice_page(client, notice):
    response = client.get(reverse("admin:groups_ownernotice_change", args=[notice.pk]))
    assert response.status_code == 200
    return response.content.decode()


def unsent_notices(client):
    sections = client.get(reverse("admin:moderation_queue")).context["sections"]
    titles = {s["title"]: s["count"] for s in sections}
    return titles["Decisions on listings not emailed to their organizers yet"]


@pytest.mark.usefixtures("smtp_down")
def test_a_publish_while_mail_is_down_publishes_and_the_notice_records_the_failure(
    client, mod_client, django_capture_on_commit_callbacks, caplog
):
    group = organizers_listing()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = admin_action(mod_client, "groups_supportgroup", "publish", [group], "Welcome")
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.moderation == SupportGroup.Moderation.PUBLISHED
    assert mail.outbox == []
    (notice,) = OwnerNotice.objects.all()
    assert (notice.group, notice.decision, notice.reason) == (group, "published", "Welcome")
    assert (notice.sent_at, notice.send_attempts) == (None, 1)
    assert notice.last_error == "OSError: SMTP down"
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"OwnerNotice {notice.pk} failed" in logged
    assert "@example.org" not in logged and "Welcome" not in logged
    # The moderator sees it waiting, read-only, until a retry sends it.
    assert unsent_notices(mod_client) == 1
    html = notice_page(mod_client, notice)
    assert "Not sent yet: 1 attempts failed (OSError: SMTP down)." in html
    assert 'name="reason"' not in html and 'name="send_attempts"' not in html
    mod_client.logout()
    assert client.get(group.get_absolute_url()).status_code == 200


@pytest.mark.usefixtures("smtp_down")
def test_send_pending_mail_sends_a_failed_decision_once_to_each_organizer(
    mod_client, django_capture_on_commit_callbacks, monkeypatch
):
    group = organizers_listing()
    with django_capture_on_commit_callbacks(execute=True):
        admin_action(mod_client, "groups_supportgroup", "publish", [group], "Welcome aboard")
    monkeypatch.undo()  # the mail server is back

    retry_later(OwnerNotice)
    notice = OwnerNotice.objects.get()
    assert notice.sent_at is not None and notice.send_attempts == 2 and notice.last_error == ""
    # One mail each, never each other's addresses, and none to the closed account.
    assert sorted(m.to for m in mail.outbox) == [
        ["ash@example.org"],
        ["bea@example.org"],
        ["sub@example.org"],
    ]
    assert all(m.cc == [] and m.bcc == [] for m in mail.outbox)
    assert {m.subject for m in mail.outbox} == {
        "[Peer Directory] “Harbour Circle” is now in the directory"
    }
    assert all("Welcome aboard" in m.body for m in mail.outbox)
    assert "Emailed to the organizers on" in notice_page(mod_client, notice)
    assert unsent_notices(mod_client) == 0

    retry_later(OwnerNotice)
    assert len(mail.outbox) == 3  # a sent notice is never sent again


@pytest.mark.usefixtures("smtp_down")
def test_two_retries_at_once_send_a_notice_once(
    mod_client, django_capture_on_commit_callbacks, monkeypatch
):
    """The request's send and a cron run, or two cron runs: the first takes the row, the second
    finds it taken and sends nothing."""
    from groups import mail as group_mail

    group = organizers_listing()
    with django_capture_on_commit_callbacks(execute=True):
        admin_action(mod_client, "groups_supportgroup", "publish", [group], "")
    monkeypatch.undo()
    OwnerNotice.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    second_run = second_run_while_sending(monkeypatch, group_mail.send_pending)
    assert group_mail.send_pending() == (1, 0)
    assert second_run == [(0, 0)]
    assert len(mail.outbox) == 3


def test_an_archive_tells_the_organizers_the_reason(mod_client, django_capture_on_commit_callbacks):
    group = organizers_listing(moderation=SupportGroup.Moderation.PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True):
        admin_action(mod_client, "groups_supportgroup", "archive", [group], "The hall closed.")
    notice = OwnerNotice.objects.get()
    assert (notice.decision, notice.reason) == ("archived", "The hall closed.")
    assert notice.sent_at is not None
    assert len(mail.outbox) == 3
    for sent in mail.outbox:
        assert (
            sent.subject == "[Peer Directory] “Harbour Circle” has been taken out of the directory"
        )
        assert "The hall closed." in sent.body


def test_a_decision_nobody_is_to_hear_of_makes_no_notice_and_no_mail(
    mod_client, django_capture_on_commit_callbacks
):
    unowned = make_support_group(moderation=SupportGroup.Moderation.PENDING)
    closed = make_user(is_active=False)
    left = make_support_group(
        moderation=SupportGroup.Moderation.PENDING, owners=[closed], submitted_by=closed
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_action(mod_client, "groups_supportgroup", "publish", [unowned, left], "")
    assert set(
        SupportGroup.objects.filter(pk__in=[unowned.pk, left.pk]).values_list(
            "moderation", flat=True
        )
    ) == {SupportGroup.Moderation.PUBLISHED}
    assert OwnerNotice.objects.count() == 0
    assert mail.outbox == []
    assert [a for a, _who, _why in audit_actions()] == ["listing published"] * 2


# The queue --------------------------------------------------------------------------------------


def test_moderation_queue_counts_each_kind_of_work_and_links_to_it(mod_client, cast):
    services.submit_claim(cast.unowned_listing, cast.visitor, "facilitator", "evidence")
    make_support_group(moderation=SupportGroup.Moderation.PENDING)  # and the cast's pending_listing
    Report.objects.create(group=cast.listing, reason="other")
    make_support_group(last_confirmed=None)

    index = mod_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:moderation_queue") in index
    response = mod_client.get(reverse("admin:moderation_queue"))
    assert response.status_code == 200
    counts = {s["title"]: s["count"] for s in response.context["sections"]}
    assert counts["Claims waiting for a decision"] == 1
    assert counts["New listings waiting to be published"] == 2
    assert counts["Open reports from visitors"] == 1
    assert counts["Listings not confirmed for 12 months"] == 1
    html = response.content.decode()
    assert "/admin/accounts/claim/?status__exact=pending" in html
    assert "/admin/groups/supportgroup/?moderation__exact=pending" in html
    assert "/admin/groups/report/?status__exact=open" in html
    assert "/admin/groups/supportgroup/?stale=yes" in html
    for link in ("?stale=yes", "?moderation__exact=pending"):
        assert mod_client.get(changelist("groups_supportgroup") + link).status_code == 200


def test_organizers_and_visitors_cannot_open_the_queue(client):
    url = reverse("admin:moderation_queue")
    assert client.get(url).status_code == 302
    client.force_login(make_user())
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# History ----------------------------------------------------------------------------------------


def test_moderator_reverts_a_listing_to_an_earlier_version_and_it_is_audited(mod_client):
    group = make_support_group(name="Original name", types=[make_type()])
    old = group.history.earliest()
    group.name = "Vandalised name"
    group.save()
    url = f"/admin/groups/supportgroup/{group.pk}/history/{old.history_id}/"
    page = mod_client.get(url)
    assert page.status_code == 200
    assert "Revert" in page.content.decode()
    response = mod_client.post(url, admin_form_post(page.context["adminform"].form))
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Original name"
    (entry,) = AuditEntry.objects.all()
    assert entry.action == "listing reverted"
    assert entry.actor.email == "morgan@example.org"


# Admin login ------------------------------------------------------------------------------------


def test_repeated_bad_admin_logins_are_rate_limited(client):
    moderator = make_moderator(email="target@example.org")
    url = reverse("admin:login")
    for _n in range(5):
        response = client.post(url, {"username": moderator.email, "password": "guess"})
        assert response.status_code == 200
    blocked = client.post(url, {"username": moderator.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_moderator_logs_in_to_the_admin(client):
    moderator = make_moderator(email="ok@example.org")
    response = client.post(
        reverse("admin:login"), {"username": moderator.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:moderation_queue")).status_code == 200
