"""Every path that writes a listing goes through one version check (groups.versions): a form
opened before someone else's save is refused with a conflict page, and nothing is overwritten."""

import pytest
from django.urls import reverse

from groups import csv_io, moderation
from groups.models import SupportGroup
from tests.factories import make_moderator
from tests.posts import admin_change_post, admin_form_post, listing_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(cast):
    return cast.organizer


@pytest.fixture
def group(cast):
    """Alex's listing with the email published: the tests have Alex hide it again."""
    cast.listing.email_public = True
    cast.listing.save()
    return cast.listing


def organizer_hides_email(client, owner, group):
    client.force_login(owner)
    data = listing_post(SupportGroup.objects.get(pk=group.pk))
    data.pop("email_public")
    response = client.post(reverse("accounts:edit", args=[group.slug]), data)
    assert response.status_code == 302


def test_moderators_stale_admin_form_does_not_make_a_hidden_email_public_again(
    client, owner, group
):
    moderator = make_moderator()
    client.force_login(moderator)
    url, stale = admin_change_post(client, group)  # opened before the organizer's edit

    organizer_hides_email(client, owner, group)

    client.force_login(moderator)
    stale["summary"] = "A tidier summary"  # an unrelated field
    response = client.post(url, stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone saved this listing after you opened the form" in html
    assert "A tidier summary" in html  # what the moderator typed is shown, not lost
    group.refresh_from_db()
    assert group.email_public is False
    assert group.summary != "A tidier summary"
    assert "alex.private@example.org" not in client.get(group.get_absolute_url()).content.decode()
    hsds = b"".join(client.get("/api/hsds.json").streaming_content).decode()
    assert "alex.private@example.org" not in hsds


def test_a_fresh_admin_form_saves_and_raises_the_version(client, group):
    client.force_login(make_moderator())
    url, data = admin_change_post(client, group)
    data["summary"] = "A tidier summary"
    assert client.post(url, data).status_code == 302
    group.refresh_from_db()
    assert group.summary == "A tidier summary"
    assert group.version == 2


def test_a_forged_admin_post_without_the_version_is_refused(client, group):
    client.force_login(make_moderator())
    url, data = admin_change_post(client, group)
    del data["seen_version"]
    data["summary"] = "Forged"
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with an error
    group.refresh_from_db()
    assert group.summary != "Forged"


def test_a_stale_history_revert_is_refused(client, owner, group):
    client.force_login(make_moderator())
    old = group.history.earliest()
    revert_url = f"/admin/groups/supportgroup/{group.pk}/history/{old.history_id}/"
    form = client.get(revert_url).context["adminform"].form
    stale = admin_form_post(form)

    organizer_hides_email(client, owner, group)

    client.force_login(make_moderator())
    response = client.post(revert_url, stale)
    assert response.status_code == 409
    group.refresh_from_db()
    assert group.email_public is False


@pytest.mark.parametrize(
    "action",
    [
        lambda g, m: moderation.archive_support_group(g, m, "closed"),
        lambda g, m: moderation.publish_support_group(
            SupportGroup.objects.filter(pk=g.pk).update(moderation="pending") and g, m
        ),
        lambda g, m: moderation.confirm_support_group(
            SupportGroup.objects.filter(pk=g.pk).update(last_confirmed=None) and g, m, "phoned"
        ),
    ],
    ids=["archive", "publish", "confirm"],
)
def test_an_admin_action_makes_open_forms_stale(client, owner, group, action):
    client.force_login(owner)
    organizer_stale = listing_post(SupportGroup.objects.get(pk=group.pk))
    moderator = make_moderator()
    client.force_login(moderator)
    _url, admin_stale = admin_change_post(client, group)

    action(group, moderator)

    client.force_login(owner)
    organizer_stale["summary"] = "From the organizer's old tab"
    assert (
        client.post(reverse("accounts:edit", args=[group.slug]), organizer_stale).status_code == 409
    )
    client.force_login(moderator)
    admin_stale["summary"] = "From the moderator's old tab"
    assert client.post(_url, admin_stale).status_code == 409
    group.refresh_from_db()
    assert "old tab" not in group.summary


def test_still_meeting_makes_an_open_admin_form_stale(client, owner, group):
    SupportGroup.objects.filter(pk=group.pk).update(last_confirmed=None)
    moderator = make_moderator()
    client.force_login(moderator)
    url, stale = admin_change_post(client, group)

    client.force_login(owner)
    assert client.post(reverse("accounts:confirm", args=[group.slug])).status_code == 302

    client.force_login(moderator)
    response = client.post(url, stale)
    assert response.status_code == 409
    group.refresh_from_db()
    assert group.last_confirmed is not None


def test_organizer_stale_form_after_a_moderator_save_is_refused(client, owner, group):
    client.force_login(owner)
    stale = listing_post(SupportGroup.objects.get(pk=group.pk))
    client.force_login(make_moderator())
    url, data = admin_change_post(client, group)
    data["phone"] = "0131 496 0000"
    assert client.post(url, data).status_code == 302

    client.force_login(owner)
    stale["summary"] = "Old tab"
    assert client.post(reverse("accounts:edit", args=[group.slug]), stale).status_code == 409
    group.refresh_from_db()
    assert group.phone == "0131 496 0000"


def test_csv_import_never_writes_over_an_existing_listing(group):
    header = "slug,name,summary,kind,types,attendance,languages,region,meetings,email,email_public"
    row = f"{group.slug},New name,New summary,meeting_group,,online,,,,x@example.org,yes"
    result = csv_io.parse(header + "\n" + row)
    assert any(error.column == "slug" for error in result.errors)
    with pytest.raises(ValueError):
        csv_io.apply(result)
    group.refresh_from_db()
    assert group.name == "Leith Voices"
