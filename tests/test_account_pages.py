"""Account pages in the site's own words: every page of the sign-up, confirmation and password
journeys is ours (no library defaults), confirming is one button, and help is a real link."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unguessable passphrase 42"
# Headings and phrases of allauth's own templates: none may reach an organizer.
LIBRARY_WORDS = [
    "Verify Your Email Address",
    "Confirm Email Address",
    "Please contact us",
    "Bad Token",
    "Password Reset",
    "Email Addresses",
    "Re-send Verification",
]


def assert_ours(html):
    assert [w for w in LIBRARY_WORDS if w in html] == []
    assert 'class="site-header"' in html  # the site's layout, not the library's


def sign_up(client, email="jo@example.org"):
    client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    return re.search(r"https?://\S+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)


def test_after_sign_up_the_page_and_the_mail_are_in_our_words(client, settings):
    settings.CONTACT_EMAIL = "help@example.org"
    response = client.post(
        reverse("account_signup"),
        {"email": "jo@example.org", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    html = response.content.decode()
    assert_ours(html)
    assert "Check your email" in html
    assert 'href="mailto:help@example.org"' in html
    message = mail.outbox[-1]
    assert "Confirm your email address" in message.subject
    assert "press the button" in message.body


def test_the_confirmation_page_has_one_button_and_confirms_on_post_only(client):
    path = sign_up(client)
    html = client.get(path).content.decode()
    assert_ours(html)
    main = html.split('<main id="main"')[1].split("</main>")[0]
    assert main.count("<button") == 1
    assert "Confirm my email address" in main
    assert not EmailAddress.objects.get(email="jo@example.org").verified
    client.post(path)
    assert EmailAddress.objects.get(email="jo@example.org").verified


def test_a_broken_confirmation_link_says_what_to_do_and_links_to_help(client, settings):
    settings.CONTACT_EMAIL = "help@example.org"
    html = client.get("/accounts/confirm-email/not-a-key/").content.decode()
    assert_ours(html)
    assert "This link does not work any more" in html
    assert 'href="mailto:help@example.org"' in html


@pytest.mark.parametrize(
    "url_name",
    ["account_reset_password", "account_reset_password_done", "account_login", "account_signup"],
)
def test_entrance_pages_are_ours(client, url_name):
    assert_ours(client.get(reverse(url_name)).content.decode())


def test_password_reset_mail_and_pages_are_ours(client):
    make_user(email="jo@example.org", password=PASSWORD)
    response = client.post(
        reverse("account_reset_password"), {"email": "jo@example.org"}, follow=True
    )
    assert_ours(response.content.decode())
    message = mail.outbox[-1]
    assert message.subject.endswith("Choose a new password")
    link = re.search(r"https?://\S+(/accounts/password/reset/key/\S+)", message.body).group(1)
    page = client.get(link, follow=True)
    assert_ours(page.content.decode())
    assert "Choose a new password" in page.content.decode()
    assert_ours(client.get("/accounts/password/reset/key/1-bad/", follow=True).content.decode())


def test_logged_in_account_pages_are_ours(client):
    client.force_login(make_user(email="jo@example.org", password=PASSWORD))
    for name in ("account_email", "account_change_password"):
        html = client.get(reverse(name)).content.decode()
        assert_ours(html)
    assert "New email address" in client.get(reverse("account_email")).content.decode()
