"""Smaller hardening: request size, private caching of organizer pages, cookie prefixes,
password length."""

import io

import pytest
from django.urls import reverse

from tests.factories import make_support_group, make_user
from tests.posts import report_post, report_url

pytestmark = pytest.mark.django_db


def test_a_10_mb_upload_to_the_report_form_is_refused_and_nothing_is_saved(client):
    from groups.models import Report

    group = make_support_group()
    upload = io.BytesIO(b"x" * (10 * 1024 * 1024))
    upload.name = "big.bin"
    response = client.post(report_url(group), {**report_post(), "attachment": upload})
    assert response.status_code == 413
    assert "nothing was saved" in response.content.decode()
    assert Report.objects.count() == 0


def test_an_ordinary_report_still_goes_through(client):
    assert client.post(report_url(make_support_group()), report_post()).status_code == 302


@pytest.mark.parametrize("name", ["accounts:dashboard", "accounts:delete_account"])
def test_organizer_pages_are_private_to_caches(client, name):
    client.force_login(make_user())
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_the_edit_form_is_private_to_caches(client):
    owner = make_user()
    group = make_support_group(owners=[owner])
    client.force_login(owner)
    assert "private" in client.get(reverse("accounts:edit", args=[group.slug]))["Cache-Control"]


def test_public_pages_for_anonymous_visitors_are_not_marked_private(client):
    response = client.get(reverse("groups:list"))
    assert "private" not in response.get("Cache-Control", "")


def test_production_cookies_use_the_host_prefix(tmp_path):
    from tests.processes import STRONG_KEY, run_python

    code = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "
        "settings.SESSION_COOKIE_PATH, settings.SESSION_COOKIE_DOMAIN, settings.CSRF_COOKIE_DOMAIN)"
    )
    env = {"DEBUG": "0", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "example.org"}
    result = run_python(code, tmp_path, **env)
    assert result.stdout.split() == ["__Host-sessionid", "__Host-csrftoken", "/", "None", "None"]


def test_a_password_shorter_than_15_characters_is_refused_at_sign_up(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.org", "password1": "Kx7!mq2#Lp9", "password2": "Kx7!mq2#Lp9"},
    )
    assert response.status_code == 200
    assert "at least 15 characters" in response.content.decode()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="new@example.org").exists()
