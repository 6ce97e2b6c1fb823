"""Request ids in log lines.

The request id lives in a context variable so every log record made while serving a request
(by this project, Django or a library) can carry it, without threading it through call sites.
"""

import contextvars
import logging
import re

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside a request) so formatters can print it."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


# Paths that carry a secret: a password-reset key, an email-confirmation key, an invitation
# token, a reminder link. Anyone who reads a log line with one could use it (a logged reset
# link, replayed, resets the password), so every log line is masked on its way out, whoever
# wrote it (our request line, Django's "Not Found: /…" warnings, gunicorn).
# tests/test_log_masking.py walks each one.
TOKEN_PATHS = [
    re.compile(r"(/accounts/password/reset/key/)[^/\s?\"']+"),
    re.compile(r"(/accounts/confirm-email/)[^/\s?\"']+"),
    re.compile(r"(/organizer/invitations/)[^/\s?\"']+"),
    # A freshness reminder's links act without logging in ("It has stopped" pauses the listing).
    re.compile(r"(/organizer/reminders/[a-z]+/)[^/\s?\"']+"),
]
MASK = "[hidden]"


def mask_tokens(text):
    for pattern in TOKEN_PATHS:
        text = pattern.sub(rf"\g<1>{MASK}", text)
    return text


class MaskTokensFilter(logging.Filter):
    """Rewrites the record's message with mask_tokens(); on every handler (settings.LOGGING)
    and on gunicorn's loggers (gunicorn.conf.py)."""

    def filter(self, record):
        message = record.getMessage()
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
