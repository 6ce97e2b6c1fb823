"""Claiming a listing: the organizer's request, and the moderator's decision through the services."""

import datetime as dt
import io
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Claim, Invitation
from groups.models import AuditEntry, Ownership
from tests.factories import make_claim, make_moderator, make_support_group, make_user
from tests.mailqueue import retry_later, second_run_while_sending

pytestmark = pytest.mark.django_db

CLAIM = {"role": "Co-facilitator", "evidence": "Ask Jo at the centre", "message": "Hi"}


def test_unowned_listing_can_be_claimed_and_the_claim_shows_on_the_dashboard(client):
    group = make_support_group(name="Hearing Voices Leith")
    user = make_user()
    client.force_login(user)
    form = client.get(reverse("accounts:claim", args=[group.slug]))
    assert form.status_code == 200
    assert "Your role in the group" in form.content.decode()

    response = client.post(reverse("accounts:claim", args=[group.slug]), CLAIM, follow=True)
    assert response.status_code == 200
    claim = Claim.objects.get()
    assert (claim.group, claim.user, claim.status) == (group, user, Claim.Status.PENDING)
    assert claim.evidence == "Ask Jo at the centre"
    html = response.content.decode()
    assert "Requests waiting for a moderator" in html
    assert "Hearing Voices Leith" in html


def test_double_submitted_claim_creates_one_claim(client):
    group = make_support_group()
    client.force_login(make_user())
    url = reverse("accounts:claim", args=[group.slug])
    client.post(url, CLAIM)
    client.post(url, CLAIM)
    assert Claim.objects.count() == 1


def test_submit_claim_service_returns_the_pending_claim_on_repeat():
    group, user = make_support_group(), make_user()
    first = services.submit_claim(group, user, "Host", "link")
    second = services.submit_claim(group, user, "Host", "link")
    assert first.pk == second.pk


