"""Deciding a claim, a new listing or a report on its own admin page, reason asked inline."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Claim
from groups.models import AuditEntry, Report, SupportGroup
from tests.factories import make_claim, make_support_group, make_type, make_user
from tests.mailqueue import retry_later

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod_client(client, cast):
    client.force_login(cast.moderator)
    return client


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def decide_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_decide", args=[obj.pk])


def test_claim_page_shows_evidence_as_a_link_other_claims_and_the_two_decisions(mod_client):
    jo = make_user(email="jo@example.org")
    claim = make_claim(
        group=make_support_group(name="Leith Voices"),
        user=jo,
        evidence="See https://leith.example/team",
    )
    make_claim(group=make_support_group(name="Portobello Voices"), user=jo)
    html = mod_client.get(change_url(claim)).content.decode()
    assert '<a href="https://leith.example/team"' in html
    assert "Portobello Voices" in html  # the claimant's other claim
    assert 'name="decision" value="approve"' in html
    assert 'name="decision" value="reject"' in html
    assert 'name="reason"' in html


def test_approving_a_claim_on_its_page_makes_an_owner_audits_and_returns_to_the_queue(
    mod_client,
):
    claim = make_claim(user=make_user(email="jo@example.org"))
    response = mod_client.post(
        decide_url(claim), {"decision": "approve", "reason": "Kim at the centre confirmed"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:moderation_queue")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert claim.group.owners.filter(email="jo@example.org").exists()
    assert AuditEntry.objects.get().reason == "Kim at the centre confirmed"
    assert "Approved" in mod_client.get(response["Location"]).content.decode()


def test_a_decision_without_its_reason_keeps_the_claim_pending_and_says_why(mod_client):
    claim = make_claim()
    response = mod_client.post(decide_url(claim), {"decision": "reject", "reason": "  "})
    assert response.status_code == 400
    assert "needs a reason" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING
    assert not AuditEntry.objects.exists()


def test_a_claim_decided_meanwhile_is_left_alone_and_has_no_buttons_any_more(mod_client):
    claim = make_claim()
    assert mod_client.post(decide_url(claim), {"decision": "approve", "reason": "ok"}).status_code
    again = mod_client.post(decide_url(claim), {"decision": "reject", "reason": "no"})
    assert again.status_code == 302 and again["Location"] == change_url(claim)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert 'name="decision"' not in mod_client.get(change_url(claim)).content.decode()


def test_a_new_listing_is_published_from_its_page_without_a_reason(mod_client):
    group = make_support_group(moderation=SupportGroup.Moderation.PENDING, types=[make_type()])
    html = mod_client.get(change_url(group)).content.decode()
    assert 'value="publish"' in html and 'value="reject"' in html
    assert mod_client.post(decide_url(group), {"decision": "publish"}).status_code == 302
    group.refresh_from_db()
    assert group.moderation == SupportGroup.Moderation.PUBLISHED


def test_rejecting_a_new_listing_needs_a_reason_and_archives_it(mod_client):
    group = make_support_group(moderation=SupportGroup.Moderation.PENDING, types=[make_type()])
    assert mod_client.post(decide_url(group), {"decision": "reject"}).status_code == 400
    group.refresh_from_db()
    assert group.moderation == SupportGroup.Moderation.PENDING
    mod_client.post(decide_url(group), {"decision": "reject", "reason": "Not peer support"})
    group.refresh_from_db()
    assert group.moderation == SupportGroup.Moderation.ARCHIVED


def test_a_report_is_resolved_on_its_page(mod_client):
    report = Report.objects.create(
        group=make_support_group(), reason="other", reporter_email="v@x.org"
    )
    response = mod_client.post(decide_url(report), {"decision": "resolve", "reason": "Fixed"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED
    assert report.resolution_note == "Fixed"


def test_a_report_on_a_listing_nobody_manages_says_nobody_was_told(mod_client, client):
    from groups import mail as group_mail

    report = Report.objects.create(group=make_support_group(), reason="other")
    group_mail.deliver(report)
    assert mail.outbox == []
    html = mod_client.get(change_url(report)).content.decode()
    assert "No organizer to tell" in html
    assert "Email sent" not in html


def test_organizers_cannot_decide(client):
    claim = make_claim()
    client.force_login(make_user())
    response = client.post(decide_url(claim), {"decision": "approve", "reason": "me"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING


def test_the_queue_links_each_waiting_item_to_its_own_page(mod_client):
    claim = make_claim(group=make_support_group(name="Leith Voices"))
    pending = make_support_group(name="Brand New Group", moderation=SupportGroup.Moderation.PENDING)
    html = mod_client.get(reverse("admin:moderation_queue")).content.decode()
    assert f'href="{change_url(claim)}"' in html
    assert f'href="{change_url(pending)}"' in html


def test_deciding_needs_post(mod_client):
    assert mod_client.get(decide_url(make_claim())).status_code == 405


def test_staff_who_may_only_read_claims_see_the_evidence_but_no_buttons(client):
    from django.contrib.auth.models import Permission

    reader = make_user(is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_claim"))
    client.force_login(reader)
    claim = make_claim(evidence="https://leith.example/team")
    response = client.get(change_url(claim))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="https://leith.example/team"' in html
    assert 'name="decision"' not in html
    assert client.post(decide_url(claim), {"decision": "approve", "reason": "x"}).status_code == 403


# The email a decision calls for ----------------------------------------------------------------


@pytest.mark.usefixtures("smtp_down")
def test_a_claim_page_shows_a_failed_decision_email_until_the_retry_sends_it(
    mod_client, django_capture_on_commit_callbacks, monkeypatch
):
    claim = make_claim(user=make_user(email="jo@example.org"))
    assert "None yet: the organizer is emailed the decision." in page(mod_client, claim)
    with django_capture_on_commit_callbacks(execute=True):
        response = mod_client.post(decide_url(claim), {"decision": "approve", "reason": "Kim"})
    assert response.status_code == 302
    html = page(mod_client, claim)
    assert "Not sent yet: 1 attempts failed (OSError: SMTP down)." in html
    assert 'name="send_attempts"' not in html  # read-only, like a report's
    unsent = reverse("admin:accounts_claim_changelist") + "?email=unsent"
    assert unsent_claims(mod_client) == 1
    assert f'href="{unsent}"' in mod_client.get(reverse("admin:moderation_queue")).content.decode()
    assert f'href="{change_url(claim)}?' in mod_client.get(unsent).content.decode()

    monkeypatch.undo()
    retry_later(Claim)
    html = page(mod_client, claim)
    assert "The organizer was emailed the decision on" in html
    assert "Not sent yet" not in html
    assert unsent_claims(mod_client) == 0
    assert f'href="{change_url(claim)}?' not in mod_client.get(unsent).content.decode()


def unsent_claims(client):
    sections = client.get(reverse("admin:moderation_queue")).context["sections"]
    return {s["title"]: s["count"] for s in sections}["Claim decisions not emailed yet"]


@pytest.mark.usefixtures("smtp_down")
def test_an_invitation_page_shows_its_email_read_only(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    from accounts import services
    from accounts.models import Invitation
    from tests.factories import make_superuser

    owner = make_user()
    group = make_support_group(owners=[owner])
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _token = services.invite_co_organizer(group, owner, "friend@example.org")
    client.force_login(make_superuser())
    unsent = reverse("admin:accounts_invitation_changelist") + "?sent_at__isempty=1"
    assert "friend@example.org" in client.get(unsent).content.decode()
    html = page(client, invitation)
    assert "Not sent yet: 1 attempts failed (OSError: SMTP down)." in html
    assert 'name="sent_at"' not in html and 'name="send_attempts"' not in html

    monkeypatch.undo()
    retry_later(Invitation)
    assert "The invitation was emailed on" in page(client, invitation)
    assert "friend@example.org" not in client.get(unsent).content.decode()


def page(client, obj):
    response = client.get(change_url(obj))
    assert response.status_code == 200
    return response.content.decode()
