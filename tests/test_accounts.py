"""Organizer accounts: sign-up with email verification, no account enumeration, leaving the site."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import Claim
from groups.models import Ownership, SupportGroup
from tests.factories import PASSWORD, make_claim, make_support_group, make_user

pytestmark = pytest.mark.django_db


def signup(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )


def link_in(message):
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_signup_sends_a_verification_link_that_logs_the_organizer_in(client):
    response = signup(client, "new.organizer@example.org")
    assert response.status_code == 200
    assert "new.organizer@example.org" in mail.outbox[0].to
    # Not logged in until the address is confirmed.
    assert client.get(reverse("accounts:dashboard")).status_code == 302

    confirm_url = link_in(mail.outbox[0])
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert not EmailAddress.objects.get(email="new.organizer@example.org").verified
    response = client.post(confirm_url, follow=True)
    assert EmailAddress.objects.get(email="new.organizer@example.org").verified
    assert response.request["PATH_INFO"] == reverse("accounts:dashboard")
    assert "My groups" in response.content.decode()


def test_signup_with_an_existing_email_looks_the_same_as_a_new_one(client):
    make_user(email="taken@example.org")
    existing = signup(client, "taken@example.org")
    client.cookies.clear()
    fresh = signup(client, "fresh@example.org")
    assert existing.status_code == fresh.status_code == 200
    assert existing.redirect_chain == fresh.redirect_chain
    assert existing.content.decode().replace("taken", "X") == fresh.content.decode().replace(
        "fresh", "X"
    )
    assert get_user_model().objects.filter(email="taken@example.org").count() == 1
    # The owner of the existing address is told by email, not the person at the keyboard.
    assert {m.to[0] for m in mail.outbox} == {"taken@example.org", "fresh@example.org"}


def test_password_reset_for_an_unknown_email_looks_the_same_as_for_a_known_one(client):
    make_user(email="known@example.org")
    known = client.post(
        reverse("account_reset_password"), {"email": "known@example.org"}, follow=True
    )
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.org"}, follow=True
    )
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content


def test_login_takes_the_organizer_to_their_groups(client):
    make_user(email="o@example.org")
    response = client.post(
        reverse("account_login"), {"login": "o@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")


def test_navigation_offers_my_groups_and_log_out_only_when_logged_in(client):
    html = client.get("/").content.decode()
    assert "For organizers" in html
    assert "My groups" not in html
    client.force_login(make_user())
    html = client.get("/").content.decode()
    assert "My groups" in html
    assert "Log out" in html
    assert "For organizers" not in html


@pytest.mark.parametrize("url_name", ["account_login", "account_signup", "account_reset_password"])
def test_account_pages_use_the_site_layout_without_inline_code(client, url_name):
    response = client.get(reverse(url_name))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Skip to main content" in html
    assert "Need help now?" in html
    assert "style=" not in html
    assert "onclick" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)", html) is None
    # Every visible input has a label.
    for input_id in re.findall(r'<input[^>]+type="(?:email|password|text)"[^>]*id="([^"]+)"', html):
        assert f'for="{input_id}"' in html


def test_change_email_page_is_reachable_for_organizers(client):
    client.force_login(make_user())
    response = client.get(reverse("account_email"))
    assert response.status_code == 200
    assert "Delete my account" in response.content.decode()


def test_wrong_password_does_not_delete_the_account(client):
    user = make_user()
    client.force_login(user)
    response = client.post(reverse("accounts:delete_account"), {"password": "wrong"})
    assert response.status_code == 200
    assert "not your current password" in response.content.decode()
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_deleting_an_account_removes_personal_data_but_keeps_the_listings(client):
    user = make_user(email="leaving@example.org", name="Sam Leaving")
    group = make_support_group(owners=[user])
    other_group = make_support_group()
    make_claim(group=other_group, user=user, role="Host", message="It's me, Sam")
    client.force_login(user)
    # An edit recorded in history under this user.
    group.summary = "New summary"
    group._history_user = user
    group.save()

    response = client.post(reverse("accounts:delete_account"), {"password": PASSWORD})
    assert response.status_code == 302

    assert not get_user_model().objects.filter(email="leaving@example.org").exists()
    assert not EmailAddress.objects.filter(email="leaving@example.org").exists()
    assert SupportGroup.objects.filter(pk=group.pk).exists()
    assert not Ownership.objects.filter(group=group).exists()
    claim = Claim.objects.get(group=other_group)
    assert claim.user is None
    assert claim.message == ""
    assert not group.history.filter(history_user_id=user.pk).exists()
    assert group.history.count() >= 2
    # And they are logged out.
    assert client.get(reverse("accounts:dashboard")).status_code == 302


def test_repeated_wrong_passwords_are_rate_limited(client):
    make_user(email="target@example.org")
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": "target@example.org", "password": "wrong"})
    response = client.post(url, {"login": "target@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    assert "Too many" in response.content.decode()


def test_a_sensitive_change_asks_for_the_password_and_offers_no_code_by_mail(client):
    client.force_login(make_user("organizer@example.org"))
    page = client.get(reverse("account_reauthenticate"))
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode()
    assert reverse("account_request_reauthentication_code") not in page.content.decode()
    assert client.post(reverse("account_request_reauthentication_code")).status_code == 403
    assert mail.outbox == []


def test_the_dashboard_says_visitors_see_out_of_date_only_when_they_do(client):
    """The 12-month rule of the public page (SupportGroup.past_review), not 'never confirmed'."""
    import datetime as dt

    owner = make_user(email="owner@example.org")
    make_support_group("New Circle", owners=[owner], last_confirmed=None)
    make_support_group("Old Circle", owners=[owner], last_confirmed=dt.date(2020, 1, 1))
    client.force_login(owner)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    new, old = html.split("New Circle", 1)[1], html.split("Old Circle", 1)[1]
    note = "visitors see “may be out of date”"
    assert note not in new.split("</dl>", 1)[0]
    assert note in old.split("</dl>", 1)[0]
