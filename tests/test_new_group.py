"""Organizers add new groups: pending, visible to them only, until a moderator publishes."""

import pytest
from django.urls import reverse

from accounts.services import unique_slug
from groups.models import SupportGroup
from tests.factories import make_support_group, make_type, make_user

pytestmark = pytest.mark.django_db


def new_group_data(**overrides):
    data = {
        "version": "1",
        "name": "Voices Together Brighton",
        "summary": "A hearing voices group",
        "kind": "meeting_group",
        "types": [make_type().pk],
        "attendance": "in_person",
        "status": "active",
        "email": "hello@example.org",
        "meetings-TOTAL_FORMS": "2",
        "meetings-INITIAL_FORMS": "0",
        "meetings-MIN_NUM_FORMS": "0",
        "meetings-MAX_NUM_FORMS": "20",
        "meetings-0-frequency": "weekly",
        "meetings-0-weekday": "2",
        "meetings-0-start_time": "18:00",
        "meetings-0-end_time": "19:30",
        "meetings-0-timezone": "Europe/London",
        "meetings-1-timezone": "Europe/London",
    }
    data.update(overrides)
    return data


def test_organizer_submits_a_new_group_that_waits_for_a_moderator(client):
    user = make_user()
    client.force_login(user)
    assert client.get(reverse("accounts:new_group")).status_code == 200
    response = client.post(reverse("accounts:new_group"), new_group_data(), follow=True)
    assert response.status_code == 200
    assert "Only you can see it" in response.content.decode()

    group = SupportGroup.objects.get(name="Voices Together Brighton")
    assert group.slug == "voices-together-brighton"
    assert group.moderation == SupportGroup.Moderation.PENDING
    assert group.submitted_by == user
    assert list(group.owners.all()) == [user]
    assert group.meetings.get().weekday == 2
    assert group.email_public is False  # private unless they tick the box
    assert group.history.first().history_user == user


def test_pending_group_is_visible_to_its_submitter_only(client):
    user = make_user()
    client.force_login(user)
    client.post(reverse("accounts:new_group"), new_group_data())
    url = SupportGroup.objects.get().get_absolute_url()
    assert client.get(url).status_code == 200
    client.force_login(make_user())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404


def test_new_group_slugs_never_collide():
    make_support_group(name="Hearing Voices", slug="hearing-voices")
    make_support_group(name="Hearing Voices", slug="hearing-voices-2")
    assert unique_slug("Hearing Voices") == "hearing-voices-3"
    assert unique_slug("Grupo de Escuchadores de Voces") == "grupo-de-escuchadores-de-voces"
    assert unique_slug("???") == "group"


def test_a_second_group_with_the_same_name_gets_a_second_slug_not_an_error(client):
    # Two organizers; the same organizer posting twice is one listing (tests/test_csrf.py).
    client.force_login(make_user())
    client.post(reverse("accounts:new_group"), new_group_data())
    client.force_login(make_user())
    client.post(reverse("accounts:new_group"), new_group_data())
    assert sorted(SupportGroup.objects.values_list("slug", flat=True)) == [
        "voices-together-brighton",
        "voices-together-brighton-2",
    ]


def test_new_group_without_a_name_or_type_is_explained_and_kept(client):
    client.force_login(make_user())
    response = client.post(
        reverse("accounts:new_group"), new_group_data(name="", types=[], summary="Kept text")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the group’s name." in html
    assert "Tick at least one kind of support the group offers." in html
    assert "This field is required" not in html
    assert "Kept text" in html
    assert not SupportGroup.objects.exists()


def test_unverified_organizer_is_asked_to_verify_before_adding_a_group(client):
    client.force_login(make_user(verified=False))
    response = client.post(reverse("accounts:new_group"), new_group_data())
    assert not SupportGroup.objects.exists()
    assert "confirm your email" in response.content.decode().lower()


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("accounts:new_group"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
