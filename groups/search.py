"""Text search over listings, and the denormalised columns that keep it fast.

PostgreSQL: full-text search (English stemming, ranked with ts_rank) over `search_document`, plus
typo tolerance with pg_trgm word similarity over `search_names` when full text finds little. Both
are served by GIN indexes (names below): full text on the stored `search_vector` column
(migrations 0005 and 0008), which ranking reads too; trigrams on `search_names` (0003). SQLite (development): every word must appear in
`search_document` (icontains), which is enough to work with the seed data.

Call `refresh_search_document(group_ids)` whenever a listing, its meetings, or the taxonomy it is
filed under changes (admin save, organizer edits, fixture loading). It is explicit on purpose: no
signals, so bulk loads stay fast and nothing changes behind anyone's back.
"""

import datetime as dt
import re

from django.db import connection
from django.db.models import F, Func, Q, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from groups import schedule

MAX_QUERY_LENGTH = 200
# Fewer full-text matches than this and trigram (typo-tolerant) matches are added.
FEW_RESULTS = 5
# At most this many typo (trigram) matches are ranked and counted: see search().
TYPO_CANDIDATES = 200
WEEK_MINUTES = 7 * 24 * 60

FTS_INDEX = "group_search_vector"
TRIGRAM_INDEX = "group_search_trgm"


def clean_query(text):
    """Collapse whitespace and cap the length; never fails."""
    # Control characters (NUL above all: PostgreSQL refuses it in text) become spaces.
    text = re.sub(r"[\x00-\x1f\x7f]", " ", str(text or ""))
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_QUERY_LENGTH]


def on_postgres():
    return connection.vendor == "postgresql"


# --- denormalised columns -------------------------------------------------------------------


