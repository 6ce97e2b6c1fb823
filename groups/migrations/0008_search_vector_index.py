"""Full-text matching on the stored search_vector column, PostgreSQL only.

Matching used to go through group_search_fts, a GIN index on the expression
to_tsvector('english', search_document). For a word in most listings ("peer", "support") the
planner rightly prefers a sequential scan, and then re-parsed every document: 5.5 s at 100,000
listings. Matching on the stored column (migration 0005) reads the parsed vector instead: the
same scan takes a fraction of that, and selective words still use a GIN index, now on the
column. The expression index is no longer used by any query and is dropped.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS group_search_vector ON groups_supportgroup "
    "USING gin (search_vector)"
)
OLD = (
    "CREATE INDEX IF NOT EXISTS group_search_fts ON groups_supportgroup "
    "USING gin (to_tsvector('english'::regconfig, search_document))"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE)
    schema_editor.execute("DROP INDEX IF EXISTS group_search_fts")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(OLD)
    schema_editor.execute("DROP INDEX IF EXISTS group_search_vector")


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0007_directory_generation"),
    ]

    operations = [migrations.RunPython(forward, backward)]
