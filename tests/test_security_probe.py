"""What an outside probe of the production set-up found (gunicorn, DEBUG=0, PostgreSQL, behind a
simulated TLS proxy), each pinned here as a user or an attacker would notice it."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.handlers.wsgi import WSGIHandler
from django.core.mail.backends.base import BaseEmailBackend
from django.core.signals import request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import reverse

from groups import pagecache
from groups.models import Report
from groups.pagecache import HIT_HEADER
from tests.factories import make_meeting, make_region, make_support_group, make_type, make_user
from tests.posts import report_post, report_url

pytestmark = pytest.mark.django_db

SITE = "https://peers.example.org"


@pytest.fixture
def two_host_names(settings):
    """A deployment reachable under more than one name (an old domain, a www. alias)."""
    settings.SITE_URL = SITE
    settings.SITE_URL_FROM_REQUEST = False
    settings.ALLOWED_HOSTS = ["peers.example.org", "old-name.example.net"]


def links_in(message):
    return re.findall(r"https?://\S+", message.body)


# --- Mail links name the site, never the Host header ------------------------------------------


@pytest.mark.parametrize("host", ["peers.example.org:8443", "old-name.example.net"])
def test_a_password_reset_link_names_the_site_whatever_host_the_request_named(
    client, two_host_names, host
):
    # Before: the link followed the Host header, port included, so whoever asked for a reset
    # with another allowed name (or a port nobody serves) chose where the victim's key went.
    make_user(email="jo@example.org")
    response = client.post(
        reverse("account_reset_password"), {"email": "jo@example.org"}, HTTP_HOST=host
    )
    assert response.status_code == 302
    (link,) = links_in(mail.outbox[-1])
    assert link.startswith(f"{SITE}/accounts/password/reset/key/")


def test_a_sign_up_confirmation_link_names_the_site(client, two_host_names):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.organizer@example.org",
            "password1": "a sentence long enough to pass",
            "password2": "a sentence long enough to pass",
        },
        HTTP_HOST="old-name.example.net",
    )
    assert response.status_code == 302
    (link,) = links_in(mail.outbox[-1])
    assert link.startswith(f"{SITE}/accounts/confirm-email/")


def test_the_account_already_exists_mail_links_to_the_site(client, two_host_names):
    make_user(email="jo@example.org")
    client.post(
        reverse("account_signup"),
        {
            "email": "jo@example.org",
            "password1": "a sentence long enough to pass",
            "password2": "a sentence long enough to pass",
        },
        HTTP_HOST="peers.example.org:8443",
    )
    links = links_in(mail.outbox[-1])
    assert links
    assert all(link.startswith(f"{SITE}/") for link in links), links


# --- A line break in a listing's name cannot stop its mail ------------------------------------


def test_a_line_break_in_a_listing_name_does_not_stop_the_mail_about_it(
    client, django_capture_on_commit_callbacks
):
    # An organizer's form post (not a browser's text box) can carry CR/LF in the name. Before,
    # every mail whose subject named the listing failed (BadHeaderError) and was retried for
    # ever: reports never reached its organizers, nor the moderators.
    owner = make_user(email="jo@example.org")
    group = make_support_group(name="Leith\r\nBcc: someone@example.net", owners=[owner])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(report_url(group), report_post(), REMOTE_ADDR="203.0.113.41")
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.sent_at is not None, report.last_error
    (message,) = [m for m in mail.outbox if m.to == ["jo@example.org"]]
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "Leith Bcc: someone@example.net" in message.subject
    assert message.message()["Bcc"] is None


# --- HEAD is answered wherever GET is ----------------------------------------------------------


@pytest.fixture
def public_urls():
    region = make_region(name="Lothians", slug="lothians")
    group_type = make_type(name="Hearing voices", slug="hearing-voices")
    group = make_support_group(slug="leith-voices", region=region, types=[group_type])
    make_meeting(group)
    return [
        reverse("groups:home"),
        reverse("groups:list"),
        group.get_absolute_url(),
        reverse("groups:calendar", args=[group.slug]),
        reverse("groups:region", args=[region.slug]),
        reverse("groups:type", args=[group_type.slug]),
        reverse("about"),
        reverse("privacy"),
        reverse("contact"),
        reverse("robots_txt"),
        reverse("sitemap"),
    ]


def test_every_public_page_answers_head_as_it_answers_get(client, public_urls):
    # Link checkers, uptime monitors and caches ask with HEAD; HTTP requires it wherever GET works.
    for url in public_urls:
        assert client.get(url).status_code == 200, url
        head = client.head(url)
        assert head.status_code == 200, url
        assert head.content == b"", url


def test_the_sitemap_refuses_other_methods(client):
    for method in ("trace", "options", "post"):
        assert getattr(client, method)(reverse("sitemap")).status_code == 405


# --- Error pages carry the security headers ----------------------------------------------------


def test_the_too_large_page_carries_the_security_headers(client):
    group = make_support_group()
    response = client.post(
        report_url(group), {"details": "x" * (1024 * 1024 + 1)}, REMOTE_ADDR="203.0.113.42"
    )
    assert response.status_code == 413
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# --- Search words are never kept, not even inside the back link ------------------------------


@pytest.fixture
def _empty_page_cache():
    pagecache.clear()
    yield
    pagecache.clear()


def test_a_listing_page_with_search_words_in_its_back_link_is_not_kept(client, _empty_page_cache):
    # The page's "Back to results" link carries the search; the shared page cache is files on
    # disk, so a kept copy wrote what the visitor searched for to disk.
    group = make_support_group()
    url = group.get_absolute_url() + "?back=q%3Dwithdrawal%2Blithium%26page%3D2"
    first, second = client.get(url), client.get(url)
    assert "withdrawal" in second.content.decode()  # the back link still works
    assert HIT_HEADER not in first and HIT_HEADER not in second


def test_a_listing_page_with_only_filters_in_its_back_link_is_still_kept(client, _empty_page_cache):
    group = make_support_group()
    url = group.get_absolute_url() + "?back=attendance%3Donline"
    client.get(url)
    assert client.get(url)[HIT_HEADER] == "hit"


# --- Pages for a signed-in person are not stored, not even by their browser ------------------


@pytest.mark.parametrize("name", ["accounts:dashboard", "account_email", "groups:list"])
def test_pages_for_someone_signed_in_are_not_stored_anywhere(client, name):
    # `private` kept proxies out but let the browser keep the dashboard (with the organizer's
    # private phone and email) on disk: on a shared computer the next person could read it.
    client.force_login(make_user())
    cache_control = client.get(reverse(name))["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


def test_public_pages_for_anonymous_visitors_may_still_be_stored(client):
    assert "no-store" not in client.get(reverse("groups:list")).get("Cache-Control", "")


# --- allauth's mails go once the answer has gone -----------------------------------------------


class RefusingBackend(BaseEmailBackend):
    """An SMTP relay that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