def week_minutes(meeting, when=None):
    """(minute_of_week in the meeting's zone, utc_minute_of_week at the zone's offset at `when`).

    None for both when the meeting has no weekday or start time. The UTC value follows daylight
    saving, so run `manage.py refresh_search` after clock changes (a daily cron is simplest).
    """
    if meeting.weekday is None or meeting.start_time is None:
        return None, None
    local = meeting.weekday * 1440 + meeting.start_time.hour * 60 + meeting.start_time.minute
    when = when or timezone.now()
    offset = when.astimezone(schedule.zone(meeting.timezone)).utcoffset() or dt.timedelta(0)
    utc = (local - int(offset.total_seconds() // 60)) % WEEK_MINUTES
    return local, utc


def _join(*parts):
    return " ".join(p.strip() for p in parts if p and p.strip())


def refresh_search_document(group_ids=None, when=None):
    """Rebuild the search text of these listings (all when None) and their meetings' week minutes.

    A handful of queries whatever the number of listings (bulk_update in batches). Returns the
    number of listings refreshed.
    """
    from groups.models import Meeting, RegionTree, SupportGroup

    tree = RegionTree.load()
    groups = SupportGroup.objects.select_related("host").prefetch_related("types", "meetings")
    if group_ids is not None:
        groups = groups.filter(pk__in=list(group_ids))
    changed_groups, changed_meetings = [], []
    for group in groups.iterator(chunk_size=2000):
        types = list(group.types.all())
        type_words = [t.name for t in types] + [
            s for t in types for s in (x.strip() for x in t.synonyms.split(",")) if s
        ]
        places = [r.name for r in tree.ancestors(group.region_id)] if group.region_id else []
        group.search_document = _join(
            group.name,
            group.summary,
            group.description,
            " ".join(type_words),
            group.host.name if group.host else "",
            " ".join(reversed(places)),
            group.service_area,
            group.venue,
            group.address,
        )
        group.search_names = _join(group.name, " ".join(t.name for t in types))[:600]
        changed_groups.append(group)
        for meeting in group.meetings.all():
            meeting.minute_of_week, meeting.utc_minute_of_week = week_minutes(meeting, when)
            changed_meetings.append(meeting)
    SupportGroup.objects.bulk_update(
        changed_groups, ["search_document", "search_names"], batch_size=500
    )
    Meeting.objects.bulk_update(
        changed_meetings, ["minute_of_week", "utc_minute_of_week"], batch_size=1000
    )
    return len(changed_groups)


def groups_for_taxonomy(**lookup):
    """Ids of listings filed under a type/region/host, to refresh after that taxonomy changes."""
    from groups.models import SupportGroup

    return list(SupportGroup.objects.filter(**lookup).values_list("pk", flat=True))


# --- querying --------------------------------------------------------------------------------


class StoredVector(F):
    """The `search_vector` column: to_tsvector('english', search_document), stored per row.

    A generated column that migration 0005 adds on PostgreSQL only, so the model does not
    declare it; this resolves to it under whatever alias the query gives the listings table.
    Matching (GIN index group_search_vector, migration 0008) and ranking both read it instead
    of re-parsing documents.
    """

    def __init__(self):
        super().__init__("search_document")

    def resolve_expression(self, *args, **kwargs):
        from django.contrib.postgres.search import SearchVectorField
        from django.db.models.expressions import Col

        document = super().resolve_expression(*args, **kwargs)
        field = SearchVectorField()
        field.set_attributes_from_name("search_vector")
        field.model = document.target.model
        return Col(document.alias, field)


class WordSimilarity(Func):
    function = "word_similarity"

    def __init__(self, query, column, **extra):
        from django.db.models import FloatField

        super().__init__(Value(query), column, output_field=FloatField(), **extra)


def _fts(queryset, query):
    from django.contrib.postgres.search import SearchQuery

    tsquery = SearchQuery(query, config="english", search_type="websearch")
    # The stored column, not the expression: a common word is matched by a sequential scan,
    # which must not re-parse every document (migration 0008).
    return queryset.alias(_vector=StoredVector()), Q(_vector=tsquery), tsquery


def search(queryset, text):
    """Filter `queryset` to listings matching `text` and annotate `relevance` (higher is better).

    On PostgreSQL this may run one small query to decide whether typo matches are needed.
    """
    text = clean_query(text)
    if not text:
        return queryset
    if not on_postgres():
        return _search_sqlite(queryset, text)
    from django.contrib.postgres.search import SearchRank

    queryset, match, tsquery = _fts(queryset, text)
    rank = SearchRank(StoredVector(), tsquery)
    # Query: the first FEW_RESULTS full-text matches (their ids: few enough to carry along).
    exact = list(queryset.filter(match).order_by().values_list("pk", flat=True)[:FEW_RESULTS])
    if len(exact) >= FEW_RESULTS:
        return queryset.filter(match).annotate(relevance=rank)
    # `search_names %> 'text'` is word_similarity('text', search_names) > threshold: the
    # group_search_trgm index answers it. A misspelled common word ("hering voices") is similar
    # to tens of thousands of names: the first TYPO_CANDIDATES of them (no ORDER BY, so the scan
    # stops there) go on to ranking and facet counts, with the few full-text matches. Typo
    # matches rank below any real full-text match of the same strength.
    similarity = WordSimilarity(text, F("search_names"))
    candidates = (
        queryset.filter(search_names__trigram_word_similar=text)
        .order_by()
        .values("pk")[:TYPO_CANDIDATES]
    )
    if exact:
        candidates = queryset.filter(pk__in=exact).order_by().values("pk").union(candidates)
    return queryset.filter(pk__in=Subquery(candidates)).annotate(
        relevance=Greatest(rank, similarity * Value(0.05))
    )


def _stem(word):
    for suffix in ("ing", "al", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _search_sqlite(queryset, text):
    words = [w for w in re.split(r"[^\w]+", text.lower()) if w][:10]
    condition = Q()
    for word in words:
        condition &= Q(search_document__icontains=_stem(word))
    return queryset.filter(condition).annotate(relevance=Value(1.0))
