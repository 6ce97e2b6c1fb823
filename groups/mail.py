"""Email for visitors' reports and relayed messages, moderators' notices, freshness reminders,
claim decisions, co-organizer invitations and moderators' decisions on listings: one policy for
all of them.

Rows are saved first; these functions send after the transaction commits. A failure is recorded
on the row (send_attempts, last_error) and `manage.py send_pending_mail` retries it later, so a
mail outage loses nothing. A sender first takes the row (sending_since), so no row is sent twice.
Log lines name rows by id, never by email address or content.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import emails as account_emails
from accounts.models import Claim, FreshnessReminder, Invitation, ModeratorNotice
from groups.models import ContactMessage, OwnerNotice, Report
from peerdir.siteurl import site_url

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20
FRESH = timezone.timedelta(minutes=1)
# A sender that took a row and died (killed mid-send) holds it this long, far past any send's
# EMAIL_TIMEOUT; then the next retry takes it.
LEASE = timezone.timedelta(minutes=15)
ERROR_LENGTH = 300


def _subject(text):
    # One line whatever a listing's name holds: a CR/LF posted into a name made Django refuse
    # every mail about that listing (BadHeaderError), reports and moderators' notices alike.
    return f"[{settings.SITE_NAME}] {' '.join(text.split())}"


def _active_owners(group):
    return group.owners.filter(is_active=True).order_by("pk")


def _owner_addresses(group):
    return list(_active_owners(group).values_list("email", flat=True))


def report_messages(report):
    """The emails the report's current state calls for (none is a valid answer)."""
    group = report.group
    context = {
        "report": report,
        "group": group,
        "group_url": site_url(group.get_absolute_url()),
        "site_name": settings.SITE_NAME,
    }
    if report.status == Report.Status.OPEN:
        subject = _subject(_("A visitor reported a problem with “%(group)s”") % {"group": group})
        body = render_to_string("groups/report_email_owner.txt", context)
        # One email per owner: owners never see each other's addresses.
        return [EmailMessage(subject, body, to=[address]) for address in _owner_addresses(group)]
    if report.reporter_email:
        subject = _subject(_("Your report about “%(group)s”") % {"group": group})
        body = render_to_string("groups/report_email_followup.txt", context)
        return [EmailMessage(subject, body, to=[report.reporter_email])]
    return []


def contact_messages(message):
    group = message.group
    context = {
        "message": message,
        "group": group,
        "group_url": site_url(group.get_absolute_url()),
        "site_name": settings.SITE_NAME,
    }
    subject = _subject(_("A message about “%(group)s”") % {"group": group})
    body = render_to_string("groups/contact_email.txt", context)
    reply_to = [message.reply_to] if message.reply_to else None
    return [
        EmailMessage(subject, body, to=[address], reply_to=reply_to)
        for address in _owner_addresses(group)
    ]


def moderator_addresses():
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(
        groups__name="Moderators", is_active=True, is_staff=True
    )
    return sorted(set(users.values_list("email", flat=True)))


def _notice_line(notice):
    return {
        "kind": notice.get_kind_display(),
        "group": notice.group.name,
        "url": site_url(notice.admin_path()),
        "created_at": notice.created_at,
    }


def _moderator_messages(notices, subject, digest=False):
    """One mail per moderator listing `notices`: a single new item, or the daily digest."""
    context = {
        "notices": [_notice_line(n) for n in notices],
        "queue_url": site_url(reverse("admin:moderation_queue")),
        "site_name": settings.SITE_NAME,
        "digest": digest,
    }
    body = render_to_string("accounts/email/moderator_notice.txt", context)
    return [EmailMessage(subject, body, to=[address]) for address in moderator_addresses()]


def notice_messages(notice):
    """One mail per moderator about one new piece of work."""
    subject = _subject(
        _("%(kind)s: “%(group)s”") % {"kind": notice.get_kind_display(), "group": notice.group}
    )
    return _moderator_messages([notice], subject)


def _organizers(group):
    """Who hears a moderator's decision on a listing: its active owners and its submitter."""
    from django.contrib.auth import get_user_model

    who = Q(owned_groups=group)
    if group.submitted_by_id:
        who |= Q(pk=group.submitted_by_id)
    return get_user_model().objects.filter(who, is_active=True)


def owner_notice_messages(notice):
    """The decision, one mail per organizer (they never see each other's addresses)."""
    group = notice.group
    context = {
        "group": group,
        "group_url": site_url(group.get_absolute_url()),
        "site_name": settings.SITE_NAME,
        "reason": notice.reason,
    }
    subjects = {
        OwnerNotice.Decision.PUBLISHED: _("“%(group)s” is now in the directory"),
        OwnerNotice.Decision.ARCHIVED: _("“%(group)s” has been taken out of the directory"),
    }
    subject = _subject(subjects[notice.decision] % {"group": group})
    body = render_to_string(f"groups/moderation_{notice.decision}_email.txt", context)
    addresses = sorted(set(_organizers(group).values_list("email", flat=True)))
    return [EmailMessage(subject, body, to=[address]) for address in addresses]


def reminder_messages(reminder):
    return account_emails.reminder_messages(reminder, _active_owners(reminder.group))


BUILDERS = {
    Report: report_messages,
    ContactMessage: contact_messages,
    ModeratorNotice: notice_messages,
    FreshnessReminder: reminder_messages,
    Claim: account_emails.claim_messages,
    Invitation: account_emails.invitation_messages,
    OwnerNotice: owner_notice_messages,
}


def _unheld(now):
    return Q(sending_since__isnull=True) | Q(sending_since__lt=now - LEASE)


