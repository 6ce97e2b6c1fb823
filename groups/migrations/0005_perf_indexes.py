"""Indexes for the directory at 100,000 listings (measured with `make bench`), PostgreSQL only.

- group_list_order: the public list's ORDER BY (active first, then name, id) over published
  listings, so a page is read in order from the index instead of sorting every published row
  (EXPLAIN ANALYZE at 100k: 560 ms -> 0.24 ms for a list page).
- group_published_cover: published ids with the columns facet counts group by; the facet
  statement's eight sub-queries become index-only scans instead of scans of the wide table.
- search_vector: to_tsvector('english', search_document) stored once per row (a generated
  column, so no code has to keep it up to date). Ranking reads it instead of re-parsing every
  matching document on every search ("voices" at 100k: 11.1 s -> 1.0 s under load). Matching
  still goes through group_search_fts on the expression, which the planner costs correctly
  against the trigram index for typo matches.
"""

from django.db import migrations

LIST_ORDER = (
    "CREATE INDEX IF NOT EXISTS group_list_order ON groups_supportgroup ("
    "(CASE WHEN status = 'active' THEN 0 WHEN status = 'forming' THEN 1"
    " WHEN status = 'paused' THEN 2 ELSE 3 END), name, id)"
    " WHERE moderation = 'published'"
)
PUBLISHED_COVER = (
    "CREATE INDEX IF NOT EXISTS group_published_cover ON groups_supportgroup (moderation)"
    " INCLUDE (id, attendance, region_id, status)"
)
SEARCH_VECTOR = (
    "ALTER TABLE groups_supportgroup ADD COLUMN IF NOT EXISTS search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('english'::regconfig, search_document)) STORED"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(LIST_ORDER)
    schema_editor.execute(PUBLISHED_COVER)
    schema_editor.execute(SEARCH_VECTOR)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS group_list_order")
    schema_editor.execute("DROP INDEX IF EXISTS group_published_cover")
    schema_editor.execute("ALTER TABLE groups_supportgroup DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0004_moderators_group"),
    ]

    operations = [migrations.RunPython(create, drop)]
