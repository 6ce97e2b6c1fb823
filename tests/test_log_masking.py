"""Secrets in URLs (password-reset keys, email-confirmation keys, invitation tokens, reminder
links) never reach a log line: ours, Django's or gunicorn's."""

import importlib.util
import io
import logging
from pathlib import Path

import pytest
from django.urls import reverse

from peerdir.logging import MASK, MaskTokensFilter, mask_tokens
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SECRET = "Zq9secretTOKENvalue42"

TOKEN_URLS = {
    "password reset": lambda: reverse(
        "account_reset_password_from_key", kwargs={"uidb36": "4", "key": f"c1a2-{SECRET}"}
    ),
    "email confirmation": lambda: reverse("account_confirm_email", args=[f"MQ:{SECRET}"]),
    "invitation": lambda: reverse("accounts:accept_invitation", args=[SECRET]),
    # Acts without logging in, for 30 days: a logged one could pause the listing.
    "freshness reminder": lambda: reverse("accounts:reminder", args=["stopped", SECRET]),
}


@pytest.fixture
def log_output(monkeypatch):
    """What the console handler configured in settings.LOGGING writes."""
    (console,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    monkeypatch.setattr(console, "stream", stream)
    return stream


@pytest.mark.parametrize("name", TOKEN_URLS)
def test_token_urls_are_logged_with_the_token_masked(client, log_output, name):
    url = TOKEN_URLS[name]()
    assert SECRET in url
    client.force_login(make_user())
    client.get(url)
    client.post(url, {})
    written = log_output.getvalue()
    assert "peerdir.request" in written  # the request line was written...
    assert SECRET not in written  # ...without the secret
    assert MASK in written


def test_djangos_not_found_warning_is_masked_too(client, log_output):
    client.get(f"/accounts/confirm-email/{SECRET}/nope/")
    written = log_output.getvalue()
    assert "Not Found" in written
    assert SECRET not in written


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        (f"/accounts/password/reset/key/4-{SECRET}/", f"/accounts/password/reset/key/{MASK}/"),
        (f"/accounts/confirm-email/{SECRET}/", f"/accounts/confirm-email/{MASK}/"),
        (f"/organizer/invitations/{SECRET}/", f"/organizer/invitations/{MASK}/"),
        ("/groups/leith-voices/", "/groups/leith-voices/"),
    ],
)
def test_mask_tokens(path, masked):
    assert mask_tokens(f"GET {path} 200") == f"GET {masked} 200"


def test_gunicorn_logs_are_masked():
    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf", Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
    )
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)

    class Log:
        error_log = logging.getLogger("test.gunicorn.error")
        access_log = logging.getLogger("test.gunicorn.access")

    class Server:
        log = Log()

    conf.on_starting(Server())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    Log.error_log.addHandler(handler)
    Log.error_log.propagate = False
    Log.error_log.error(
        "Invalid request from %s: GET /organizer/invitations/%s/", "1.2.3.4", SECRET
    )
    assert SECRET not in stream.getvalue()
    assert MaskTokensFilter in {type(f) for f in Log.access_log.filters}