def answer_without_closing(path, data, csrf_secret="s" * 32):
    """Django's WSGI handler answering one POST, as gunicorn calls it, before gunicorn's close()."""
    environ = RequestFactory().post(path, {**data, "csrfmiddlewaretoken": csrf_secret}).environ
    environ["HTTP_COOKIE"] = f"{settings.CSRF_COOKIE_NAME}={csrf_secret}"
    environ["REMOTE_ADDR"] = "203.0.113.43"
    # As Django's test client does: a request must not close the test's database connection.
    request_started.disconnect(close_old_connections)
    try:
        return WSGIHandler()(environ, lambda status, headers: None)
    finally:
        request_started.connect(close_old_connections)


def test_a_password_reset_is_answered_before_its_mail_is_sent(db):
    # Sent in the request, the answer took as long as the SMTP exchange for an address with an
    # account, and no time for one without: 300 ms against 8 ms through a relay 40 ms away.
    make_user(email="jo@example.org")
    response = answer_without_closing(
        reverse("account_reset_password"), {"email": "jo@example.org"}
    )
    assert response.status_code == 302
    assert mail.outbox == []  # the answer is ready; the mail has not been sent yet
    response.close()  # what gunicorn calls once the answer is written
    assert [m.to for m in mail.outbox] == [["jo@example.org"]]


