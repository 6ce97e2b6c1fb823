"""What production visitors get whatever page they hit: security headers, calm error pages,
a request id, and a request log that never holds what they searched for."""

import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpResponse
from django.template.loader import get_template
from django.test import Client
from django.urls import include, path

from peerdir.logging import request_id_var

ROOT = Path(__file__).resolve().parent.parent


def boom(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("malformed")


def show_request_id(request):
    return HttpResponse(request_id_var.get())


# A URLconf with views that fail on purpose, in front of the real site.
urlpatterns = [
    path("test-boom/", boom),
    path("test-forbidden/", forbidden),
    path("test-suspicious/", suspicious),
    path("test-request-id/", show_request_id),
    path("", include("peerdir.urls")),
]

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "interest-cohort=()"):
        assert feature in permissions


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return settings


def test_home_page_carries_every_security_header(client):
    assert_security_headers(client.get("/"))


def test_https_pages_carry_a_year_of_hsts(client, production):
    production.SECURE_HSTS_SECONDS = 31536000
    production.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=31536000" in response["Strict-Transport-Security"]


def test_missing_page_shows_search_box_and_crisis_link(client, production):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find that page" in html
    assert 'role="search"' in html
    assert 'action="/groups/"' in html
    assert 'href="/help-now/"' in html
    assert_security_headers(response)


