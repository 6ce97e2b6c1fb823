"""The signed links in a freshness reminder: "Still meeting", "Update it", "It has stopped".

Each link is for one purpose only (its salt names the action), expires after LINK_VALID, and
works without logging in. It carries the reminder's id, its listing's and the id of the
organizer it was mailed to, nothing else: a link is that person's, and acts only while they
still look after the listing (an active account that owns it) and the listing is still in the
directory. Someone who left or was removed, whose account was closed or deleted, or a listing
since taken out of the directory: the link no longer works (LinkNoLongerValid), however fresh.
Which listings are asked and when is in accounts/freshness.py; what the mail says, in
accounts/emails.py; what an answer does, in accounts.services.answer_reminder.
"""

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from accounts.models import FreshnessReminder
from groups.models import Ownership, SupportGroup
from peerdir.siteurl import site_url

LINK_VALID = dt.timedelta(days=30)
ACTIONS = ("confirm", "update", "stopped")


class LinkInvalid(Exception):
    """Tampered with, for another action, or unknown."""


class LinkExpired(Exception):
    pass


class LinkNoLongerValid(Exception):
    """Genuine, but its organizer no longer looks after the listing, or the listing left the
    directory. Also a link made before links named their organizer (2026-12-01): nobody can
    tell whom it was sent to, so it cannot act for them."""


@dataclass(frozen=True)
class Link:
    reminder: FreshnessReminder
    user: object  # the organizer it was mailed to


def _salt(action):
    # Named after the module these links were first made in.
    return f"peerdir.freshness.{action}"


def make_token(reminder, action, user):
    if action not in ACTIONS:
        raise ValueError(action)
    return signing.dumps(
        {"r": reminder.pk, "g": reminder.group_id, "u": user.pk}, salt=_salt(action)
    )


def read_token(action, token):
    """The reminder a link was made for, and its organizer. Raises LinkInvalid, LinkExpired
    or LinkNoLongerValid."""
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
    ownership = (
        Ownership.objects.select_related("user")
        .filter(group_id=reminder.group_id, user_id=data.get("u"), user__is_active=True)
        .first()
    )
    if ownership is None or reminder.group.moderation != SupportGroup.Moderation.PUBLISHED:
        raise LinkNoLongerValid
    return Link(reminder, ownership.user)


def links(reminder, user):
    """The three links of the mail to `user`, one of the listing's organizers."""
    return {
        action: site_url(
            reverse("accounts:reminder", args=[action, make_token(reminder, action, user)])
        )
        for action in ACTIONS
    }
