"""Text search over listings: what a visitor types, read into terms, matched the same on both databases.

Reading a query (`read_query`, in Python, the same whatever the database):
1. A city or town that is not one of our regions ("glasgow") becomes a place (groups/places.py):
   results are the listings of the smallest region of ours that contains it, and groups one can
   join remotely.
2. A word no listing uses ("withdrawl", "voises") is corrected towards the nearest word some
   listing uses (groups/vocabulary.py: edit distance 1, or 2 for long words).
3. A phrase that is a group type's name or one of its synonyms ("meds", "my son", "psychosis")
   becomes that type: visitors' words are curated as synonyms in fixtures/taxonomy.json.
4. Words that say nothing ("my", "was", "diagnosed", "help", "group") are dropped.

Each remaining term is matched in the listing's stored text: on PostgreSQL by full text (english
stemming) on the stored `search_vector` column (GIN index, migrations 0005 and 0008); on SQLite by
FTS5 (porter stemming); the directory index reads PostgreSQL's narrow table of published
vectors. Database triggers keep both equal to the listings whatever writes to them
(groups/textindex.py). A listing matches when it matches at least half the
terms; more terms matched rank first, then listings filed under a matched type, then (with a place)
listings in the place before remote ones, then the directory's default order.

The stored text itself is written by groups/search.py (`refresh_search_document`).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.db import connection
from django.db.models import Case, Expression, F, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from groups import vocabulary
from groups.directory import taxonomy as taxonomies
from groups.models import REMOTE, SupportGroup
from groups.textindex import FTS_TABLE, PG_SEARCH
from groups.vocabulary import words_of

if TYPE_CHECKING:
    from groups.directory.index import DirectoryIndex
    from groups.places import Place

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# A word's matches: 12 KB each at 100,000 listings; new searches mostly reuse words seen before.
TERM_CACHE_SIZE = 512

# (tiers of the matches, best first, or None when every listing matches equally; every match)
Ranked = tuple[list[int] | None, int]

# Words that say nothing about which group someone needs. A superset of PostgreSQL's english
# stop words, so a word is dropped here before either database could ignore it differently.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are aren as at be because been before
    being below between both but by can cannot could couldn did didn do does doesn doing don down
    during each few for from further had hadn has hasn have haven having he her here hers herself
    him himself his how i if in into is isn it its itself just ll me more most mustn my myself
    needn no nor not now of off on once only or other ought our ours ourselves out over own re s
    same shan she should shouldn so some such t than that the their theirs them themselves then
    there these they this those through to too under until up ve very was wasn we were weren what
    when where which while who whom why will with won would wouldn you your yours yourself
    yourselves
    also am anyone anything around bit currently diagnosed diagnosis dont feel feeling find finding
    get getting go going got group groups help helps helping im ive kind know like local look
    looking lot maybe meet meeting meetings much near nearby need needs please really recently
    someone something still support supports talk thing things think try trying want wanted wants
    way week who whos
    """.split()
)


def clean_query(text: object) -> str:
    """Collapse whitespace and cap the length; never fails."""
    # Control characters (NUL above all: PostgreSQL refuses it in text) become spaces.
    text = re.sub(r"[\x00-\x1f\x7f]", " ", str(text or ""))
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_QUERY_LENGTH]


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def _postgres_ids(phrases: tuple[str, ...]) -> list[int]:
    """Ids of the published listings whose text has every word of one of `phrases`."""
    query = " || ".join(["plainto_tsquery('english', %s)"] * len(phrases))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {PG_SEARCH}({query})",  # noqa: S608 (constants; the words are parameters)
            [" ".join(_match_words(p)) for p in phrases],
        )
        return cursor.fetchone()[0] or []


def warm_up() -> None:
    """Read the gazetteer and the vocabulary in the background (gunicorn's post_worker_init), so
    a worker's first search does not wait the second they take."""
    from groups import places

    def load() -> None:
        from django.db import connections as thread_connections

        try:
            places.gazetteer()
            vocabulary.current()
        finally:
            thread_connections.close_all()  # this thread's own connection

    threading.Thread(target=load, name="search-warm-up", daemon=True).start()


