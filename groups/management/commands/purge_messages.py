"""Delete relayed contact messages after 30 days, and forget reporters' emails on closed reports.

Run daily from cron: `0 3 * * * manage.py purge_messages`.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from groups.models import ContactMessage, Report


class Command(BaseCommand):
    help = (
        "Delete contact messages older than 30 days; blank reporters' emails on old closed reports."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        deleted, _ = ContactMessage.objects.expired(now).delete()
        forgotten = (
            Report.objects.exclude(status=Report.Status.OPEN)
            .exclude(reporter_email="")
            .filter(resolved_at__lt=now - ContactMessage.KEEP_FOR)
            .update(reporter_email="")
        )
        self.stdout.write(
            f"Deleted {deleted} contact message(s); forgot {forgotten} reporter email(s)."
        )
