"""The directory's generation: a stamp the database changes whenever public data changes.

Every process keeps things it can rebuild from the database (the facet index, the taxonomy, whole
anonymous pages); each is tagged with the generation it was built from and is used only while the
generation is the same. Nothing has to remember to invalidate them: triggers on the tables the
public pages read set a new stamp in the same transaction as the change, whoever makes it (the
site, the admin, a bulk update, the shell, psql). Reading it is one single-row SELECT.

The stamp is random, not a counter: a counter goes back when a transaction rolls back, and the next
change would then reuse a number a process may have built something from inside that transaction.

The triggers are installed after every `migrate` (post_migrate, in apps.py), so a table rebuilt by
a later migration (SQLite rebuilds tables to alter them) gets them back. PostgreSQL: one trigger per
table FOR EACH STATEMENT, TRUNCATE included. SQLite: one per table and operation, FOR EACH ROW.
"""

import time

from django.conf import settings
from django.db import connections

TABLE = "groups_directorygeneration"
FUNCTION = "peerdir_bump_generation"
# A new random stamp (2**53 values on PostgreSQL, 2**64 on SQLite); only equality matters.
NEW_STAMP = {
    "postgresql": "floor(random() * 9007199254740991)::bigint",
    "sqlite": "random()",
}


def watched_tables():
    """The tables public pages are built from, M2M link tables included."""
    from groups import models

    tables = []
    for model in (
        models.SupportGroup,
        models.Meeting,
        models.Ownership,
        models.Region,
        models.GroupType,
        models.Audience,
        models.Language,
        models.Organization,
    ):
        tables.append(model._meta.db_table)
    for field in ("types", "audiences", "languages"):
        tables.append(
            models.SupportGroup._meta.get_field(field).remote_field.through._meta.db_table
        )
    return tables


def current(using=None):
    """The current generation (one query). Re-creates the row if a flush removed it."""
    conn = connections[using or "default"]
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
        if row is not None:
            return row[0]
        # A new start, never equal to a number some process may still hold: microseconds now.
        start = time.time_ns() // 1000
        cursor.execute(
            f"INSERT INTO {TABLE} (id, value) VALUES (1, %s) ON CONFLICT (id) DO NOTHING",  # noqa: S608
            [start],
        )
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # noqa: S608
        return cursor.fetchone()[0]


def of(request):
    """The generation for this request: `recent()`, then remembered on the request."""
    stamp = getattr(request, "_directory_generation", None)
    if stamp is None:
        stamp = request._directory_generation = recent()
    return stamp


# --- reading it less often ----------------------------------------------------------------------
#
# A kept page costs about the baseline view plus this one-row read, which under load is a third
# of a kept page's time. So each process reads it at most once every DIRECTORY_GENERATION_TTL
# seconds (1 by default), and again after any write the process itself makes (every statement
# through Django's connections is watched: see `_after_writes`). A change made elsewhere (another
# worker, the admin on another machine, psql) reaches a process within that second; a change
# this process made is seen by its very next request, as before. TTL 0 reads on every request.

_memo = None  # (stamp, time.monotonic() when read)
_WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "MERGE", "WITH")


def recent():
    """The generation, read from the database at most once per TTL in this process."""
    global _memo
    ttl = getattr(settings, "DIRECTORY_GENERATION_TTL", 1)
    memo, now = _memo, time.monotonic()
    if ttl > 0 and memo is not None and now - memo[1] < ttl:
        return memo[0]
    stamp = current()
    _memo = (stamp, now)
    return stamp


def forget():
    global _memo
    _memo = None


def _after_writes(execute, sql, params, many, context):
    try:
        return execute(sql, params, many, context)
    finally:
        if _memo is not None and sql.lstrip()[:8].upper().startswith(_WRITES):
            forget()


def watch_writes(sender=None, connection=None, **kwargs):
    """connection_created: forget the remembered generation after this process writes."""
    if _after_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_after_writes)


def bump(using=None):
    """A new generation by hand (the triggers do it for every watched table)."""
    conn = connections[using or "default"]
    with conn.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET value = {NEW_STAMP[conn.vendor]} WHERE id = 1")  # noqa: S608


def _postgres_sql(tables):
    statements = [
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
        BEGIN
            UPDATE {TABLE} SET value = {NEW_STAMP["postgresql"]} WHERE id = 1;
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql"""  # noqa: S608 (names from models and constants, no input)
    ]
    for table in tables:
        statements.append(
            f"CREATE OR REPLACE TRIGGER peerdir_generation AFTER INSERT OR UPDATE OR DELETE "
            f"OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    return statements


def _sqlite_sql(tables):
    statements = []
    for table in tables:
        for operation in ("INSERT", "UPDATE", "DELETE"):
            name = f"peerdir_generation_{table}_{operation.lower()}"
            body = f"UPDATE {TABLE} SET value = {NEW_STAMP['sqlite']} WHERE id = 1;"  # noqa: S608
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {operation} ON {table} "
                f"FOR EACH ROW BEGIN {body} END"
            )
    return statements


def install_triggers(using="default"):
    """Create (or replace) the triggers; safe to run any number of times."""
    conn = connections[using]
    tables = set(conn.introspection.table_names())
    if TABLE not in tables:
        return 0
    watched = [t for t in watched_tables() if t in tables]
    if conn.vendor == "postgresql":
        statements = _postgres_sql(watched)
    elif conn.vendor == "sqlite":
        statements = _sqlite_sql(watched)
    else:
        return 0
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    current(using)
    return len(watched)
