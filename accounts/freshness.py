"""Listings that stay current by themselves: reminders to organizers, and a queue for the rest.

Six months after a listing was last confirmed, its organizers get a mail with three signed links:
"Still meeting, nothing changed", "Update it", "It has stopped". Each link is for one purpose only
(its salt names the action), expires, and works without logging in (except the edit form, which
needs the organizer's account anyway). The links open a page with one button; nothing changes
on GET, so mail scanners that fetch links change nothing. No answer after two weeks: a second
reminder. No answer to that, or nobody to ask: the listing joins the moderators' stale queue.
The public "may be out of date" warning stays at 12 months (SupportGroup.STALE_AFTER).

This module decides who is asked and when, and sends through groups.mail. The links are made and
read in accounts/reminder_links.py, the mail's text in accounts/emails.py; an answer is
accounts.services.answer_reminder.
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import FreshnessReminder
from groups import mail
from groups.models import Ownership, SupportGroup

REMIND_AFTER = dt.timedelta(days=182)  # about six months since the last confirmation
SECOND_AFTER = dt.timedelta(days=14)
# Listings that can still be met: paused and closed ones are not asked.
ASKED_STATUSES = (
    SupportGroup.Status.ACTIVE,
    SupportGroup.Status.UNCONFIRMED,
    SupportGroup.Status.FORMING,
)


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
    now = now or timezone.now()
    today = today or timezone.localdate(now)  # the same day as `now`, as send_due reads it
    unanswered = Exists(
        _reminders_since_confirmed(
            number=2, answered_at__isnull=True, created_at__lte=now - SECOND_AFTER
        )
    )
    return _unconfirmed(today).filter(~_owned() | unanswered)


def send_due(now=None):
    """Create and mail the reminders due now. Returns (first, second, failed) counts."""
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
