"""A moderator cannot approve their own claim on a listing: another moderator decides it."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Claim
from groups.models import Ownership
from tests.factories import make_moderator
from tests.posts import admin_action

pytestmark = pytest.mark.django_db


def test_moderator_cannot_approve_their_own_claim_in_the_admin(client, cast):
    moderator, group = cast.moderator, cast.unowned_listing
    claim = services.submit_claim(group, moderator, "facilitator", "it is me")
    client.force_login(moderator)

    done = admin_action(client, "accounts_claim", "approve", [claim], "looks fine to me")
    assert done.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING
    assert not Ownership.objects.filter(group=group, user=moderator).exists()
    shown = [str(m) for m in client.get(done["Location"]).context["messages"]]
    assert any("another moderator must decide it" in m for m in shown)


def test_moderator_cannot_approve_their_own_claim_on_its_page(client, cast):
    moderator, group = cast.moderator, cast.unowned_listing
    claim = services.submit_claim(group, moderator, "facilitator", "it is me")
    client.force_login(moderator)

    done = client.post(
        reverse("admin:accounts_claim_decide", args=[claim.pk]),
        {"decision": "approve", "reason": "looks fine to me"},
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:accounts_claim_change", args=[claim.pk])
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING
    assert not Ownership.objects.filter(group=group, user=moderator).exists()
    shown = [str(m) for m in client.get(done["Location"]).context["messages"]]
    assert "Another moderator must decide your own claim." in shown


def test_the_service_refuses_it_too(cast):
    moderator = cast.moderator
    claim = services.submit_claim(cast.unowned_listing, moderator, "facilitator", "it is me")
    with pytest.raises(services.OwnClaim):
        services.approve_claim(claim, moderator, "self")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PENDING


def test_another_moderator_may_approve_it(cast):
    claim = services.submit_claim(cast.unowned_listing, cast.moderator, "facilitator", "it is me")
    services.approve_claim(claim, make_moderator(), "checked")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