def test_missing_group_shows_the_friendly_404(client, production):
    response = client.get("/groups/no-such-group/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_server_error_page_renders_standalone_without_context_or_database():
    html = get_template("500.html").render({})
    assert "Something went wrong on our side" in html
    assert 'action="/groups/"' in html and 'name="q"' in html
    assert 'href="/help-now/"' in html
    assert "116 123" in html
    assert "{%" not in html and "{{" not in html


@pytest.mark.urls("tests.test_production")
def test_a_crashing_view_shows_the_calm_500_page_with_headers(production):
    client = Client(raise_request_exception=False)
    response = client.get("/test-boom/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert_security_headers(response)
    assert response["X-Request-ID"]


@pytest.mark.urls("tests.test_production")
def test_forbidden_page_is_the_site_page(client, production):
    response = client.get("/test-forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You cannot open this page" in html
    assert 'role="search"' in html


@pytest.mark.urls("tests.test_production")
def test_bad_request_page_is_the_site_page(client, production):
    response = client.get("/test-suspicious/")
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.content.decode()


def test_expired_form_explains_that_nothing_was_sent(production):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This form has expired" in html
    assert "Nothing was sent" in html
    assert 'role="search"' in html


def test_every_response_gets_a_request_id(client):
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_safe_incoming_request_id_is_kept(client):
    response = client.get("/", headers={"X-Request-ID": "lb-1234abcd-5678"})
    assert response["X-Request-ID"] == "lb-1234abcd-5678"


@pytest.mark.parametrize(
    "incoming",
    ["short", "has spaces in it", "evil\\nFAKE LOG LINE", "x" * 129, "<script>alert(1)</script>"],
)
def test_an_unsafe_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.urls("tests.test_production")
def test_log_lines_made_during_a_request_carry_its_id(client):
    response = client.get("/test-request-id/")
    assert response.content.decode() == response["X-Request-ID"]
    assert request_id_var.get() == "-"  # reset once the request is over


def test_request_log_has_path_status_and_duration_but_not_the_search(client, caplog):
    with caplog.at_level(logging.INFO, logger="peerdir.request"):
        response = client.get("/groups/?q=my+private+worry&type=hearing-voices")
    lines = [r.getMessage() for r in caplog.records if r.name == "peerdir.request"]
    assert len(lines) == 1
    method, path_, status, duration = lines[0].split()
    assert (method, path_, status) == ("GET", "/groups/", str(response.status_code))
    assert duration.endswith("ms")
    assert "private" not in caplog.text and "worry" not in caplog.text
    assert "hearing-voices" not in caplog.text


def test_a_line_break_in_the_path_cannot_forge_a_request_log_line(client, caplog):
    # The probe asked for /groups/x%0A<a whole fake line>/ and the log showed two lines.
    forged = "2026-12-01 17:00:00,000 INFO peerdir.request [forged] GET /admin/ 200 1.0ms"
    with caplog.at_level(logging.INFO, logger="peerdir.request"):
        response = client.get("/groups/x%0A" + forged.replace(" ", "%20") + "/")
    assert response.status_code == 404
    (line,) = [r.getMessage() for r in caplog.records if r.name == "peerdir.request"]
    assert "\n" not in line and "\r" not in line and "\x00" not in line
    assert line.startswith("GET /groups/x%0A2026-12-01%2017:00:00,000%20INFO")
    assert line.endswith(" 404 " + line.rsplit(" ", 1)[-1])


def test_static_files_collect_with_debug_off(tmp_path):
    """Manifest storage fails on a CSS url() to a missing file: find out here, not at deploy."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="build",
        STATIC_ROOT=str(tmp_path / "static"),
        VAR_DIR=str(tmp_path / "var"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    hashed = [p.name for p in (tmp_path / "static" / "css").glob("site.*.css")]
    assert len(hashed) == 1, hashed
    assert (tmp_path / "static" / "css" / f"{hashed[0]}.gz").exists()
    assert (tmp_path / "static" / "css" / f"{hashed[0]}.br").exists()
    # The manifest (every static file's name) sits beside the served folder, not in it.
    assert not (tmp_path / "static" / "staticfiles.json").exists()
    assert (tmp_path / "static-manifest" / "staticfiles.json").exists()
    from django.test import RequestFactory, override_settings
    from whitenoise.middleware import WhiteNoiseMiddleware

    with override_settings(STATIC_ROOT=str(tmp_path / "static")):
        served = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    rf = RequestFactory()
    assert served(rf.get(f"/static/css/{hashed[0]}")).status_code == 200
    assert served(rf.get("/static/staticfiles.json")).status_code == 404


def csp_violations(page):
    """Collects the console errors Chromium prints when the Content-Security-Policy blocks something."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_public_pages_break_no_rule_of_the_content_security_policy(live_server, page):
    """Follows the site's own links from the main pages, whoever built them, and fails on any
    inline script, style attribute or third-party request the policy blocks."""
    from tests.factories import make_support_group

    group = make_support_group(name="Hearing Voices Tuesday")
    violations = csp_violations(page)
    start = ["/", "/groups/", f"/groups/{group.slug}/", "/help-now/", "/no-such-page/"]
    start += ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
    seen, queue = set(), list(start)
    while queue and len(seen) < 40:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if url.split("?")[0].endswith((".ics", ".json", ".xml", ".csv", ".txt")):
            continue  # feeds and downloads: no page to check
        page.goto(live_server.url + url)
        for href in page.eval_on_selector_all(
            "a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
        ):
            href = href.split("#")[0]
            if href and not href.startswith(("/admin/", "/static/", "/accounts/logout")):
                queue.append(href)
    assert len(seen) >= len(start), seen
    assert violations == [], violations


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_moderators_can_use_the_admin_under_the_content_security_policy(live_server, page):
    from tests.factories import make_superuser, make_support_group

    make_superuser(email="mod@example.org", password="correct horse battery staple")
    group = make_support_group(name="Alternatives to Suicide Leeds")
    violations = csp_violations(page)

    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Email").fill("mod@example.org")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/admin/")
    page.goto(live_server.url + "/admin/groups/supportgroup/")
    assert page.get_by_role("link", name="Alternatives to Suicide Leeds").is_visible()
    # The admin's own JavaScript runs under script-src 'self': the "select all" box works
    # and the date widget adds its "Today" shortcut.
    page.locator("#action-toggle").check()
    assert page.locator("input.action-select").first.is_checked()
    page.goto(live_server.url + f"/admin/groups/supportgroup/{group.pk}/change/")
    assert page.get_by_role("link", name="Today").first.is_visible()
    page.goto(live_server.url + "/admin/groups/supportgroup/add/")
    page.locator("#id_name").press_sequentially("A new group")
    assert page.locator("#id_slug").input_value() == "a-new-group"  # prepopulated by admin JS
    assert violations == []
