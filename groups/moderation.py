"""Moderators' decisions on listings and reports: one function each, each one audited.

Claims are decided by accounts.services.approve_claim / reject_claim; the admin calls those.
Every function here is safe to call twice (a double-clicked admin action): the second call
finds nothing left to do, changes nothing, writes no audit entry, and returns False.
"""

from django.db import transaction
from django.utils import timezone

from groups import audit, mail
from groups.models import OwnerNotice, Report, SupportGroup
from groups.versions import next_version


def _save_support_group(group, moderator, fields):
    """Save moderation fields, bump the edit version so an organizer's open form cannot
    silently overwrite the decision, and attribute the history row to the moderator."""
    group.version, group.updated_at = next_version(group.pk)
    group._history_user = moderator
    group.save(update_fields=[*fields, "version", "updated_at"])


def publish_support_group(group, moderator, reason=""):
    """Make a pending (or archived) listing public and tell its owners."""
    with transaction.atomic():
        group = SupportGroup.objects.select_for_update().get(pk=group.pk)
        if group.moderation == SupportGroup.Moderation.PUBLISHED:
            return False
        group.moderation = SupportGroup.Moderation.PUBLISHED
        _save_support_group(group, moderator, ["moderation"])
        audit.record(moderator, "listing published", group, reason)
        mail.notify_owners(group, OwnerNotice.Decision.PUBLISHED, reason)
    return True


def archive_support_group(group, moderator, reason):
    """Take a listing out of the directory (kept, restorable by publishing) and tell its owners."""
    with transaction.atomic():
        group = SupportGroup.objects.select_for_update().get(pk=group.pk)
        if group.moderation == SupportGroup.Moderation.ARCHIVED:
            return False
        group.moderation = SupportGroup.Moderation.ARCHIVED
        _save_support_group(group, moderator, ["moderation"])
        audit.record(moderator, "listing archived", group, reason)
        mail.notify_owners(group, OwnerNotice.Decision.ARCHIVED, reason)
    return True


def confirm_support_group(group, moderator, reason=""):
    """A moderator checked that the group still meets as listed (e.g. by phoning them)."""
    today = timezone.localdate()
    with transaction.atomic():
        group = SupportGroup.objects.select_for_update().get(pk=group.pk)
        if group.last_confirmed == today:
            return False
        group.last_confirmed = today
        _save_support_group(group, moderator, ["last_confirmed"])
        audit.record(moderator, "listing confirmed", group, reason)
    return True


def close_report(report, moderator, status, note=""):
    """Resolve or dismiss an open report; the reporter, if they left an email, hears the outcome."""
    if status not in (Report.Status.RESOLVED, Report.Status.DISMISSED):
        raise ValueError(f"A report cannot be closed as {status!r}.")
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("group").get(pk=report.pk)
        if report.status != Report.Status.OPEN:
            return False
        report.status = status
        report.resolved_by = moderator
        report.resolved_at = timezone.now()
        report.resolution_note = note or ""
        # The row now calls for a different email: the follow-up to the reporter (if any).
        report.mail_again()
        report.save(
            update_fields=[
                "status",
                "resolved_by",
                "resolved_at",
                "resolution_note",
                *Report.MAIL_FIELDS,
            ]
        )
        audit.record(moderator, f"report {status}", report, note)
        mail.deliver_on_commit(report)
    return True


def resolve_report(report, moderator, note=""):
    return close_report(report, moderator, Report.Status.RESOLVED, note)


def dismiss_report(report, moderator, note=""):
    return close_report(report, moderator, Report.Status.DISMISSED, note)
