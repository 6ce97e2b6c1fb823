"""Email for visitors' reports and relayed messages.

Rows are saved first; these functions send after the transaction commits. A failure is recorded
on the row (send_attempts, last_error) and `manage.py send_pending_mail` retries it later, so a
mail outage loses nothing. Log lines name rows by id, never by email address or content.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import ContactMessage, Report

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20
FRESH = timezone.timedelta(minutes=1)
ERROR_LENGTH = 300


def _subject(text):
    return f"[{settings.SITE_NAME}] {text}"


def _site_url(path):
    return f"{settings.SITE_URL}{path}"


def _owner_addresses(group):
    return list(group.owners.filter(is_active=True).order_by("pk").values_list("email", flat=True))


def report_messages(report):
    """The emails the report's current state calls for (none is a valid answer)."""
    group = report.group
    context = {
        "report": report,
        "group": group,
        "group_url": _site_url(group.get_absolute_url()),
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
        "group_url": _site_url(group.get_absolute_url()),
        "site_name": settings.SITE_NAME,
    }
    subject = _subject(_("A message about “%(group)s”") % {"group": group})
    body = render_to_string("groups/contact_email.txt", context)
    reply_to = [message.reply_to] if message.reply_to else None
    return [
        EmailMessage(subject, body, to=[address], reply_to=reply_to)
        for address in _owner_addresses(group)
    ]


BUILDERS = {Report: report_messages, ContactMessage: contact_messages}


def deliver(obj):
    """Send what `obj` (a Report or ContactMessage) calls for; record the outcome on the row.

    Returns True when sent (or nothing needed sending). On a failure midway, a retry sends all
    of the row's emails again: a duplicate is better than a lost message.
    """
    model = type(obj)
    try:
        emails = BUILDERS[model](obj)
        if emails:
            with get_connection() as connection:
                connection.send_messages(emails)
    except Exception as exc:  # any backend error: record it and let the retry command try again
        error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
        model.objects.filter(pk=obj.pk).update(
            send_attempts=obj.send_attempts + 1, last_error=error
        )
        obj.send_attempts += 1
        obj.last_error = error
        log.warning("mail for %s %s failed (attempt %s)", model.__name__, obj.pk, obj.send_attempts)
        return False
    now = timezone.now()
    model.objects.filter(pk=obj.pk).update(
        sent_at=now, send_attempts=obj.send_attempts + 1, last_error=""
    )
    obj.sent_at, obj.send_attempts, obj.last_error = now, obj.send_attempts + 1, ""
    return True


def notify_owners_on_commit(group, decision, reason=""):
    """Tell a listing's owners (and its submitter) that a moderator published or archived it.

    Sent after commit; a failure is logged and swallowed: the decision stands and is audited,
    and the owners also see the listing's state on their dashboard.
    """
    addresses = set(_owner_addresses(group))
    if group.submitted_by_id and group.submitted_by.is_active:
        addresses.add(group.submitted_by.email)
    context = {
        "group": group,
        "group_url": _site_url(group.get_absolute_url()),
        "site_name": settings.SITE_NAME,
        "reason": reason,
    }
    subjects = {
        "published": _("“%(group)s” is now in the directory"),
        "archived": _("“%(group)s” has been taken out of the directory"),
    }
    subject = _subject(subjects[decision] % {"group": group})
    body = render_to_string(f"groups/moderation_{decision}_email.txt", context)
    emails = [EmailMessage(subject, body, to=[address]) for address in sorted(addresses)]

    def send():
        try:
            with get_connection() as connection:
                connection.send_messages(emails)
        except Exception:
            log.exception("could not send %s notice for listing %s", decision, group.pk)

    if emails:
        transaction.on_commit(send)


def deliver_on_commit(obj):
    transaction.on_commit(lambda: deliver(obj))


def send_pending(min_age=FRESH):
    """Retry every unsent row. Rows younger than `min_age` are left to the request that made them.

    Returns (sent, failed) counts.
    """
    cutoff = timezone.now() - min_age
    sent = failed = 0
    for model in (ContactMessage, Report):
        pending = (
            model.objects.mail_pending()
            .filter(created_at__lt=cutoff, send_attempts__lt=MAX_ATTEMPTS)
            .select_related("group")
            .order_by("pk")
        )
        for obj in pending.iterator(chunk_size=100):
            if deliver(obj):
                sent += 1
            else:
                failed += 1
    return sent, failed