def _take(rows):
    """Take the unsent `rows` for this sender; returns the hold, or None when none was free.

    One conditional UPDATE, atomic on PostgreSQL and SQLite alike: of two senders (the request
    and a cron run, or two cron runs) exactly one matches a row. The time it returns is the
    sender's hold on its rows: the outcome is recorded only while it still holds them.
    """
    now = timezone.now()
    taken = rows.filter(_unheld(now), sent_at__isnull=True).update(sending_since=now)
    return now if taken else None


def _send(mine, build, sent_at=None):
    """Send the emails `build()` makes and record the outcome on `mine`, the rows this sender
    holds: the one place a send succeeds or fails. Returns (sent_at, "") or (None, error)."""
    try:
        emails = build()
        if emails:
            with get_connection() as connection:
                connection.send_messages(emails)
    except Exception as exc:  # any backend error: record it and let the retry command try again
        error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
        mine.update(send_attempts=F("send_attempts") + 1, last_error=error, sending_since=None)
        return None, error
    sent_at = sent_at or timezone.now()
    mine.update(
        sent_at=sent_at, send_attempts=F("send_attempts") + 1, last_error="", sending_since=None
    )
    return sent_at, ""


def deliver(obj):
    """Send what the mailed row `obj` calls for; record the outcome on the row.

    Returns True when sent (or nothing needed sending), False when it failed (recorded; a retry
    will try again), None when there was nothing to do: already sent, or another sender has it.
    On a failure midway, a retry sends all of the row's emails again: a duplicate is better than
    a lost message.
    """
    model = type(obj)
    held = _take(model.objects.filter(pk=obj.pk))
    if held is None:
        return None
    sent_at, error = _send(
        model.objects.filter(pk=obj.pk, sending_since=held), lambda: BUILDERS[model](obj)
    )
    obj.send_attempts += 1
    obj.sent_at, obj.last_error = sent_at, error
    if error:
        log.warning("mail for %s %s failed (attempt %s)", model.__name__, obj.pk, obj.send_attempts)
        return False
    return True


def deliver_on_commit(obj):
    transaction.on_commit(lambda: deliver(obj))


def notify_moderators(kind, group, target=None):
    """Record new work for moderators (in the caller's transaction) and mail them about it:
    at once, or in the next daily digest (settings.MODERATOR_MAIL)."""
    notice = ModeratorNotice.objects.create(kind=kind, group=group, target_id=(target or group).pk)
    if settings.MODERATOR_MAIL == "immediate":
        deliver_on_commit(notice)
    return notice


def notify_owners(group, decision, reason=""):
    """Record a moderator's decision for the listing's organizers (in the caller's transaction)
    and mail it after commit. No row, and no mail, when there is nobody to tell."""
    if not _organizers(group).exists():
        return None
    notice = OwnerNotice.objects.create(group=group, decision=decision, reason=reason or "")
    deliver_on_commit(notice)
    return notice


DIGEST_EVERY = timezone.timedelta(hours=23)  # an hour's slack for a daily cron that runs late


def send_digest(now=None):
    """The daily digest: every unsent notice in one mail per moderator, at most once a day.

    Returns (sent, failed) counts of notices. Outcomes are recorded on each notice like any other
    mail row, so a failed digest is simply tried again on the next run.
    """
    now = now or timezone.now()
    pending = list(
        ModeratorNotice.objects.mail_pending()
        .filter(send_attempts__lt=MAX_ATTEMPTS)
        .select_related("group")
        .order_by("created_at", "pk")
    )
    if not pending:
        return 0, 0
    last = ModeratorNotice.objects.exclude(sent_at=None).order_by("-sent_at").first()
    if last is not None and last.sent_at > now - DIGEST_EVERY:
        return 0, 0
    # Taken like any mailed row, all at once: a digest run at the same time gets none.
    held = _take(ModeratorNotice.objects.filter(pk__in=[n.pk for n in pending]))
    if held is None:
        return 0, 0
    ids = set(ModeratorNotice.objects.filter(sending_since=held).values_list("pk", flat=True))
    pending = [n for n in pending if n.pk in ids]
    subject = _subject(
        ngettext(
            "%(count)d new item for moderators",
            "%(count)d new items for moderators",
            len(pending),
        )
        % {"count": len(pending)}
    )
    mine = ModeratorNotice.objects.filter(pk__in=ids, sending_since=held)
    _sent_at, error = _send(
        mine, lambda: _moderator_messages(pending, subject, digest=True), sent_at=now
    )
    if error:  # recorded on every notice; the next run tries the digest again
        log.warning("moderator digest of %s notices failed", len(ids))
        return 0, len(ids)
    return len(ids), 0


def send_pending(min_age=FRESH):
    """Retry every unsent row. Rows younger than `min_age` are left to the request that made them.

    Returns (sent, failed) counts.
    """
    cutoff = timezone.now() - min_age
    sent = failed = 0
    models = [ContactMessage, Report, FreshnessReminder, Claim, Invitation, OwnerNotice]
    if settings.MODERATOR_MAIL == "immediate":
        models.append(ModeratorNotice)
    else:
        sent, failed = send_digest()
    for model in models:
        pending = (
            model.objects.mail_due(cutoff)
            .filter(send_attempts__lt=MAX_ATTEMPTS)
            .select_related("group")
            .order_by("pk")
        )
        for obj in pending.iterator(chunk_size=100):
            outcome = deliver(obj)
            if outcome:
                sent += 1
            elif outcome is False:
                failed += 1
    return sent, failed
