"""Load the seed listings built from the source documents. Safe to run again."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# Order matters: each file refers only to rows of the files before it.
SEED_FIXTURES = ["taxonomy.json", "regions.json", "organizations.json", "listings.json"]


def seed_fixture_paths():
    folder = Path(settings.BASE_DIR) / "fixtures"
    return [folder / name for name in SEED_FIXTURES if (folder / name).exists()]


class Command(BaseCommand):
    help = "Load (or refresh) the seed directory from fixtures/."

    def handle(self, *args, **options):
        paths = seed_fixture_paths()
        if not paths:
            self.stdout.write("No seed fixtures found.")
            return
        for path in paths:
            call_command("loaddata", str(path), verbosity=0)
        from groups.models import SupportGroup
        from groups.search import refresh_search_document

        # Fixtures bypass the app: rebuild search text and meeting week minutes for everything.
        refresh_search_document()
        self.stdout.write(
            f"Seed loaded: {SupportGroup.objects.published().count()} published listings."
        )
