"""Listings that stay current by themselves: reminders to organizers, and a queue for the rest.

Six months after a listing was last confirmed, its organizers get a mail with three signed links:
"Still meeting, nothing changed", "Update it", "It has stopped". Each link is for one purpose only
(its salt names the action), expires, and works without logging in (except the edit form, which
needs the organizer's account anyway). The links open a page with one button; nothing changes
on GET, so mail scanners that fetch links change nothing. No answer after two weeks: a second
reminder. No answer to that, or nobody to ask: the listing joins the moderators' stale queue.
The public "may be out of date" warning stays at 12 months (SupportGroup.STALE_AFTER).
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import FreshnessReminder
from groups.models import Ownership, SupportGroup
from peerdir.siteurl import site_url

REMIND_AFTER = dt.timedelta(days=182)  # about six months since the last confirmation
SECOND_AFTER = dt.timedelta(days=14)
LINK_VALID = dt.timedelta(days=30)
ACTIONS = ("confirm", "update", "stopped")
# Listings that can still be met: paused and closed ones are not asked.
ASKED_STATUSES = (
    SupportGroup.Status.ACTIVE,
    SupportGroup.Status.UNCONFIRMED,
    SupportGroup.Status.FORMING,
)


class LinkInvalid(Exception):
    """Tampered with, for another action, or unknown."""


class LinkExpired(Exception):
    pass


def _salt(action):
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


def reminder_messages(reminder, addresses):
    """One mail per organizer (they never see each other's addresses)."""
    group = reminder.group
    context = {
        "group": group,
        "meetings": [m.describe() for m in group.meetings.all()],
        "links": links(reminder),
        "second": reminder.number > 1,
        "valid_days": LINK_VALID.days,
        "group_url": site_url(group.get_absolute_url()),
        "SITE_NAME": settings.SITE_NAME,
    }
    subject = render_to_string("accounts/email/freshness_reminder_subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    body = render_to_string("accounts/email/freshness_reminder_body.txt", context)
    return [EmailMessage(subject, body, to=[address]) for address in addresses]


# Who is due ----------------------------------------------------------------------------------


def _unconfirmed(today):
    cutoff = today - REMIND_AFTER
    return (
        SupportGroup.objects.published()
        .filter(status__in=ASKED_STATUSES)
        .filter(Q(last_confirmed__lt=cutoff) | Q(last_confirmed__isnull=True))
    )


def _reminders_since_confirmed(**filters):
    """Reminders of the listing's current round: sent after it was last confirmed."""
    return FreshnessReminder.objects.filter(group=OuterRef("pk"), **filters).filter(
        Q(created_at__date__gte=OuterRef("last_confirmed")) | Q(group__last_confirmed__isnull=True)
    )


def _owned():
    return Exists(Ownership.objects.filter(group=OuterRef("pk")))


def needing_moderators(today=None, now=None):
    """The stale queue: unconfirmed for six months, and nobody to ask or nobody answered."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    unanswered = Exists(
        _reminders_since_confirmed(
            number=2, answered_at__isnull=True, created_at__lte=now - SECOND_AFTER
        )
    )
    return _unconfirmed(today).filter(~_owned() | unanswered)


def send_due(now=None):
    """Create and mail the reminders due now. Returns (first, second, failed) counts."""
    from groups import mail

    now = now or timezone.now()
    today = timezone.localdate(now)
    owned = _unconfirmed(today).filter(_owned())
    first_due = owned.filter(~Exists(_reminders_since_confirmed()))
    second_due = owned.filter(
        Exists(_reminders_since_confirmed(number=1, created_at__lte=now - SECOND_AFTER)),
        ~Exists(_reminders_since_confirmed(number=2)),
        ~Exists(_reminders_since_confirmed(answered_at__isnull=False)),
    )
    counts = {1: 0, 2: 0}
    failed = 0
    for number, queryset in ((1, first_due), (2, second_due)):
        for group in queryset.order_by("pk").iterator(chunk_size=200):
            reminder = FreshnessReminder.objects.create(group=group, number=number, created_at=now)
            counts[number] += 1
            if mail.deliver(reminder) is False:
                failed += 1  # recorded on the row; send_pending_mail tries again
    return counts[1], counts[2], failed


# Answers -------------------------------------------------------------------------------------


def answer(reminder, action):
    """Carry out a reminder link's action (POST). Returns False when it was already done."""
    from accounts import services

    with transaction.atomic():
        reminder = FreshnessReminder.objects.select_for_update().get(pk=reminder.pk)
        if reminder.answered_at is not None:
            return False
        if action == "confirm":
            services.confirm_still_meeting(reminder.group)
        elif action == "stopped":
            services.mark_stopped(reminder.group)
        else:
            raise ValueError(action)
        # Every reminder of this round is answered, the first one included.
        FreshnessReminder.objects.filter(group=reminder.group, answered_at__isnull=True).update(
            answered_at=timezone.now(), answer=action
        )
    return True
