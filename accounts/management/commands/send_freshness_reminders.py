"""Ask organizers whether their listings are still current. Run daily from cron.

`0 9 * * * manage.py send_freshness_reminders`: first reminders six months after a listing was
last confirmed, a second one two weeks later; see accounts/freshness.py. Safe to run again: a
listing never gets the same reminder twice in one round.
"""

from django.core.management.base import BaseCommand

from accounts import freshness


class Command(BaseCommand):
    help = "Mail reminders to organizers of listings not confirmed for six months."

    def handle(self, *args, **options):
        first, second, failed = freshness.send_due()
        waiting = freshness.needing_moderators().count()
        self.stdout.write(
            f"Sent {first} first and {second} second reminders ({failed} failed, retried by "
            f"send_pending_mail). {waiting} listings wait for a moderator's check."
        )
