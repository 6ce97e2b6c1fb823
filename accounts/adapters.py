"""django-allauth, adapted: our client address, our rate limits (groups.ratelimit), links in its
mails on the site's own address, its mails sent once the answer has gone, and a sign-up that
takes as long for a known address as for a new one."""

import logging
import threading
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.auth.hashers import make_password
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.crypto import get_random_string

from groups import ratelimit
from peerdir.siteurl import site_url

logger = logging.getLogger(__name__)

# Mail allauth sends to one address (confirmations, resets, "you already have an account"):
# enough for a person retrying, too few to flood someone's inbox.
MAILS_PER_ADDRESS = 5
MAIL_PERIOD = 60 * 60


def on_site(url):
    """`url`'s path on the site's own address (peerdir.siteurl), like every other link we mail.

    allauth builds its links from the request's Host header: any name in ALLOWED_HOSTS, with any
    port. Whoever asked for a reset could then choose where the victim's reset key is sent."""
    parts = urlsplit(url)
    return site_url(parts.path + (f"?{parts.query}" if parts.query else ""))


# allauth's mails of the request this thread is answering, sent when it has been answered.
_after_answer = threading.local()


def _send(template_prefix, message):
    try:
        message.send()
    except Exception as exc:  # SMTP down or refusing: the person can ask again; never a 500
        logger.warning("Not sent: %s (%s)", template_prefix, type(exc).__name__)


def send_after_answer(**kwargs):
    """request_finished (accounts/apps.py): the answer has been written, now send its mails.

    Sent during the request, a password reset took as long as the SMTP exchange for an address
    with an account and no time for one without (300 ms against 8 ms through a relay 40 ms
    away): that told anyone who is an organizer here. And an SMTP failure was a 500 page, after
    the account had been created."""
    pending, _after_answer.mails = getattr(_after_answer, "mails", []), []
    for template_prefix, message in pending:
        _send(template_prefix, message)


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        # The same address our limits use, behind the same TRUSTED_PROXY_COUNT proxies.
        ip = ratelimit.client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def authenticate(self, request, **credentials):
        """Every password allauth checks (login, reauthentication) is counted first."""
        login = credentials.get("email") or credentials.get("username") or ""
        attempt = ratelimit.login_attempt(request, login)
        if attempt is None:
            raise self.validation_error("too_many_login_attempts")
        user = super().authenticate(request, **credentials)
        if user is not None:
            attempt.succeeded()
        return user

    def get_reset_password_from_key_url(self, key):
        return on_site(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation):
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def send_account_already_exists_mail(self, email):
        # A new account hashes its password; without the same work here the fast answer would
        # tell who has an account (45 ms against 793 ms before).
        make_password(get_random_string(32))
        # allauth's own version builds these two links from the Host header (see on_site).
        context = {
            "signup_url": site_url(reverse("account_signup")),
            "password_reset_url": site_url(reverse("account_reset_password")),
        }
        self.send_mail("account/email/account_already_exists", email, context)

    def send_mail(self, template_prefix, email, context):
        who = ratelimit.account_hash(email)
        if ratelimit.consume("mail-to", who, MAILS_PER_ADDRESS, MAIL_PERIOD) is None:
            logger.warning(
                "Not sent: %s (too many mails to one address this hour)", template_prefix
            )
            return
        request = allauth_context.request
        # What allauth's own send_mail puts in every mail's context.
        context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        message = self.render_mail(template_prefix, email, context)
        if request is None:  # outside a request (a management command): nothing to wait for
            _send(template_prefix, message)
        else:
            _after_answer.mails = [*getattr(_after_answer, "mails", []), (template_prefix, message)]
