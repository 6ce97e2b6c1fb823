"""The history page: other people appear as "An organizer" / "A moderator", and a contact value
private at the time shows only to those who could see it then (moderators, owners of the time)."""

import pytest
from django.urls import reverse

from accounts import services
from groups.models import SupportGroup
from tests.factories import make_claim, make_group, make_moderator, make_type, make_user
from tests.posts import listing_post

pytestmark = pytest.mark.django_db


def edit(client, user, group, **changes):
    client.force_login(user)
    data = listing_post(SupportGroup.objects.get(pk=group.pk), **changes)
    for name, value in list(data.items()):
        if value is None:
            del data[name]
    response = client.post(reverse("accounts:edit", args=[group.slug]), data)
    assert response.status_code == 302


def history_html(client, user, group):
    client.force_login(user)
    response = client.get(reverse("accounts:history", args=[group.slug]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def first_owner():
    return make_user(email="first.owner@example.org")


@pytest.fixture
def group(first_owner):
    return make_group(name="Leith Voices", types=[make_type()], owners=[first_owner])


def test_next_owner_does_not_read_the_previous_owners_private_contact_details(
    client, first_owner, group
):
    edit(client, first_owner, group, email="kept.private@example.org", phone="0131 496 0999")
    edit(client, first_owner, group, email="", phone="")
    services.leave_group(group, first_owner)
    next_owner = make_user(email="next.owner@example.org")
    services.approve_claim(make_claim(group=group, user=next_owner), make_moderator(), "checked")

    html = history_html(client, next_owner, group)
    assert "Listing edited" in html
    assert "kept.private@example.org" not in html
    assert "0131 496 0999" not in html
    assert "first.owner@example.org" not in html
    assert "An organizer" in html
    assert "(private at the time)" in html


def test_the_owner_of_the_time_and_moderators_still_read_them(client, first_owner, group):
    edit(client, first_owner, group, email="kept.private@example.org")
    assert "kept.private@example.org" in history_html(client, first_owner, group)
    assert "kept.private@example.org" in history_html(client, make_moderator(), group)


def test_a_published_value_stays_readable_to_later_owners(client, first_owner, group):
    edit(client, first_owner, group, email="public@example.org", email_public="on")
    services.leave_group(group, first_owner)
    later = make_user()
    services.approve_claim(make_claim(group=group, user=later), make_moderator(), "checked")
    assert "public@example.org" in history_html(client, later, group)


def test_co_organizers_do_not_see_each_others_account_emails(client, first_owner, group):
    second = make_user(email="second.owner@example.org")
    services.approve_claim(make_claim(group=group, user=second), make_moderator(), "checked")
    edit(client, first_owner, group, summary="First's words")
    edit(client, second, group, summary="Second's words")

    seen_by_first = history_html(client, first_owner, group)
    seen_by_second = history_html(client, second, group)
    assert "second.owner@example.org" not in seen_by_first
    assert "first.owner@example.org" not in seen_by_second
    assert "An organizer" in seen_by_first and "You" in seen_by_first
    assert "An organizer" in seen_by_second