# --- reading a query ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One thing a visitor asked for: listings whose text says one of `phrases`, or (for a type)
    that are filed under `type_id`."""

    label: str
    phrases: tuple[str, ...]
    type_id: int | None = None


@dataclass
class Reading:
    """How search read a query: terms to match, a place to keep to, what to tell the visitor."""

    terms: list[Term] = field(default_factory=list)
    place: Place | None = None
    widened: bool = False  # a synonym or a correction: say how the query was read

    @property
    def min_match(self) -> int:
        return (len(self.terms) + 1) // 2

    @property
    def searches(self) -> bool:
        return bool(self.terms or self.place)

    def key(self) -> tuple[tuple[Term, ...], int | None]:
        place = self.place.region.pk if self.place else None
        return (tuple(self.terms), place)


@dataclass(frozen=True)
class SearchNotice:
    """What the results page says about how it read the search (includes/search_notice.html)."""

    showing: str = ""  # "Showing results for psychiatric drug withdrawal"
    place: str = ""  # "Glasgow is in Scotland: showing groups in Scotland, and online groups …"

    def __bool__(self) -> bool:
        return bool(self.showing or self.place)


def notice(reading: Reading) -> SearchNotice:
    showing = place = ""
    if reading.widened and reading.terms:
        showing = _("Showing results for %(terms)s") % {
            "terms": ", ".join(t.label for t in reading.terms)
        }
    where = reading.place
    if where is not None and where.name == where.region.name:
        place = _("Showing groups in %(region)s, and online groups anyone can join") % {
            "region": where.region.name
        }
    elif where is not None:
        place = _(
            "%(place)s is in %(region)s: showing groups in %(region)s, and online groups anyone can join"
        ) % {"place": where.name, "region": where.region.name}
    return SearchNotice(showing, place)


def read_query(text: str, generation: object = None) -> Reading:
    """Read a (cleaned) query into terms; a few dictionary lookups once the vocabulary is loaded."""
    from groups import generation as directory_generation
    from groups import places

    if generation is None:
        generation = directory_generation.current()
    words = words_of(clean_query(text))[:40]
    reading = Reading()
    if not words:
        return reading
    vocab = vocabulary.current(generation)
    taxonomy = taxonomies.current(generation)
    tree, concepts = taxonomy.tree, taxonomy.concepts

    place_span = places.find(
        words,
        known=vocab.words,
        ours=taxonomy.region_names,
        tree=tree,
        stop=STOP_WORDS,
        occupied=lambda: taxonomy.occupied_region_ids,
    )
    if place_span is not None:
        start, end, reading.place = place_span
        words = words[:start] + words[end:]

    corrected = []
    for word in words:
        fixed = None if word in STOP_WORDS else vocab.correct(word)
        corrected.append((word, fixed))
    keys = [taxonomies.plural_blind(fixed or word) for word, fixed in corrected]

    seen, i = set(), 0
    while i < len(corrected):
        for length in range(min(5, len(corrected) - i), 0, -1):
            group_type = concepts.get(tuple(keys[i : i + length]))
            if group_type is None:
                continue
            typed = " ".join(w for w, _f in corrected[i : i + length])
            said = " ".join(f or w for w, f in corrected[i : i + length])
            term = Term(
                group_type.name.lower(),
                tuple(dict.fromkeys((said, typed))),
                group_type.pk,
            )
            reading.widened |= typed != group_type.name.lower()
            i += length
            break
        else:
            word, fixed = corrected[i]
            i += 1
            if word in STOP_WORDS:
                continue
            term = Term(fixed or word, (fixed, word) if fixed else (word,))
            reading.widened |= fixed is not None
        if term not in seen:
            seen.add(term)
            reading.terms.append(term)
    reading.terms = reading.terms[:MAX_TERMS]
    return reading


# --- matching, in SQL --------------------------------------------------------------------------


class StoredVector(F):
    """The `search_vector` column: to_tsvector('english', search_document), stored per row.

    A generated column that migration 0005 adds on PostgreSQL only, so the model does not
    declare it; this resolves to it under whatever alias the query gives the listings table.
    Matching (GIN index group_search_vector, migration 0008) reads it instead of re-parsing.
    """

    def __init__(self) -> None:
        super().__init__("search_document")

    def resolve_expression(self, *args: Any, **kwargs: Any) -> Any:
        from django.contrib.postgres.search import SearchVectorField
        from django.db.models.expressions import Col

        document = cast(Col, super().resolve_expression(*args, **kwargs))
        field = SearchVectorField()
        field.set_attributes_from_name("search_vector")
        field.model = document.target.model
        return Col(document.alias, field)


def _match_words(phrase: str) -> list[str]:
    """The words of a phrase a listing's text must all contain (anywhere: no positions to check,
    so neither database reads the text again after its index). Stop words are left out, as
    PostgreSQL leaves its own out."""
    words = words_of(phrase)
    return [w for w in words if w not in STOP_WORDS] or words


def text_condition(phrases: tuple[str, ...]) -> Q:
    """Q: the listing's stored text contains every word of one of `phrases` (stemmed). Needs
    `with_vector()` on PostgreSQL."""
    if on_postgres():
        from django.contrib.postgres.search import SearchQuery

        query = None
        for phrase in phrases:
            one = SearchQuery(" ".join(_match_words(phrase)), config="english")
            query = one if query is None else query | one
        return Q(_vector=query)
    match = " OR ".join("(" + " ".join(f'"{w}"' for w in _match_words(p)) + ")" for p in phrases)
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 (a constant)
    return Q(pk__in=RawSQL(sql, [match]))  # noqa: S611 (the words are a bound parameter)


def with_vector(queryset: QuerySet) -> QuerySet:
    return queryset.alias(_vector=StoredVector()) if on_postgres() else queryset


def filed_under(type_id: int) -> Q:

    through = SupportGroup.types.through
    return Q(pk__in=through.objects.filter(grouptype_id=type_id).values("supportgroup_id"))


def term_condition(term: Term) -> Q:
    condition = text_condition(term.phrases)
    if term.type_id is not None:
        condition |= filed_under(term.type_id)
    return condition


def place_conditions(place: Place) -> tuple[Q, Q]:
    """(in the place's region, or joinable from anywhere)."""
    from groups import generation

    tree = taxonomies.current(generation.current()).tree if place.tree is None else place.tree
    here = Q(region_id__in=tree.descendant_ids(place.region.pk))
    return here, here | Q(attendance__in=REMOTE)


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0))


