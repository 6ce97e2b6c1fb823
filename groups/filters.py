"""The directory's filters: parsing the URL, the FilterSet, facet counts, and day/time windows.

The URL holds the whole state. `parse_params()` keeps only values we know (notes what it dropped),
`DirectoryFilter` applies them, and `facet_counts()` answers "how many results would choosing this
option give" for every option with ONE grouped-aggregate SQL statement (UNION ALL of one GROUP BY
per facet, each computed with every filter except its own).

Day and time: in-person groups always use their own local time (`Meeting.minute_of_week`). Groups
one can join remotely (online, phone, hybrid) use the visitor's zone when a valid `tz` is given,
by range queries on `Meeting.utc_minute_of_week` shifted by the visitor's current UTC offset.
"""

import datetime as dt
import hashlib
import json
import zoneinfo
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import django_filters
from django.core.cache import caches
from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Mod
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups import index as directory_index
from groups import schedule, search
from groups.models import (
    Attendance,
    Audience,
    GroupType,
    Language,
    Meeting,
    RegionTree,
    SupportGroup,
)

WEEK = 7 * 1440
MAX_VALUES = 30  # per multi-valued parameter; more is a crafted URL
# Facet counts and the total are cached this long per filter state (the "facets" cache, local
# to each process): counting every published listing costs about a second at 100,000 listings,
# and counts a minute old are fine. The result rows themselves are always read live.
FACET_CACHE_SECONDS = 90
FACET_CACHE = "facets"

ATTENDANCE_CHOICES = [
    ("in_person", _("In person")),
    ("online", _("Online")),
    ("phone", _("By phone")),
    ("hybrid", _("In person and online")),
]
# A hybrid group is also an in-person group and an online group.
ATTENDANCE_MATCHES = {
    "in_person": ["in_person", "hybrid"],
    "online": ["online", "hybrid"],
    "phone": ["phone"],
    "hybrid": ["hybrid"],
}
REMOTE = [Attendance.ONLINE, Attendance.PHONE, Attendance.HYBRID]

DAY_CHOICES = list(zip(schedule.WEEKDAY_CODES, schedule.WEEKDAY_PLURALS, strict=True))
TIME_CHOICES = [
    ("morning", _("Morning (before noon)")),
    ("afternoon", _("Afternoon (noon to 5 pm)")),
    ("evening", _("Evening (from 5 pm)")),
]
TIME_WINDOWS = {"morning": (0, 720), "afternoon": (720, 1020), "evening": (1020, 1440)}

SORT_CHOICES = [
    ("relevance", _("Best match")),
    ("next", _("Next meeting")),
    ("name", _("Name")),
    ("updated", _("Recently updated")),
]

MULTI = ["type", "attendance", "day", "time", "audience", "language"]
FACETS = ["type", "attendance", "region", "day", "time", "audience", "language"]
# Order of parameters in every URL we build, so equal states give equal URLs.
PARAM_ORDER = ["q", *FACETS, "sort", "tz"]

LABELS = {
    "q": _("Search"),
    "type": _("Type of group"),
    "attendance": _("How it meets"),
    "region": _("Where"),
    "day": _("Day"),
    "time": _("Time of day"),
    "audience": _("Who it is for"),
    "language": _("Language"),
    "sort": _("Sort by"),
    "page": _("Page"),
    "tz": _("Time zone"),
}


@lru_cache(maxsize=1)
def _known_zones():
    return frozenset(zoneinfo.available_timezones())


def valid_zone(name):
    return bool(name) and len(name) <= 64 and name in _known_zones()


def week_minute(when):
    """Minutes since Monday 00:00 UTC."""
    when = when.astimezone(dt.UTC)
    return when.weekday() * 1440 + when.hour * 60 + when.minute


