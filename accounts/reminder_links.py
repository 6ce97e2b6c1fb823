"""The signed links in a freshness reminder: "Still meeting", "Update it", "It has stopped".

Each link is for one purpose only (its salt names the action), expires after LINK_VALID, and
works without logging in. It carries the reminder's id and its listing's, nothing else.
Which listings are asked and when is in accounts/freshness.py; what the mail says, in
accounts/emails.py; what an answer does, in accounts.services.answer_reminder.
"""

import datetime as dt

from django.core import signing
from django.urls import reverse

from accounts.models import FreshnessReminder
from peerdir.siteurl import site_url

LINK_VALID = dt.timedelta(days=30)
ACTIONS = ("confirm", "update", "stopped")


class LinkInvalid(Exception):
    """Tampered with, for another action, or unknown."""


class LinkExpired(Exception):
    pass


def _salt(action):
    # Named after the module these links were first made in: links already in organizers'
    # mailboxes keep working.
    return f"peerdir.freshness.{action}"


def make_token(reminder, action):
    if action not in ACTIONS:
        raise ValueError(action)
    return signing.dumps({"r": reminder.pk, "g": reminder.group_id}, salt=_salt(action))


def read_token(action, token):
    """The reminder a link was made for. Raises LinkInvalid or LinkExpired."""
    if action not in ACTIONS or len(token) > 300:
        raise LinkInvalid
    try:
        data = signing.loads(token, salt=_salt(action), max_age=LINK_VALID)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None
    reminder = (
        FreshnessReminder.objects.select_related("group")
        .filter(pk=data.get("r"), group_id=data.get("g"))
        .first()
    )
    if reminder is None:
        raise LinkInvalid
    return reminder


def links(reminder):
    return {
        action: site_url(reverse("accounts:reminder", args=[action, make_token(reminder, action)]))
        for action in ACTIONS
    }