def search(queryset: QuerySet, text: str, reading: Reading | None = None) -> QuerySet:
    """Filter `queryset` to listings matching `text` and annotate `relevance` (higher is better).

    The same matches and order as the directory index gives (`index_search`), in one statement.
    """
    text = clean_query(text)
    if not text:
        return queryset
    reading = reading or read_query(text)
    if not reading.searches:  # only words that say nothing: every listing
        return queryset.annotate(relevance=Value(0))  # type: ignore[no-any-return]
    queryset = with_vector(queryset)
    relevance: Expression = Value(0)
    if reading.place is not None:
        here, allowed = place_conditions(reading.place)
        queryset = queryset.filter(allowed)
        relevance = _flag(here) * Value(10)
    if reading.terms:
        conditions = [term_condition(t) for t in reading.terms]
        matched = sum((_flag(c) for c in conditions[1:]), _flag(conditions[0]))
        filed = [_flag(filed_under(t.type_id)) for t in reading.terms if t.type_id is not None]
        either = conditions[0]
        for condition in conditions[1:]:
            either |= condition
        queryset = queryset.filter(either)
        if reading.min_match > 1:
            queryset = queryset.alias(_matched=matched).filter(_matched__gte=reading.min_match)
        relevance = matched * Value(100) + relevance + sum(filed, Value(0))
    return queryset.annotate(relevance=relevance)  # type: ignore[no-any-return]


# --- matching, from the directory index ---------------------------------------------------------


def _counted(bitmaps: Iterable[int]) -> list[int]:
    """Bit-sliced counters: digit i of listing p's count is bit p of the i-th int."""
    digits: list[int] = []
    for bits in bitmaps:
        carry = bits
        for i in range(len(digits)):
            if not carry:
                break
            digits[i], carry = digits[i] ^ carry, digits[i] & carry
        if carry:
            digits.append(carry)
    return digits


def _exactly(digits: list[int], k: int, universe: int) -> int:
    if k >> len(digits):
        return 0
    bits = universe
    for i, digit in enumerate(digits):
        bits &= digit if k >> i & 1 else ~digit
    return bits


def _ids_matching(condition: Q) -> QuerySet:

    return (
        with_vector(SupportGroup.objects.published())
        .filter(condition)
        .order_by()
        .values_list("pk", flat=True)
    )


def _hidden(*parts: object) -> str:
    """A key for what a visitor searched for that does not keep their words in clear."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def index_search(index: DirectoryIndex, reading: Reading) -> Ranked:
    """(tiers best first, all matches) as bitmaps over the index's positions; each tier is in the
    default order. A term's text match costs one query once per index (so per generation)."""
    generation = index.generation
    if not reading.searches:
        return None, index.all

    def term_bits(term: Term) -> int:
        def load() -> int:
            ids: Iterable[int]
            if on_postgres():
                ids = _postgres_ids(term.phrases)
            else:
                ids = _ids_matching(text_condition(term.phrases))
            found = index.bitmap_of_ids(ids)
            if term.type_id is not None:
                found |= index.any_of("type", (term.type_id,))
            return found

        return index.remember(
            ("term", _hidden(term.phrases, term.type_id)),
            load,
            keep=TERM_CACHE_SIZE,
        )

    def rank() -> Ranked:
        universe = index.all
        tiers: list[int] = []
        if reading.place is not None:
            tree = reading.place.tree or taxonomies.current(generation).tree
            here = index.any_of("region", sorted(tree.descendant_ids(reading.place.region.pk)))
            universe &= here | index.remote
            places: tuple[int, ...] = (here, universe & ~here)
        else:
            places = (universe,)
        if not reading.terms:
            return [p for p in places if p], universe
        matched = _counted(term_bits(t) for t in reading.terms)
        filed = _counted(index.any_of("type", (t.type_id,)) for t in reading.terms if t.type_id)
        total = 0
        for count in range(len(reading.terms), reading.min_match - 1, -1):
            some = _exactly(matched, count, universe)
            if not some:
                continue
            total |= some
            for place_bits in places:
                in_place = some & place_bits
                for bonus in range(len(reading.terms), -1, -1):
                    tier = in_place & _exactly(filed, bonus, universe) if filed else in_place
                    if tier:
                        tiers.append(tier)
                    if not filed:
                        break
        return tiers, total

    return index.remember(("search", _hidden(reading.key())), rank)