def zone_offset_minutes(name, when=None):
    when = (when or timezone.now()).astimezone(zoneinfo.ZoneInfo(name))
    return int((when.utcoffset() or dt.timedelta(0)).total_seconds() // 60)


# --- taxonomy ---------------------------------------------------------------------------------

# Loaded once per process per directory generation (groups/generation.py): name -> (stamp, value).
_kept = {}


def per_generation(name, generation, load):
    """`load()`'s value, kept in this process until the directory generation changes."""
    kept = _kept.get(name)
    if kept is not None and kept[0] == generation:
        return kept[1]
    value = load()
    _kept[name] = (generation, value)
    return value


def _load_catalogue():
    return {
        "types": {o.pk: o for o in GroupType.objects.all()},
        "audiences": {o.pk: o for o in Audience.objects.all()},
        "languages": {o.pk: o for o in Language.objects.all()},
    }


def catalogue(generation):
    """Every type, audience and language as model instances, by id: 3 queries per generation."""
    return per_generation("catalogue", generation, _load_catalogue)


def region_tree(generation):
    """All regions as of `generation`: the taxonomy's tree if it is loaded, else one query."""
    taxonomy = _kept.get("taxonomy")
    if taxonomy is not None and taxonomy[0] == generation:
        return taxonomy[1].tree
    return per_generation("regions", generation, RegionTree.load)


# --- the region rule ---------------------------------------------------------------------------


def serving_region_ids(tree, region_id):
    """Where a listing may be filed and still serve a visitor who chose `region_id`.

    The region and everything inside it, and the wider regions that contain it (a group for "the
    US and Canada", filed under North America, is a group for the US), but not the top of the
    tree: what is filed there serves everyone, and its online groups get a labelled section of
    their own (`anyone_region_ids`). The one rule for the SQL filter, the in-memory index and
    the region counts. Kept on the tree, which lives as long as its generation.
    """
    kept = tree.__dict__.setdefault("_serving", {})
    found = kept.get(region_id)
    if found is None:
        wider = [r.id for r in tree.ancestors(region_id)[:-1] if r.parent_id is not None]
        found = kept[region_id] = frozenset(tree.descendant_ids(region_id) + wider)
    return found


def anyone_region_ids(tree):
    """The top of the tree ("Worldwide"): online groups filed there are open to anyone."""
    return [r.id for r in tree.children.get(None, [])]


def shows_anyone_section(tree, region_slug):
    """A chosen region below the top gets the "Online groups anyone can join" section."""
    region = tree.by_slug.get(region_slug)
    return region is not None and region.parent_id is not None


@dataclass
class Option:
    value: str
    label: str
    key: object = None  # the database value facet counts are grouped by
    depth: int = 0


@dataclass
class Taxonomy:
    types: list = field(default_factory=list)
    audiences: list = field(default_factory=list)
    languages: list = field(default_factory=list)
    tree: RegionTree = None
    _regions: list = None

    @classmethod
    def load(cls):
        """Two queries: types, audiences and languages in one UNION ALL, then all regions."""
        kinds = {"type": [], "audience": [], "language": []}
        rows = (
            GroupType.objects.order_by()
            .annotate(kind=Value("type"))
            .values_list("kind", "id", "slug", "name", "position")
            .union(
                Audience.objects.order_by()
                .annotate(kind=Value("audience"))
                .values_list("kind", "id", "slug", "name", "position"),
                Language.objects.order_by()
                .annotate(kind=Value("language"), position=Value(0))
                .values_list("kind", "id", "code", "name", "position"),
                all=True,
            )
        )
        for kind, pk, slug, name, position in rows:
            kinds[kind].append((position, name, Option(slug, name, pk)))
        taxonomy = cls(*([o for _p, _n, o in sorted(kinds[k], key=lambda t: t[:2])] for k in kinds))
        taxonomy.tree = RegionTree.load()
        return taxonomy

    @classmethod
    def current(cls, generation):
        """The taxonomy as of `generation`: loaded once per process per generation."""
        return per_generation("taxonomy", generation, cls.load)

    def options(self, name):
        if name == "type":
            return self.types
        if name == "audience":
            return self.audiences
        if name == "language":
            return self.languages
        if name == "region":
            # Kept: the taxonomy lives as long as its generation, and this walk is not free.
            if self._regions is None:
                self._regions = self.region_options()
            return self._regions
        if name == "attendance":
            return [Option(v, label, v) for v, label in ATTENDANCE_CHOICES]
        if name == "day":
            return [Option(v, label, i) for i, (v, label) in enumerate(DAY_CHOICES)]
        if name == "time":
            return [Option(v, label, v) for v, label in TIME_CHOICES]
        raise KeyError(name)

    def region_options(self):
        """Every region, depth first, so a select can show the hierarchy."""
        found = []

        def walk(parent_id, depth):
            for region in sorted(self.tree.children.get(parent_id, []), key=lambda r: r.name):
                found.append(Option(region.slug, region.name, region.id, depth))
                walk(region.id, depth + 1)

        walk(None, 0)
        return found


# --- parsing the URL --------------------------------------------------------------------------


@dataclass
class Params:
    """The cleaned directory state. `values[name]` is a list for every filter parameter."""

    values: dict
    q: str = ""
    sort: str = ""
    tz: str = ""
    page: str = "1"
    ignored: list = field(default_factory=list)
    q_truncated: bool = False

    def active(self, name):
        return self.values.get(name) or []

    @property
    def has_filters(self):
        return any(self.values.get(name) for name in FACETS)

    def querydict(self, without=None, drop_value=None, override=None):
        """The state as a QueryDict; `without` drops a parameter, `drop_value` one value of it."""
        data = QueryDict(mutable=True)
        state = {"q": [self.q] if self.q else [], **self.values}
        state["sort"] = [self.sort] if self.sort else []
        state["tz"] = [self.tz] if self.tz else []
        for name in PARAM_ORDER:
            if name == without:
                continue
            values = list((override or {}).get(name, state.get(name) or []))
            if drop_value and drop_value[0] == name:
                values = [v for v in values if v != drop_value[1]]
            if values:
                data.setlist(name, values)
        return data

    def urlencode(self, **kwargs):
        return self.querydict(**kwargs).urlencode()


def parse_params(get, taxonomy, preset=None):
    """Keep what we understand from a GET QueryDict; remember (by parameter) what we dropped."""
    preset = preset or {}
    values, ignored = {}, []

    def note(name):
        if name not in ignored:
            ignored.append(name)

    for name in FACETS:
        raw = [v.strip() for v in get.getlist(name) if v.strip()]
        if name in preset and not raw:
            raw = [preset[name]]
        known = {o.value for o in taxonomy.options(name)}
        kept = []
        for value in raw[:MAX_VALUES]:
            if value in known and value not in kept:
                kept.append(value)
            elif value not in known:
                note(name)
        if len(raw) > MAX_VALUES:
            note(name)
        if name == "region" and len(kept) > 1:
            kept = kept[:1]
            note(name)
        values[name] = kept
    raw_q = " ".join((get.get("q") or "").split())
    q = search.clean_query(raw_q)
    sort = get.get("sort", "")
    if sort and sort not in dict(SORT_CHOICES):
        note("sort")
        sort = ""
    tz = get.get("tz", "").strip()
    if tz and not valid_zone(tz):
        note("tz")
        tz = ""
    page = get.get("page", "1").strip() or "1"
    if not page.isdigit() or len(page) > 6 or int(page) < 1:
        note("page")
        page = "1"
    return Params(
        values=values,
        q=q,
        sort=sort,
        tz=tz,
        page=page,
        ignored=ignored,
        q_truncated=len(raw_q) > len(q),
    )


# --- day and time windows ---------------------------------------------------------------------


def local_windows(days, times):
    """Minute-of-week ranges [start, end) for the chosen days x times, adjacent ones merged."""
    day_list = sorted(days) if days else range(7)
    time_list = [TIME_WINDOWS[t] for t in times] if times else [(0, 1440)]
    ranges = sorted((d * 1440 + a, d * 1440 + b) for d in day_list for a, b in time_list)
    merged = []
    for start, end in ranges:
        if merged and merged[-1][1] >= start:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def shift_windows(windows, offset):
    """Visitor-local windows to UTC ones (utc = local - offset), split where they wrap the week."""
    shifted = []
    for start, end in windows:
        s, e = start - offset, end - offset
        if end - start >= WEEK:
            return [(0, WEEK)]
        s_mod = s % WEEK
        e_mod = s_mod + (e - s)
        if e_mod <= WEEK:
            shifted.append((s_mod, e_mod))
        else:
            shifted.extend([(s_mod, WEEK), (0, e_mod - WEEK)])
    return shifted


def _ranges_q(column, windows):
    condition = Q()
    for start, end in windows:
        condition |= Q(**{f"{column}__gte": start, f"{column}__lt": end})
    return condition


def meeting_condition(days, times, tz_offset=None, prefix=""):
    """Q on Meeting for 'meets on one of `days` at one of `times`' (each empty = any).

    `days` are weekday numbers (0 = Monday), `times` keys of TIME_WINDOWS. With `tz_offset`
    (visitor's minutes east of UTC), remote groups are matched on their UTC start.
    """
    if not days and not times:
        return Q()
    windows = local_windows(days, times)
    own_zone = _ranges_q(f"{prefix}minute_of_week", windows)
    if not times:
        # A meeting with a day but no start time still meets on that day.
        own_zone |= Q(
            **{f"{prefix}minute_of_week__isnull": True, f"{prefix}weekday__in": sorted(days)}
        )
    if tz_offset is None:
        return own_zone
    remote = Q(**{f"{prefix}group__attendance__in": REMOTE})
    visitor_zone = _ranges_q(f"{prefix}utc_minute_of_week", shift_windows(windows, tz_offset))
    return (~remote & own_zone) | (remote & visitor_zone)


def effective_minute(tz_offset=None):
    """The Meeting's start in minutes since Monday as the filters see it (may be NULL)."""
    if tz_offset is None:
        return F("minute_of_week")
    return Case(
        When(
            group__attendance__in=REMOTE,
            # Cast: SQLite's MOD returns a float, and a float day would not divide cleanly.
            then=Cast(Mod(F("utc_minute_of_week") + (tz_offset + WEEK), WEEK), IntegerField()),
        ),
        default=F("minute_of_week"),
        output_field=IntegerField(),
    )


def effective_day(tz_offset=None):
    return Coalesce(effective_minute(tz_offset) / 1440, F("weekday"), output_field=IntegerField())


def time_bucket(tz_offset=None):
    minute = Mod(effective_minute(tz_offset), 1440)
    return Case(
        When(minute_of_week__isnull=True, then=Value("")),
        When(Q(_m__lt=720), then=Value("morning")),
        When(Q(_m__lt=1020), then=Value("afternoon")),
        default=Value("evening"),
    ), minute


# --- the FilterSet ----------------------------------------------------------------------------


class DirectoryFilter(django_filters.FilterSet):
    """Applies cleaned directory parameters. Text search is applied before (see `Directory`)."""

    type = django_filters.MultipleChoiceFilter(method="filter_types", label=LABELS["type"])
    attendance = django_filters.MultipleChoiceFilter(
        method="filter_attendance", choices=ATTENDANCE_CHOICES, label=LABELS["attendance"]
    )
    region = django_filters.ChoiceFilter(method="filter_region", label=LABELS["region"])
    day = django_filters.MultipleChoiceFilter(
        method="filter_day", choices=DAY_CHOICES, label=LABELS["day"]
    )
    time = django_filters.MultipleChoiceFilter(
        method="filter_time", choices=TIME_CHOICES, label=LABELS["time"]
    )
    audience = django_filters.MultipleChoiceFilter(
        method="filter_audiences", label=LABELS["audience"]
    )
    language = django_filters.MultipleChoiceFilter(
        method="filter_languages", label=LABELS["language"]
    )

    class Meta:
        model = SupportGroup
        fields = []

    def __init__(self, data, *, taxonomy, tz_offset=None, **kwargs):
        self.taxonomy = taxonomy
        self.tz_offset = tz_offset
        super().__init__(data, **kwargs)
        for name in ("type", "audience", "language", "region"):
            self.filters[name].extra["choices"] = [
                (o.value, o.label) for o in taxonomy.options(name)
            ]

    def filter_types(self, queryset, name, value):
        return queryset.filter(
            Exists(
                SupportGroup.types.through.objects.filter(
                    supportgroup_id=OuterRef("pk"), grouptype__slug__in=value
                )
            )
        )

    def filter_audiences(self, queryset, name, value):
        return queryset.filter(
            Exists(
                SupportGroup.audiences.through.objects.filter(
                    supportgroup_id=OuterRef("pk"), audience__slug__in=value
                )
            )
        )

    def filter_languages(self, queryset, name, value):
        return queryset.filter(
            Exists(
                SupportGroup.languages.through.objects.filter(
                    supportgroup_id=OuterRef("pk"), language__code__in=value
                )
            )
        )

    def filter_attendance(self, queryset, name, value):
        raw = sorted({a for v in value for a in ATTENDANCE_MATCHES[v]})
        return queryset.filter(attendance__in=raw)

    def filter_region(self, queryset, name, value):
        region = self.taxonomy.tree.by_slug[value]
        return queryset.in_region(sorted(serving_region_ids(self.taxonomy.tree, region.id)))

    def _meets(self, queryset, days, times):
        day_numbers = [schedule.WEEKDAY_CODES.index(d) for d in days]
        condition = meeting_condition(day_numbers, times, self.tz_offset)
        return queryset.filter(Exists(Meeting.objects.filter(condition, group=OuterRef("pk"))))

    def filter_day(self, queryset, name, value):
        # Day and time must hold for the same meeting: this filter applies both.
        return self._meets(queryset, value, self.form.cleaned_data.get("time") or [])

    def filter_time(self, queryset, name, value):
        if self.form.cleaned_data.get("day"):
            return queryset  # already applied together with the day
        return self._meets(queryset, [], value)


# --- the directory: filters, facets, ordering -------------------------------------------------


class Directory:
    """One directory request: the searched base, the filtered results and the facet counts."""

    def __init__(self, params, taxonomy, base=None, base_key=None, generation=None):
        """`base_key` names a custom `base` for the facet cache; without one it is not cached.

        With the directory `generation` (groups/generation.py) and the default base, counts and
        pages come from the in-memory index (groups/index.py) when it is current.
        """
        self.params = params
        self.taxonomy = taxonomy
        self.generation = generation
        self.tz_offset = zone_offset_minutes(params.tz) if params.tz else None
        if base is None:
            base, base_key = SupportGroup.objects.published(), "published"
        self.base_key = base_key
        self._unsearched = base
        self.index = (
            directory_index.for_generation(generation)
            if generation is not None and base_key == "published"
            else None
        )
        # Answered from an index built before the latest change (a newer one is being built).
        self.stale = self.index is not None and self.index.generation != generation

    @cached_property
    def reading(self):
        """How search read the words (groups/search.py), or None without a search."""
        return search.read_query(self.params.q, self.generation) if self.params.q else None

    @property
    def search_notice(self):
        return search.notice(self.reading) if self.reading else search.SearchNotice()

    @cached_property
    def base(self):
        if self.params.q:
            return search.search(self._unsearched, self.params.q, self.reading)
        return self._unsearched

    def filtered(self, without=None):
        data = {k: v for k, v in self.params.values.items() if k != without and v}
        filterset = DirectoryFilter(
            _to_querydict(data),
            taxonomy=self.taxonomy,
            tz_offset=self.tz_offset,
            queryset=self.base,
        )
        return filterset.qs

    @property
    def results(self):
        return self.filtered()

    @cached_property
    def now(self):
        """The moment "next meeting" is counted from: one per request."""
        return timezone.now()

    @property
    def sort(self):
        # Without search words: the next meeting from now first (as the most-used meeting
        # finders do), then listings without fixed times in the default order.
        return self.params.sort or ("relevance" if self.params.q else "next")

    def ordered(self, queryset, sort=None):
        sort = sort or self.sort
        active_first = directory_index.active_first()
        if sort == "relevance" and self.params.q:
            return queryset.order_by("-relevance", active_first, "name", "pk")
        if sort == "updated":
            return queryset.order_by("-updated_at", "name", "pk")
        if sort == "next":
            now_minute = week_minute(self.now)
            upcoming = (
                Meeting.objects.filter(group=OuterRef("pk"), utc_minute_of_week__isnull=False)
                .annotate(wait=Mod(F("utc_minute_of_week") + (WEEK - now_minute), WEEK))
                .order_by("wait")
                .values("wait")[:1]
            )
            from django.db.models import Subquery

            return queryset.annotate(wait=Subquery(upcoming)).order_by(
                F("wait").asc(nulls_last=True), active_first, "name", "pk"
            )
        return queryset.order_by(active_first, "name", "pk")

    def cache_key(self):
        """The filter state that decides the counts (not page or sort), hashed.

        sha256 so the search words never sit in the cache in clear.
        """
        state = {
            "values": {name: sorted(self.params.active(name)) for name in FACETS},
            "q": self.params.q,
            "tz": self.tz_offset,
            "base": self.base_key,
            "generation": self.generation,
        }
        digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()
        return f"facets:v1:{digest}"

    def facet_counts(self):
        """{'total': n, 'type': {option value: n}, ...}: cached, else ONE SQL statement."""
        if self.index is not None:
            return self._by_option(self._index_count())
        cache = caches[FACET_CACHE]
        key = self.cache_key() if self.base_key else None
        raw = cache.get(key) if key else None
        if raw is None:
            raw = self._count()
            if key:
                cache.set(key, raw, FACET_CACHE_SECONDS)
        return self._by_option(raw)

    def _count(self):
        statements = [("total", self.results.order_by().values("pk"), None)]
        through = {
            "type": (SupportGroup.types.through, "grouptype_id"),
            "audience": (SupportGroup.audiences.through, "audience_id"),
            "language": (SupportGroup.languages.through, "language_id"),
        }
        for name, (model, column) in through.items():
            ids = self.filtered(without=name).order_by().values("pk")
            statements.append(
                (
                    name,
                    model.objects.filter(supportgroup_id__in=ids)
                    .annotate(k=F(column))
                    .values("k")
                    .annotate(n=Count("supportgroup_id", distinct=True))
                    .values("k", "n"),
                    True,
                )
            )
        for name, column in (("attendance", "attendance"), ("region", "region_id")):
            statements.append(
                (
                    name,
                    self.filtered(without=name)
                    .order_by()
                    .annotate(k=F(column))
                    .values("k")
                    .annotate(n=Count("pk"))
                    .values("k", "n"),
                    True,
                )
            )
        days = [schedule.WEEKDAY_CODES.index(d) for d in self.params.active("day")]
        times = self.params.active("time")
        for name, expression, condition in (
            ("day", effective_day(self.tz_offset), meeting_condition([], times, self.tz_offset)),
            ("time", None, meeting_condition(days, [], self.tz_offset)),
        ):
            meetings = Meeting.objects.filter(
                condition, group__in=self.filtered(without=name).order_by().values("pk")
            )
            if name == "time":
                bucket, minute = time_bucket(self.tz_offset)
                meetings = meetings.alias(_m=minute).annotate(k=bucket).exclude(k="")
            else:
                meetings = meetings.annotate(k=expression).exclude(k__isnull=True)
            statements.append(
                (
                    name,
                    meetings.order_by()
                    .values("k")
                    .annotate(n=Count("group_id", distinct=True))
                    .values("k", "n"),
                    True,
                )
            )
        return _run_union(statements)

    # --- the same from the in-memory index -------------------------------------------------------

    def _index_search(self):
        """(order: bitmaps best first, or None; bitmap) of the listings matching the search."""
        return search.index_search(self.index, self.reading)

    @cached_property
    def _index_filters(self):
        """{facet: bitmap} for the chosen options of every facet but day and time."""
        index, values, tree = self.index, self.params.values, self.taxonomy.tree
        chosen = {}
        for name, table in (
            ("type", index.types),
            ("audience", index.audiences),
            ("language", index.languages),
        ):
            if values.get(name):
                keys = {o.value: o.key for o in self.taxonomy.options(name)}
                chosen[name] = index.any_of(table, [keys[v] for v in values[name]])
        if values.get("attendance"):
            raw = {a for v in values["attendance"] for a in ATTENDANCE_MATCHES[v]}
            chosen["attendance"] = index.any_of(index.attendance, raw)
        if values.get("region"):
            region = tree.by_slug[values["region"][0]]
            chosen["region"] = index.region_bits(serving_region_ids(tree, region.id))
        return chosen

    def _index_bits(self, without=None):
        index = self.index
        bits = self._index_search()[1] if self.params.q else index.all
        for name, chosen in self._index_filters.items():
            if name != without:
                bits &= chosen
        days = [] if without == "day" else self._days()
        buckets = [] if without == "time" else self._buckets()
        if days or buckets:
            bits &= index.meets(days, buckets, self.tz_offset)
        return bits

    def _days(self):
        return [schedule.WEEKDAY_CODES.index(d) for d in self.params.active("day")]

    def _buckets(self):
        return [directory_index.BUCKETS[t] for t in self.params.active("time")]

    def _index_count(self):
        """The raw counts of `_count()`, from bitmaps: no SQL."""
        index = self.index
        raw = {"total": {"": self._index_bits().bit_count()}}
        for name, table in (
            ("type", index.types),
            ("audience", index.audiences),
            ("language", index.languages),
            ("attendance", index.attendance),
            ("region", index.region),
        ):
            rest = self._index_bits(without=name)
            raw[name] = {
                str(key): n for key, bits in table.items() if (n := (rest & bits).bit_count())
            }
        rest, buckets = self._index_bits(without="day"), self._buckets()
        raw["day"] = {
            str(day): (rest & index.meets([day], buckets, self.tz_offset)).bit_count()
            for day in range(7)
        }
        rest, days = self._index_bits(without="time"), self._days()
        raw["time"] = {
            name: (rest & index.meets(days, [bucket], self.tz_offset)).bit_count()
            for name, bucket in directory_index.BUCKETS.items()
        }
        return raw

    def page_ids(self, start, count):
        """Ids of results start .. start+count-1 from the index, or None: ask SQL."""
        if self.index is None:
            return None
        return self.index.page(self._index_bits(), start, count, self._index_order())

    def _index_order(self):
        sort = self.sort
        if sort == "relevance" and self.params.q:
            return self._index_search()[0]
        if sort == "updated":
            return self.index.updated_order()
        if sort == "next":
            return self.index.next_order(week_minute(self.now))
        return None

    def _by_option(self, raw):
        result = {"total": raw.get("total", {}).get("", 0)}
        for name in FACETS:
            grouped = raw.get(name, {})
            options = self.taxonomy.options(name)
            if name == "attendance":
                result[name] = {
                    o.value: sum(grouped.get(a, 0) for a in ATTENDANCE_MATCHES[o.value])
                    for o in options
                }
            elif name == "region":
                result[name] = self._region_rollup(grouped)
            else:
                result[name] = {o.value: grouped.get(str(o.key), 0) for o in options}
        return result

    def _region_rollup(self, grouped):
        """Listings per region option by the region rule (`serving_region_ids`)."""
        tree = self.taxonomy.tree
        per_id = {int(key): n for key, n in grouped.items() if key}
        per_region = {}
        for region in tree.by_id.values():
            n = sum(per_id.get(i, 0) for i in serving_region_ids(tree, region.id))
            if n:
                per_region[region.slug] = n
        return per_region

    # --- online groups anyone can join, beside a region's results -----------------------------

    def anyone_online(self, count):
        """(total, ids of the first `count`) of the online groups open to anyone that match every
        filter but the region: listed in a section of their own when a region is chosen."""
        region = self.params.active("region")
        if not region or not shows_anyone_section(self.taxonomy.tree, region[0]):
            return 0, []
        top = anyone_region_ids(self.taxonomy.tree)
        if self.index is not None:
            bits = (
                self._index_bits(without="region") & self.index.remote & self.index.region_bits(top)
            )
            return bits.bit_count(), self.index.page(bits, 0, count, self._index_order())
        found = self.filtered(without="region").filter(attendance__in=REMOTE, region_id__in=top)
        ids = list(self.ordered(found).values_list("pk", flat=True)[: count + 1])
        total = len(ids) if len(ids) <= count else found.count()
        return total, ids[:count]

    def total(self):
        """How many results: from the index when it answers, else one COUNT."""
        if self.index is not None:
            return self._index_bits().bit_count()
        return self.results.count()


def _to_querydict(data):
    querydict = QueryDict(mutable=True)
    for name, values in data.items():
        if isinstance(values, list | tuple):
            querydict.setlist(name, values)
        else:
            querydict[name] = values
    return querydict


def _run_union(statements):
    """Run the facet GROUP BYs as one UNION ALL; returns {facet: {str(key): count}}."""
    # Only ORM-compiled SQL is concatenated; every value stays a bound parameter.
    parts, params = [], []
    for name, queryset, grouped in statements:
        sql, sql_params = queryset.query.sql_with_params()
        if grouped:
            parts.append(
                f"SELECT %s AS facet, CAST(sub.k AS VARCHAR(200)) AS k, sub.n FROM ({sql}) sub"  # noqa: S608
            )
        else:
            parts.append(f"SELECT %s AS facet, '' AS k, COUNT(*) AS n FROM ({sql}) sub")  # noqa: S608
        params.extend([name, *sql_params])
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for facet, key, n in cursor.fetchall():
            key = "" if key is None else key
            counts.setdefault(facet, {})[key] = counts.get(facet, {}).get(key, 0) + n
    return counts
