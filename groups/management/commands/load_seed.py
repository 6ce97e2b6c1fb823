"""Load the seed listings built from the source documents. Safe to run again.

Reference data (group types, audiences, languages, regions, host organisations) is refreshed from
the fixtures every time. Listings and their meetings are only ever *added*: a seed listing that is
already in the database (same key or same slug) is left as organizers and moderators have made it,
so `make run` twice never undoes anyone's edits. `--refresh` overwrites seed listings too, and
removes meetings of seed listings that the fixtures no longer have.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.management.color import no_style
from django.db import connection, transaction

# Order matters: each file refers only to rows of the files before it.
REFERENCE_FIXTURES = ["taxonomy.json", "regions.json", "organizations.json"]
LISTING_FIXTURES = ["listings.json"]
SEED_FIXTURES = REFERENCE_FIXTURES + LISTING_FIXTURES


def seed_fixture_paths(names=SEED_FIXTURES):
    folder = Path(settings.BASE_DIR) / "fixtures"
    return [folder / name for name in names if (folder / name).exists()]


def add_missing_support_groups(path):
    """Save seed listings (and their meetings) that are not in the database yet; return them."""
    from groups.models import Meeting, SupportGroup

    taken_ids = set(SupportGroup.objects.values_list("pk", flat=True))
    taken_slugs = set(SupportGroup.objects.values_list("slug", flat=True))
    created, meetings = [], []
    with open(path, encoding="utf-8") as stream:
        for item in serializers.deserialize("json", stream):
            obj = item.object
            if isinstance(obj, SupportGroup):
                if obj.pk in taken_ids or obj.slug in taken_slugs:
                    continue
                item.save()
                created.append(obj)
            elif isinstance(obj, Meeting):
                meetings.append(item)
    created_ids = {group.pk for group in created}
    for item in meetings:
        if (
            item.object.group_id in created_ids
            and not Meeting.objects.filter(pk=item.object.pk).exists()
        ):
            item.save()
    # Rows saved with explicit keys do not move PostgreSQL's sequences (loaddata does this itself).
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [SupportGroup, Meeting]):
            cursor.execute(sql)
    return created


def remove_dropped_meetings(path):
    """After a refresh, a seed listing has exactly the fixtures' meetings: a schedule dropped
    from the fixtures because its document does not support it (issue #21: the North East
    forum's "bi-monthly") must not stay on the page."""
    from groups.models import Meeting

    with open(path, encoding="utf-8") as stream:
        rows = json.load(stream)
    groups = {row["pk"] for row in rows if row["model"] == "groups.supportgroup"}
    meetings = {row["pk"] for row in rows if row["model"] == "groups.meeting"}
    Meeting.objects.filter(group_id__in=groups).exclude(pk__in=meetings).delete()


class Command(BaseCommand):
    help = "Load the seed directory from fixtures/: refresh reference data, add missing listings."

    def add_arguments(self, parser):
        parser.add_argument(
            "--refresh",
            action="store_true",
            help=(
                "Also overwrite seed listings already in the database with the fixtures' version "
                "(their meetings included: meetings the fixtures do not have are removed)."
            ),
        )

    def handle(self, *args, refresh=False, **options):
        from groups.models import SupportGroup
        from groups.search import refresh_search_document

        if not seed_fixture_paths():
            self.stdout.write("No seed fixtures found.")
            return
        with transaction.atomic():
            for path in seed_fixture_paths(REFERENCE_FIXTURES):
                call_command("loaddata", str(path), verbosity=0)
            created = []
            for path in seed_fixture_paths(LISTING_FIXTURES):
                if refresh:
                    call_command("loaddata", str(path), verbosity=0)
                    remove_dropped_meetings(path)
                else:
                    created += add_missing_support_groups(path)
            if created:
                # Fixtures bypass simple-history: give new listings their first history entry.
                SupportGroup.history.bulk_history_create(
                    created, default_change_reason="Seeded from the source documents"
                )
            # Fixtures bypass the app: rebuild search text and meeting week minutes for everything.
            refresh_search_document()
        self.stdout.write(
            f"Seed loaded: {len(created)} listings added, "
            f"{SupportGroup.objects.published().count()} published listings in all."
        )