def test_claim_without_role_or_evidence_explains_what_is_missing(client):
    group = make_support_group()
    client.force_login(make_user())
    response = client.post(
        reverse("accounts:claim", args=[group.slug]), {"role": "", "evidence": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Say what you do in the group, e.g. “facilitator”." in html
    assert "Tell the moderators how they can check that you run it." in html
    assert "This field is required" not in html
    assert not Claim.objects.exists()


def test_anonymous_visitor_is_asked_to_log_in_before_claiming(client):
    group = make_support_group()
    response = client.get(reverse("accounts:claim", args=[group.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_listing_with_an_organizer_cannot_be_claimed(client):
    group = make_support_group(owners=[make_user()])
    client.force_login(make_user())
    response = client.post(reverse("accounts:claim", args=[group.slug]), CLAIM)
    assert response.status_code == 409
    assert "already has an organizer" in response.content.decode()
    assert not Claim.objects.exists()


def test_organizer_can_withdraw_their_pending_claim(client):
    claim = make_claim()
    client.force_login(claim.user)
    response = client.post(reverse("accounts:withdraw_claim", args=[claim.pk]))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.WITHDRAWN


def test_withdrawing_needs_a_post(client):
    claim = make_claim()
    client.force_login(claim.user)
    assert client.get(reverse("accounts:withdraw_claim", args=[claim.pk])).status_code == 405
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING


def test_nobody_else_can_withdraw_a_claim(client):
    claim = make_claim()
    client.force_login(make_user())
    assert client.post(reverse("accounts:withdraw_claim", args=[claim.pk])).status_code == 404
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING


def test_approving_a_claim_makes_the_organizer_an_owner_and_emails_them(
    django_capture_on_commit_callbacks,
):
    claim = make_claim()
    moderator = make_moderator()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_claim(claim, moderator, reason="Checked with the centre")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert claim.decided_by == moderator
    assert claim.decided_at is not None
    assert Ownership.objects.filter(group=claim.group, user=claim.user).exists()
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.reason) == (
        moderator,
        "claim approved",
        "Checked with the centre",
    )
    assert mail.outbox[0].to == [claim.user.email]
    assert claim.group.name in mail.outbox[0].subject


def test_approval_email_is_sent_only_after_the_decision_is_committed(
    django_capture_on_commit_callbacks,
):
    claim = make_claim()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.approve_claim(claim, make_moderator())
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_a_mail_failure_keeps_the_decision_and_records_the_failure_on_the_claim(
    django_capture_on_commit_callbacks, smtp_down, caplog
):
    claim = make_claim(user=make_user(email="kim@example.org"))
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        services.reject_claim(claim, make_moderator(), "We could not check this")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED
    assert claim.decision_reason == "We could not check this"
    assert (claim.sent_at, claim.send_attempts) == (None, 1)
    assert claim.last_error == "OSError: SMTP down"
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"Claim {claim.pk} failed" in logged
    assert "kim@example.org" not in logged and "could not check" not in logged


def test_send_pending_mail_sends_a_failed_decision_exactly_once(
    django_capture_on_commit_callbacks, smtp_down, monkeypatch
):
    claim = make_claim(user=make_user(email="kim@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_claim(claim, make_moderator(), "Checked with the centre")
    assert mail.outbox == []
    monkeypatch.undo()  # the mail server is back

    retry_later(Claim)
    claim.refresh_from_db()
    assert claim.sent_at is not None and claim.send_attempts == 2 and claim.last_error == ""
    (sent,) = mail.outbox
    assert sent.to == ["kim@example.org"]
    assert sent.subject == f"[Peer Directory] You can now edit “{claim.group.name}”"
    assert "Checked with the centre" in sent.body

    retry_later(Claim)
    assert len(mail.outbox) == 1  # a sent decision is never sent again


def test_send_pending_mail_leaves_undecided_claims_alone():
    make_claim()
    services.withdraw_claim(make_claim())
    retry_later(Claim)
    assert mail.outbox == []
    assert not Claim.objects.exclude(sent_at=None).exists()


def test_a_decision_mailed_after_commit_is_not_sent_again_by_a_retry(
    django_capture_on_commit_callbacks,
):
    from groups import mail as group_mail

    claim = make_claim()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_claim(claim, make_moderator())
    assert len(mail.outbox) == 1
    claim.sent_at = None  # a copy loaded before the send, handed to a retry
    assert group_mail.deliver(claim) is None
    retry_later(Claim)
    assert len(mail.outbox) == 1


def test_two_retries_at_once_send_a_decision_once(
    django_capture_on_commit_callbacks, smtp_down, monkeypatch
):
    """While one run is sending, a second run (cron started again, another server) sends
    nothing: it finds the claim taken."""
    from groups import mail as group_mail

    claim = make_claim()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_claim(claim, make_moderator())
    monkeypatch.undo()
    Claim.objects.update(decided_at=timezone.now() - dt.timedelta(minutes=5))

    second_run = second_run_while_sending(monkeypatch, group_mail.send_pending)
    assert group_mail.send_pending() == (1, 0)
    assert second_run == [(0, 0)]
    assert len(mail.outbox) == 1


def test_a_sender_that_died_mid_send_lets_a_later_retry_send_it(
    django_capture_on_commit_callbacks, smtp_down, monkeypatch
):
    from groups import mail as group_mail

    claim = make_claim()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_claim(claim, make_moderator())
    monkeypatch.undo()
    Claim.objects.update(sending_since=timezone.now())  # taken, and its sender killed
    retry_later(Claim)
    assert mail.outbox == []
    Claim.objects.update(sending_since=timezone.now() - group_mail.LEASE)
    retry_later(Claim)
    assert len(mail.outbox) == 1


def test_rejecting_needs_a_reason_and_tells_the_organizer(django_capture_on_commit_callbacks):
    claim = make_claim()
    moderator = make_moderator()
    with pytest.raises(ValueError):
        services.reject_claim(claim, moderator, "  ")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        services.reject_claim(claim, moderator, "No link to the group")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED
    assert not Ownership.objects.filter(group=claim.group).exists()
    assert "No link to the group" in mail.outbox[0].body
    assert AuditEntry.objects.get().action == "claim rejected"


def test_a_claim_cannot_be_decided_twice():
    claim = make_claim()
    moderator = make_moderator()
    services.approve_claim(claim, moderator)
    with pytest.raises(services.ClaimAlreadyDecided):
        services.reject_claim(claim, moderator, "changed my mind")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert AuditEntry.objects.count() == 1


def test_a_withdrawn_claim_cannot_be_approved():
    claim = make_claim()
    services.withdraw_claim(claim)
    with pytest.raises(services.ClaimAlreadyDecided):
        services.approve_claim(claim, make_moderator())
    assert not Ownership.objects.exists()


# Co-organizers --------------------------------------------------------------------------------


def test_owner_invites_a_co_organizer_who_accepts_with_that_email(
    client, django_capture_on_commit_callbacks
):
    owner = make_user()
    group = make_support_group(owners=[owner])
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invite", args=[group.slug]), {"email": "friend@example.org"}
        )
    assert response.status_code == 302
    body = mail.outbox[0].body
    path = body[body.index("/organizer/invitations/") :].split()[0]

    friend = make_user(email="friend@example.org")
    client.force_login(friend)
    assert "Accept invitation" in client.get(path).content.decode()
    assert client.post(path).status_code == 302
    assert Ownership.objects.filter(group=group, user=friend).exists()
    # The link works once.
    assert client.post(path).status_code == 404


def test_an_smtp_failure_on_an_invitation_keeps_it_and_the_retry_mails_a_working_link(
    client, django_capture_on_commit_callbacks, smtp_down, monkeypatch
):
    owner = make_user()
    group = make_support_group(owners=[owner])
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invite", args=[group.slug]), {"email": "friend@example.org"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.sent_at, invitation.send_attempts) == (None, 1)
    assert invitation.last_error == "OSError: SMTP down"
    monkeypatch.undo()

    retry_later(Invitation)
    invitation.refresh_from_db()
    assert invitation.sent_at is not None and invitation.send_attempts == 2
    (sent,) = mail.outbox
    assert sent.to == ["friend@example.org"]
    assert sent.subject == f"[Peer Directory] You are invited to help run “{group.name}”"
    assert f"{owner.get_full_name()} invites you" in sent.body
    path = sent.body[sent.body.index("/organizer/invitations/") :].split()[0]
    friend = make_user(email="friend@example.org")
    client.force_login(friend)
    assert client.post(path).status_code == 302
    assert Ownership.objects.filter(group=group, user=friend).exists()

    retry_later(Invitation)
    assert len(mail.outbox) == 1


def test_invitation_cannot_be_accepted_with_another_email(client):
    group = make_support_group(owners=[make_user()])
    _invitation, token = services.invite_co_organizer(group, group.owners.get(), "a@example.org")
    client.force_login(make_user(email="b@example.org"))
    url = reverse("accounts:accept_invitation", args=[token])
    assert "different email address" in client.get(url).content.decode()
    assert client.post(url).status_code == 403
    assert group.ownerships.count() == 1


def test_invitation_expires_after_14_days(client):
    from django.utils import timezone

    group = make_support_group(owners=[make_user()])
    invitation, token = services.invite_co_organizer(group, group.owners.get(), "a@example.org")
    invitation.created_at = timezone.now() - timezone.timedelta(days=15)
    invitation.save()
    client.force_login(make_user(email="a@example.org"))
    response = client.post(reverse("accounts:accept_invitation", args=[token]))
    assert response.status_code == 404
    assert group.ownerships.count() == 1


def test_leaving_asks_first_and_the_last_owner_leaving_makes_the_listing_unowned(client):
    owner = make_user()
    group = make_support_group(owners=[owner])
    client.force_login(owner)
    page = client.get(reverse("accounts:leave", args=[group.slug]))
    assert "only organizer" in page.content.decode()
    assert group.ownerships.exists()
    client.post(reverse("accounts:leave", args=[group.slug]))
    assert not group.ownerships.exists()
    group.refresh_from_db()
    assert group.moderation == "published"


def test_listing_page_offers_claim_only_when_nobody_manages_it(client):
    unowned = make_support_group()
    owner = make_user()
    owned = make_support_group(owners=[owner])
    claim_url = reverse("accounts:claim", args=[unowned.slug])
    assert claim_url in client.get(unowned.get_absolute_url()).content.decode()
    html = client.get(owned.get_absolute_url()).content.decode()
    assert "Claim this listing" not in html
    assert "Edit this listing" not in html


def test_listing_page_offers_edit_to_its_owner(client):
    owner = make_user()
    group = make_support_group(owners=[owner])
    client.force_login(owner)
    html = client.get(group.get_absolute_url()).content.decode()
    assert reverse("accounts:edit", args=[group.slug]) in html
    assert "Claim this listing" not in html


def test_database_allows_one_pending_claim_per_person_and_listing():
    from django.db import IntegrityError, transaction

    claim = make_claim()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(group=claim.group, user=claim.user, role="x", evidence="y")
    services.withdraw_claim(claim)
    Claim.objects.create(group=claim.group, user=claim.user, role="x", evidence="y")
    assert Claim.objects.filter(group=claim.group).count() == 2


def test_database_refuses_an_unknown_claim_status():
    from django.db import IntegrityError

    claim = make_claim()
    with pytest.raises(IntegrityError):
        Claim.objects.filter(pk=claim.pk).update(status="maybe")


@pytest.mark.django_db(transaction=True)
def test_decisions_and_invitations_from_before_the_upgrade_are_not_mailed_again():
    """They were mailed then (or their failure only logged): a retry now would mail months-old
    decisions, and an invitation's new link would replace the one its invitee already has."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    group, user = make_support_group(), make_user()
    before = [("accounts", "0004_moderator_notices_and_reminders")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    decided = timezone.now() - dt.timedelta(days=90)
    fields = {"group_id": group.pk, "role": "Host", "evidence": "Ask Jo", "created_at": decided}
    old.get_model("accounts", "Claim").objects.create(
        user_id=user.pk, status="approved", decided_at=decided, **fields
    )
    old.get_model("accounts", "Claim").objects.create(status="pending", **fields)
    old.get_model("accounts", "Invitation").objects.create(
        group_id=group.pk, email="friend@example.org", token_hash="h", created_at=decided
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Claim.objects.get(status="approved").sent_at == decided
    assert Claim.objects.get(status="pending").sent_at is None
    assert Invitation.objects.get().sent_at == decided
    call_command("send_pending_mail", stdout=io.StringIO())
    assert mail.outbox == []
