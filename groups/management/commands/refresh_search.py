"""Rebuild search text and meeting week minutes for every listing.

Run after bulk imports, and daily from cron: a meeting's UTC week minute follows daylight saving.
"""

from django.core.management.base import BaseCommand

from groups.search import refresh_search_document


class Command(BaseCommand):
    help = "Rebuild the directory's search text and meeting times in UTC (run daily)."

    def handle(self, *args, **options):
        count = refresh_search_document()
        self.stdout.write(f"Refreshed {count} listings.")
