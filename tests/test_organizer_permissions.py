"""Every organizer page, for everyone who might open it: anonymous, the cast's organizer (Alex,
owner of the listing), the second organizer (Sam, who owns another one), the moderator. Other
organizers get a 404 and never the form."""

import pytest
from django.urls import reverse

from accounts.models import Claim
from groups.models import Ownership
from tests.factories import make_claim

pytestmark = pytest.mark.django_db

# (url name, method, owner's status, moderator's status)
GROUP_PAGES = [
    ("accounts:edit", "get", 200, 200),
    ("accounts:history", "get", 200, 200),
    ("accounts:confirm", "post", 302, 302),
    ("accounts:invite", "get", 200, 404),
    ("accounts:invite", "post", 200, 404),
    ("accounts:leave", "get", 200, 404),
]


@pytest.fixture
def owner(cast):
    return cast.organizer


@pytest.fixture
def group(cast):
    return cast.listing


@pytest.fixture
def other_organizer(cast):
    return cast.second_organizer


@pytest.fixture
def moderator(cast):
    return cast.moderator


def call(client, name, method, group):
    url = reverse(name, args=[group.slug])
    return getattr(client, method)(url)


@pytest.mark.parametrize("name,method,_o,_m", GROUP_PAGES)
def test_anonymous_visitor_is_sent_to_log_in(client, group, name, method, _o, _m):
    response = call(client, name, method, group)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name,method,owner_status,_m", GROUP_PAGES)
def test_owner_can_use_the_page(client, owner, group, name, method, owner_status, _m):
    client.force_login(owner)
    assert call(client, name, method, group).status_code == owner_status


@pytest.mark.parametrize("name,method,_o,_m", GROUP_PAGES)
def test_other_organizer_gets_not_found_and_never_the_form(
    client, other_organizer, group, name, method, _o, _m
):
    client.force_login(other_organizer)
    response = call(client, name, method, group)
    assert response.status_code == 404
    assert '<form method="post" novalidate>' not in response.content.decode()


@pytest.mark.parametrize("name,method,_o,moderator_status", GROUP_PAGES)
def test_moderator_access(client, moderator, group, name, method, _o, moderator_status):
    client.force_login(moderator)
    assert call(client, name, method, group).status_code == moderator_status


def test_other_organizer_cannot_change_a_listing_by_posting(client, other_organizer, group):
    client.force_login(other_organizer)
    original = group.summary
    response = client.post(
        reverse("accounts:edit", args=[group.slug]), {"summary": "Hijacked", "version": "1"}
    )
    assert response.status_code == 404
    group.refresh_from_db()
    assert group.summary == original
    assert client.post(reverse("accounts:confirm", args=[group.slug])).status_code == 404
    assert client.post(reverse("accounts:leave", args=[group.slug])).status_code == 404
    assert Ownership.objects.filter(group=group).count() == 1


def test_state_changes_refuse_get(client, owner, group):
    client.force_login(owner)
    assert client.get(reverse("accounts:confirm", args=[group.slug])).status_code == 405
    claim = make_claim(user=owner)
    assert client.get(reverse("accounts:withdraw_claim", args=[claim.pk])).status_code == 405


def test_forged_post_without_csrf_token_is_refused(owner, group):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    response = strict.post(reverse("accounts:confirm", args=[group.slug]))
    assert response.status_code == 403


def test_dashboard_shows_only_my_groups_and_my_claims(client, cast, owner, group):
    make_claim(group=cast.unowned_listing, user=cast.visitor)  # another person's claim
    client.force_login(owner)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert group.name in html
    assert cast.second_listing.name not in html
    assert cast.unowned_listing.name not in html
    assert Claim.objects.count() == 1


def test_dashboard_needs_login(client):
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302


def test_moderator_without_ownership_sees_an_empty_dashboard(client, moderator, group):
    client.force_login(moderator)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert group.name not in html


def test_delete_account_needs_login(client):
    response = client.get(reverse("accounts:delete_account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_unknown_listing_is_not_found_for_everyone(client, owner, moderator):
    client.force_login(owner)
    assert client.get(reverse("accounts:edit", args=["no-such-group"])).status_code == 404
    client.force_login(moderator)
    assert client.get(reverse("accounts:edit", args=["no-such-group"])).status_code == 404
