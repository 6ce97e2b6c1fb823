"""The documents the seed listings were built from, named the way the documents name themselves.

`fixtures/sources.json` holds, per file name, the title, series, publisher and earliest year each
document states (blank or null where it states none), with the excerpts that say so. Visitors see
a source by its title and age, never by its file name.
"""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

SOURCES_FILE = Path(settings.BASE_DIR) / "fixtures" / "sources.json"


@cache
def seed_sources():
    """{file name: source row}; read once per process (a few hundred bytes that never change)."""
    try:
        rows = json.loads(SOURCES_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {row["file"]: row for row in rows}


def seed_source(file_name):
    return seed_sources().get(file_name or "")


def source_name(source):
    """“Title”, Publisher — or, for a page with no title, the series it belongs to."""
    if source["title"]:
        name = _("“%(title)s”") % {"title": source["title"]}
    elif source["series"]:
        name = _("a page in the “%(series)s” series") % {"series": source["series"]}
    else:
        name = _("an untitled page")
    if source["publisher"]:
        name = _("%(name)s, %(publisher)s") % {"name": name, "publisher": source["publisher"]}
    return name


def source_age(source):
    """What the document says about when it was written: '2018 or later', or 'undated'."""
    if source["earliest_year"]:
        return _("%(year)s or later") % {"year": source["earliest_year"]}
    return _("undated")


def not_confirmed_label(file_name):
    """The plain sentence shown for a listing whose source does not say it still runs, or None
    when the listing has no known source document."""
    source = seed_source(file_name)
    if source is None:
        return None
    return _(
        "Not confirmed: known only from %(source)s (%(age)s), which does not say whether it "
        "still runs."
    ) % {"source": source_name(source), "age": source_age(source)}
