"""Retry the emails (reports, contact messages, moderators' notices, freshness reminders, claim
decisions, invitations, notices to organizers of a published or archived listing) that could not
be sent at the time.

Run from cron every few minutes: `*/5 * * * * manage.py send_pending_mail`.
"""

from django.core.management.base import BaseCommand, CommandError

from groups import mail


class Command(BaseCommand):
    help = "Send the emails that are still unsent (reports, messages, claims, invitations…)."

    def handle(self, *args, **options):
        sent, failed = mail.send_pending()
        self.stdout.write(f"Sent {sent}; {failed} still failing.")
        if failed:
            # A non-zero exit makes cron (or a monitor) tell someone the mail server is down.
            raise CommandError(f"{failed} email(s) could not be sent; the next run retries them.")
