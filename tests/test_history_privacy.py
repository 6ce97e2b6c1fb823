"""The history page: other people appear as "An organizer" / "A moderator", and a contact value
private at the time shows only to those who could see it then (moderators, owners of the time)."""

import pytest
from django.urls import reverse

from accounts import services
from groups.models import SupportGroup
from tests.factories import make_claim
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


def hand_over(cast, listing, to):
    """A moderator approves `to`'s claim on the listing."""
    services.approve_claim(make_claim(group=listing, user=to), cast.moderator, "checked")


def test_next_owner_does_not_read_the_previous_owners_private_contact_details(client, cast):
    alex, sam, listing = cast.organizer, cast.second_organizer, cast.listing
    edit(client, alex, listing, email="kept.private@example.org", phone="0131 496 0999")
    edit(client, alex, listing, email="", phone="")
    services.leave_group(listing, alex)
    hand_over(cast, listing, sam)

    html = history_html(client, sam, listing)
    assert "Listing edited" in html
    assert "kept.private@example.org" not in html
    assert "0131 496 0999" not in html
    assert alex.email not in html
    assert "An organizer" in html
    assert "(private at the time)" in html


def test_the_owner_of_the_time_and_moderators_still_read_them(client, cast):
    edit(client, cast.organizer, cast.listing, email="kept.private@example.org")
    assert "kept.private@example.org" in history_html(client, cast.organizer, cast.listing)
    assert "kept.private@example.org" in history_html(client, cast.moderator, cast.listing)


def test_a_published_value_stays_readable_to_later_owners(client, cast):
    edit(client, cast.organizer, cast.listing, email="public@example.org", email_public="on")
    services.leave_group(cast.listing, cast.organizer)
    hand_over(cast, cast.listing, cast.second_organizer)
    assert "public@example.org" in history_html(client, cast.second_organizer, cast.listing)


def test_co_organizers_do_not_see_each_others_account_emails(client, cast):
    alex, sam, listing = cast.organizer, cast.second_organizer, cast.listing
    hand_over(cast, listing, sam)
    edit(client, alex, listing, summary="First's words")
    edit(client, sam, listing, summary="Second's words")

    seen_by_alex = history_html(client, alex, listing)
    seen_by_sam = history_html(client, sam, listing)
    assert sam.email not in seen_by_alex
    assert alex.email not in seen_by_sam
    assert "An organizer" in seen_by_alex and "You" in seen_by_alex
    assert "An organizer" in seen_by_sam
