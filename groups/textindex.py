"""The databases' own search indexes, kept equal to the listings by triggers.

SQLite: an FTS5 table (porter stemming) over the listings' stored search text. PostgreSQL: a
narrow table of the published listings' stored vectors (see below for why). Both are
(re)installed after every migrate (groups/apps.py), like the generation triggers: SQLite drops a
table's triggers when a migration rebuilds it, and a missing trigger means the index is filled
again from the listings, so it never disagrees with them. groups/search.py queries them.
"""

from django.db import connections

FTS_TABLE = "groups_search_fts"  # SQLite only


# --- SQLite: the FTS5 index, kept by triggers --------------------------------------------------


def _sqlite_index_sql(table):
    columns = "search_document"
    # Names from constants and the model, no input.
    old = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {columns}) VALUES ('delete', old.id, old.{columns});"  # noqa: S608
    new = f"INSERT INTO {FTS_TABLE}(rowid, {columns}) VALUES (new.id, new.{columns});"  # noqa: S608
    return {
        f"{FTS_TABLE}_insert": f"AFTER INSERT ON {table} BEGIN {new} END",
        f"{FTS_TABLE}_delete": f"AFTER DELETE ON {table} BEGIN {old} END",
        f"{FTS_TABLE}_update": f"AFTER UPDATE OF {columns} ON {table} BEGIN {old} {new} END",
    }


def install_sqlite_index(using="default"):
    """Create the FTS5 index and its triggers if missing (post_migrate: SQLite rebuilds a table
    to alter it, which drops its triggers); rebuilt from the table whenever anything was missing,
    so it never disagrees with the listings. Returns True when it had to rebuild."""
    from groups.models import SupportGroup

    conn = connections[using]
    table = SupportGroup._meta.db_table
    if conn.vendor != "sqlite" or table not in conn.introspection.table_names():
        return False
    triggers = _sqlite_index_sql(table)
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name = %s OR name IN (%s, %s, %s)",
            [FTS_TABLE, *triggers],
        )
        present = {row[0] for row in cursor.fetchall()}
        if present == {FTS_TABLE, *triggers}:
            return False
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_document, "
            f"content='{table}', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
        for name, body in triggers.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608
    return True


# --- PostgreSQL: the published listings' vectors, narrow, kept by triggers ----------------------
#
# The ids of the listings matching a word found in half of them cost a visit to every page of
# the listings table (170 MB at 100,000 listings), or a scan that unpacks every stored vector:
# 0.3-0.9 s. This table holds one row per published listing, (id, vector), with the vector moved
# out of line (toast_tuple_target), so its heap is about 1,400 pages (11 MB) and a GIN bitmap
# scan returns 90,000 ids in about 30 ms without unpacking one vector. peerdir_search_ids() runs
# that scan with sequential scans off and returns one array: the planner would otherwise pick a
# sequential scan for a common word, not knowing that it unpacks every vector. Statement triggers (transition tables, so a bulk insert is one
# statement) keep it equal to the listings whatever writes to them.

PG_TABLE = "groups_searchvector"
PG_SEARCH = "peerdir_search_ids"


def _postgres_index_sql(table):
    published = "'published'"
    sync = f"""CREATE OR REPLACE FUNCTION peerdir_sync_search_vector() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            TRUNCATE {PG_TABLE};
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM {PG_TABLE} WHERE group_id IN (SELECT id FROM old_rows);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {PG_TABLE} (group_id, vector)
            SELECT id, search_vector FROM new_rows WHERE moderation = {published};
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql"""  # noqa: S608 (constants)
    run = "FOR EACH STATEMENT EXECUTE FUNCTION peerdir_sync_search_vector()"
    return [
        f"CREATE TABLE IF NOT EXISTS {PG_TABLE} (group_id bigint PRIMARY KEY, "
        "vector tsvector NOT NULL) WITH (toast_tuple_target = 128)",
        f"CREATE INDEX IF NOT EXISTS {PG_TABLE}_gin ON {PG_TABLE} USING gin (vector)",
        sync,
        f"CREATE OR REPLACE TRIGGER peerdir_search_insert AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS new_rows {run}",
        f"CREATE OR REPLACE TRIGGER peerdir_search_update AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows {run}",
        f"CREATE OR REPLACE TRIGGER peerdir_search_delete AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows {run}",
        f"CREATE OR REPLACE TRIGGER peerdir_search_truncate AFTER TRUNCATE ON {table} {run}",
        # One array, not a set of rows: a set-returning function with a SET clause costs 4x.
        f"DROP FUNCTION IF EXISTS {PG_SEARCH}(tsquery)",
        f"""CREATE FUNCTION {PG_SEARCH}(q tsquery) RETURNS bigint[]
        LANGUAGE sql STABLE SET enable_seqscan = off
        AS $$ SELECT array_agg(group_id) FROM {PG_TABLE} WHERE vector @@ q $$""",  # noqa: S608
    ]


def install_postgres_index(using="default"):
    """Create the table, its triggers and the search function (post_migrate, any number of
    times); when a trigger was missing, fill the table again from the listings. Returns True
    when it refilled."""
    from groups.models import SupportGroup

    conn = connections[using]
    table = SupportGroup._meta.db_table
    if conn.vendor != "postgresql" or table not in conn.introspection.table_names():
        return False
    names = ["peerdir_search_insert", "peerdir_search_update", "peerdir_search_delete"]
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = ANY(%s)",
            [table, names],
        )
        complete = cursor.fetchone()[0] == len(names) and PG_TABLE in (
            conn.introspection.table_names(cursor)
        )
        for statement in _postgres_index_sql(table):
            cursor.execute(statement)
        if complete:
            return False
        cursor.execute(f"TRUNCATE {PG_TABLE}")
        cursor.execute(
            f"INSERT INTO {PG_TABLE} (group_id, vector) SELECT id, search_vector "  # noqa: S608
            f"FROM {table} WHERE moderation = 'published'"
        )
    return True