def test_with_the_mail_relay_down_sign_up_and_reset_still_answer_calmly(client, settings, caplog):
    # Before: a 500 page, after the account had been created.
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    make_user(email="jo@example.org")
    signup = client.post(
        reverse("account_signup"),
        {
            "email": "new.organizer@example.org",
            "password1": "a sentence long enough to pass",
            "password2": "a sentence long enough to pass",
        },
    )
    assert signup.status_code == 302
    known = client.post(reverse("account_reset_password"), {"email": "jo@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert "Not sent: account/email/password_reset_key (ConnectionRefusedError)" in caplog.text
    assert "jo@example.org" not in caplog.text


# --- One account cannot flood the moderators ---------------------------------------------------


def new_listing_post(name, group_type):
    return {
        "version": "1",
        "name": name,
        "summary": "A peer support group",
        "kind": "meeting_group",
        "types": [group_type.pk],
        "attendance": "online",
        "status": "active",
        "meetings-TOTAL_FORMS": "0",
        "meetings-INITIAL_FORMS": "0",
        "meetings-MIN_NUM_FORMS": "0",
        "meetings-MAX_NUM_FORMS": "20",
    }


def test_one_account_cannot_flood_the_moderators_with_new_listings(client):
    # Each new listing mails every moderator; the probe sent 25 in a second from one account.
    from accounts.views import NEW_LISTINGS_PER_ACCOUNT_PER_DAY as LIMIT
    from groups.models import SupportGroup

    group_type = make_type()
    client.force_login(make_user())
    url = reverse("accounts:new_group")
    for n in range(LIMIT):
        assert client.post(url, new_listing_post(f"Listing {n}", group_type)).status_code == 302
    refused = client.post(url, new_listing_post("One too many", group_type))
    assert refused.status_code == 429
    assert "as many of these as we allow in a day" in refused.content.decode()
    assert 'value="One too many"' in refused.content.decode()  # what they typed is kept
    assert SupportGroup.objects.count() == LIMIT

    client.force_login(make_user())  # someone else is not held back
    assert client.post(url, new_listing_post("Another person's", group_type)).status_code == 302


def test_one_account_cannot_flood_the_moderators_with_claims(client):
    from accounts.models import Claim
    from accounts.views import CLAIMS_PER_ACCOUNT_PER_DAY as LIMIT

    groups = [make_support_group() for _ in range(LIMIT + 1)]
    client.force_login(make_user())
    claim = {"role": "Facilitator", "evidence": "Ask the centre manager"}
    for group in groups[:LIMIT]:
        response = client.post(reverse("accounts:claim", args=[group.slug]), claim)
        assert response.status_code == 302
    refused = client.post(reverse("accounts:claim", args=[groups[-1].slug]), claim)
    assert refused.status_code == 429
    assert "as many of these as we allow in a day" in refused.content.decode()
    assert Claim.objects.count() == LIMIT


# --- Whether a page was kept is not said in production -----------------------------------------


def test_production_does_not_say_whether_someone_opened_a_page_in_the_last_minute(
    client, settings, production_settings, _empty_page_cache
):
    # `X-Page-Cache: hit` on a listing's page told an observer that someone had looked at that
    # listing in the last minute.
    assert production_settings["PAGE_CACHE_HEADER"] is False
    settings.PAGE_CACHE_HEADER = production_settings["PAGE_CACHE_HEADER"]
    url = make_support_group().get_absolute_url()
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content  # still kept and served
    assert HIT_HEADER not in first and HIT_HEADER not in second


# --- An over-long web address gets the site's page, with its headers ---------------------------


def test_an_over_long_address_gets_the_sites_414_page_with_the_security_headers(client):
    # gunicorn refused request lines past 4094 bytes itself, with a bare page and no security
    # headers; the proxy in front lets 8 KB through. gunicorn now takes as much, and the site
    # refuses the address (.ci/checks/gunicorn_smoke.sh checks the same through gunicorn).
    response = client.get("/groups/", {"q": "withdrawal " * 400})
    assert response.status_code == 414
    html = response.content.decode()
    assert "That web address is too long" in html
    assert "withdrawal" not in html
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    # The longest addresses the site makes still open.
    assert client.get("/groups/", {"q": "w" * 200, "back": "q%3D" + "w" * 600}).status_code == 200


def test_gunicorn_takes_a_request_line_as_long_as_the_proxy_lets_through():
    import runpy
    from pathlib import Path

    from peerdir.middleware import RequestSizeMiddleware

    config = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert config["limit_request_line"] == 8190  # gunicorn's maximum; nginx's buffer is 8 KB
    assert RequestSizeMiddleware.URI_LIMIT < 4094 < config["limit_request_line"]
