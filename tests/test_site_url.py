"""Links in mails follow the serving host in development without SITE_URL; SITE_URL otherwise."""

from contextlib import nullcontext

import pytest
from django.core import mail
from django.urls import reverse

from groups.models import Report
from peerdir.siteurl import site_url
from tests.factories import make_support_group, make_user

pytestmark = pytest.mark.django_db


def report_and_read_mail(client, settings, host, capture):
    settings.ALLOWED_HOSTS = ["*"]
    group = make_support_group(name="Leith Voices", owners=[make_user(email="jo@example.org")])
    with capture():
        # A client address of its own: other tests' reports must not count against its limit.
        response = client.post(
            reverse("groups:report", args=[group.slug]),
            {"reason": "other"},
            HTTP_HOST=host,
            REMOTE_ADDR="203.0.113.19",
        )
    assert response.status_code == 302
    assert Report.objects.count() == 1
    (message,) = [m for m in mail.outbox if m.to == ["jo@example.org"]]
    return message.body, group


@pytest.mark.django_db(transaction=True)
def test_development_without_site_url_links_to_the_host_that_served_the_request(client, settings):
    # A real commit inside the request, as in the running site: mail goes out before it ends.
    settings.SITE_URL_FROM_REQUEST = True
    body, group = report_and_read_mail(client, settings, "dev.example:8123", nullcontext)
    assert f"http://dev.example:8123{group.get_absolute_url()}" in body
    assert "127.0.0.1:8000" not in body


def test_with_site_url_links_use_it_whatever_the_request_host(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL_FROM_REQUEST = False
    settings.SITE_URL = "https://peers.example.org"
    body, group = report_and_read_mail(
        client,
        settings,
        "evil.example",
        lambda: django_capture_on_commit_callbacks(execute=True),
    )
    assert f"https://peers.example.org{group.get_absolute_url()}" in body
    assert "evil.example" not in body


def test_outside_a_request_links_use_site_url(settings):
    settings.SITE_URL_FROM_REQUEST = True
    assert site_url("/groups/") == settings.SITE_URL + "/groups/"


def test_view_on_site_in_the_admin_is_a_path_on_the_current_host(admin_client):
    group = make_support_group()
    html = admin_client.get(
        reverse("admin:groups_supportgroup_change", args=[group.pk])
    ).content.decode()
    assert f'href="{group.get_absolute_url()}" class="viewsitelink"' in html
