"""/healthz: what Docker, the load balancer and uptime checks poll."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_health_check_answers_ok_after_a_database_round_trip(client, django_assert_num_queries):
    # One query: SELECT 1.
    with django_assert_num_queries(1):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content.decode().strip() == "ok"
    assert response["Content-Type"].startswith("text/plain")


def test_health_check_is_never_cached(client):
    response = client.get("/healthz")
    assert "no-store" in response["Cache-Control"]


def test_health_check_answers_503_when_the_database_is_unreachable(client):
    broken = mock.Mock()
    broken.cursor.side_effect = OperationalError("connection refused")
    with mock.patch("peerdir.health.connection", broken):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "database unavailable" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_health_check_answers_503_when_the_query_fails_mid_way(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_health_check_answers_head_but_refuses_posts(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_health_check_is_served_over_plain_http_while_pages_redirect_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # as production sets it
    assert client.get("/healthz").status_code == 200
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"


def test_pages_forwarded_as_https_by_the_proxy_are_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
