"""Rebuild search text and meeting week minutes for every listing.

Run after bulk imports. Hourly from cron with --week-minutes: a meeting's UTC week minute follows
daylight saving, which each zone changes at its own hour (groups/search.py).
"""

from django.core.management.base import BaseCommand

from groups.search import refresh_search_document, refresh_week_minutes


class Command(BaseCommand):
    help = "Rebuild the directory's search text and meeting times in UTC."

    def add_arguments(self, parser):
        parser.add_argument(
            "--week-minutes",
            action="store_true",
            help="Only the meetings' times in UTC, writing those a clock change moved (hourly).",
        )

    def handle(self, *args, **options):
        if options["week_minutes"]:
            count = refresh_week_minutes()
            self.stdout.write(f"Meetings moved: {count}.")
            return
        count = refresh_search_document()
        self.stdout.write(f"Refreshed {count} listings.")
