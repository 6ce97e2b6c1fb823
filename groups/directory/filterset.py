"""The directory's filters, declared once: what the URL may say, and how each facet is read.

`DirectoryFilter` (django-filter) declares every parameter of the directory's URL. Its form
validates them leniently: a value we do not know is dropped and noted (the page says which
filters it ignored) instead of failing the whole request, so a stale bookmark or a crafted URL
still gets a useful page. `DirectoryFilter.state()` is the cleaned result.

Each facet declares, in one place, its label and options, how the directory index files
listings under it (a column of the listing, or a many-to-many table: groups/directory/index.py
builds its bitmaps from these declarations), and how SQL reads it (`filter`, used by `.qs`:
the tests compare every index answer with it). In production the index executes the state.
Adding a facet: one declaration here, the options on the taxonomy if they come from a table,
and its words in the facet template if it needs any.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, ManyToManyField, Model, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from groups import schedule, timezones
from groups.directory import search, weeks
from groups.directory.state import State
from groups.directory.taxonomy import Option, Taxonomy
from groups.models import REMOTE, Attendance, Meeting, SupportGroup

MAX_VALUES = 30  # per multi-valued parameter; more is a crafted URL

ATTENDANCE_OPTIONS = [
    # A hybrid group is also an in-person group and an online group.
    Option("in_person", _("In person"), (Attendance.IN_PERSON, Attendance.HYBRID)),
    Option("online", _("Online"), (Attendance.ONLINE, Attendance.HYBRID)),
    Option("phone", _("By phone"), (Attendance.PHONE,)),
    Option("hybrid", _("In person and online"), (Attendance.HYBRID,)),
]
DAY_OPTIONS = [
    Option(code, label, (number,))
    for number, (code, label) in enumerate(
        zip(schedule.WEEKDAY_CODES, schedule.WEEKDAY_PLURALS, strict=True)
    )
]
TIME_OPTIONS = [
    Option("morning", _("Morning (before noon)"), (weeks.BUCKETS["morning"],)),
    Option("afternoon", _("Afternoon (noon to 5 pm)"), (weeks.BUCKETS["afternoon"],)),
    Option("evening", _("Evening (from 5 pm)"), (weeks.BUCKETS["evening"],)),
]
SORT_CHOICES = [
    ("relevance", _("Best match")),
    ("next", _("Next meeting")),
    ("name", _("Name")),
    ("updated", _("Recently updated")),
]


# --- lenient fields: keep what we know, note what we dropped -----------------------------------


def _given(value: Any) -> list[str]:
    """A parameter's values as the URL gave them, blanks left out."""
    return [v.strip() for v in value or [] if isinstance(v, str) and v.strip()]


class KnownValues(forms.Field):
    """The URL's values of one parameter that are among `choices`; never invalid.

    `dropped` tells the form that something was left out (an unknown value, more than
    MAX_VALUES of them, or a second value where one is allowed).
    """

    widget = forms.SelectMultiple  # reads every value of the parameter

    def __init__(self, *, choices: Sequence[str] = (), single: bool = False, **kwargs: Any):
        kwargs["required"] = False
        super().__init__(**kwargs)
        self.choices = frozenset(choices)
        self.single = single
        self.dropped = False

    def clean(self, value: Any) -> list[str]:
        raw = _given(value)
        kept: list[str] = []
        self.dropped = len(raw) > MAX_VALUES
        for item in raw[:MAX_VALUES]:
            if item not in self.choices:
                self.dropped = True
            elif item not in kept:
                kept.append(item)
        if self.single and len(kept) > 1:
            kept, self.dropped = kept[:1], True
        return kept


class KnownZone(KnownValues):
    def clean(self, value: Any) -> list[str]:
        raw = _given(value)[:1]
        self.dropped = bool(raw) and not timezones.is_known(raw[0])
        return [] if self.dropped else raw


class PageNumber(KnownValues):
    def clean(self, value: Any) -> list[str]:
        raw = (_given(value) or ["1"])[0]
        self.dropped = not raw.isdigit() or len(raw) > 6 or int(raw) < 1
        return ["1" if self.dropped else raw]


class SearchWords(forms.CharField):
    """The search box: whitespace collapsed, control characters gone, the length capped."""

    def __init__(self, **kwargs: Any):
        kwargs.update(required=False, strip=False)
        super().__init__(**kwargs)
        self.truncated = False

    def clean(self, value: Any) -> str:
        said = " ".join(str(value or "").split())
        cleaned = search.clean_query(said)
        self.truncated = len(said) > len(cleaned)
        return cleaned


# --- the declarations --------------------------------------------------------------------------


class Parameter(django_filters.Filter):
    """A directory parameter that is not a facet (sort, time zone, page): SQL ignores it."""

    field_class = KnownValues

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        return qs


class ZoneParameter(Parameter):
    field_class = KnownZone


class PageParameter(Parameter):
    field_class = PageNumber


class Facet(django_filters.Filter):
    """A filter of the directory with counted options (the panel beside the results).

    `options(taxonomy)` lists its choices; each option's `keys` are what listings are filed
    under in `column` (a SupportGroup field) or in the many-to-many `through` field. A listing
    matches when it is filed under a key of any chosen option.
    """

    field_class = KnownValues

    def __init__(
        self,
        *,
        options: Callable[[Taxonomy], list[Option]],
        column: str = "",
        through: str = "",
        single: bool = False,
        listed_without_results: bool = False,
        open_by_default: bool = False,
        **kwargs: Any,
    ):
        super().__init__(single=single, **kwargs)  # `single` goes to the field (KnownValues)
        self.options = options
        self.column = column
        self.through = through
        self.single = single
        self.listed_without_results = listed_without_results
        self.open_by_default = open_by_default

    def filter(self, qs: QuerySet, value: list[str]) -> QuerySet:
        """The SQL reading, for `.qs`: the tests' oracle for the index."""
        if not value:
            return qs
        keys = sorted(
            {k for o in self.options(self.parent.taxonomy) if o.value in value for k in o.keys}
        )
        if self.column:
            return qs.filter(**{f"{self.column}__in": keys})
        through, column = many_to_many(self.through)
        return qs.filter(
            Exists(
                through._default_manager.filter(
                    supportgroup_id=OuterRef("pk"), **{f"{column}__in": keys}
                )
            )
        )


def many_to_many(name: str) -> tuple[type[Model], str]:
    """The table behind a many-to-many field of SupportGroup, and its column for the other side."""
    field = SupportGroup._meta.get_field(name)
    assert isinstance(field, ManyToManyField), name
    through = field.remote_field.through
    assert through is not None, name
    return through, field.m2m_reverse_name()


class MeetingFacet(Facet):
    """Day or time of day: one meeting must be on a chosen day AND at a chosen time, so the two
    are read together (`DirectoryFilter.filter_queryset`, `DirectoryIndex.meets`)."""

    def filter(self, qs: QuerySet, value: list[str]) -> QuerySet:
        return qs


class Search(django_filters.CharFilter):
    field_class = SearchWords

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return search.search(qs, value) if value else qs


class DirectoryFilter(django_filters.FilterSet):
    q = Search(label=_("Search"))
    type = Facet(
        label=_("Type of group"),
        options=lambda t: t.type_options,
        through="types",
        open_by_default=True,
    )
    attendance = Facet(
        label=_("How it meets"),
        options=lambda t: ATTENDANCE_OPTIONS,
        column="attendance",
        listed_without_results=True,
        open_by_default=True,
    )
    region = Facet(
        label=_("Where"),
        options=lambda t: t.region_options,
        column="region_id",
        single=True,
        open_by_default=True,
    )
    day = MeetingFacet(label=_("Day"), options=lambda t: DAY_OPTIONS, listed_without_results=True)
    time = MeetingFacet(
        label=_("Time of day"), options=lambda t: TIME_OPTIONS, listed_without_results=True
    )
    audience = Facet(
        label=_("Who it is for"), options=lambda t: t.audience_options, through="audiences"
    )
    language = Facet(label=_("Language"), options=lambda t: t.language_options, through="languages")
    sort = Parameter(label=_("Sort by"), choices=[v for v, _label in SORT_CHOICES], single=True)
    tz = ZoneParameter(label=_("Time zone"))
    page = PageParameter(label=_("Page"))

    class Meta:
        model = SupportGroup
        fields: list[str] = []

    def __init__(
        self,
        data: QueryDict | None,
        *,
        taxonomy: Taxonomy,
        preset: dict[str, str] | None = None,
        queryset: QuerySet | None = None,
    ):
        data = (data or QueryDict()).copy()
        for name, value in (preset or {}).items():
            if not [v for v in data.getlist(name) if v.strip()]:
                data.setlist(name, [value])  # a landing page's region or type
        super().__init__(data, queryset=queryset)
        self.taxonomy = taxonomy
        for facet in self.facets().values():
            facet.extra["choices"] = [o.value for o in facet.options(taxonomy)]

    def facets(self) -> dict[str, Facet]:
        return {name: f for name, f in self.filters.items() if isinstance(f, Facet)}

    def state(self) -> State:
        """The cleaned state; never fails (see KnownValues)."""
        form = self.form
        form.is_valid()
        data = form.cleaned_data
        ignored = [
            str(self.filters[name].label)
            for name, field in form.fields.items()
            if getattr(field, "dropped", False)
        ]
        return State(
            values={name: data[name] for name in self.facets()},
            q=data["q"],
            sort=(data["sort"] or [""])[0],
            tz=(data["tz"] or [""])[0],
            page=int(data["page"][0]),
            ignored=ignored,
            q_truncated=form.fields["q"].truncated,
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """The SQL reading of the whole state (the tests' oracle): every facet, the search, and
        day and time together."""
        queryset = super().filter_queryset(queryset)
        state = self.state()
        days = [o.keys[0] for o in DAY_OPTIONS if o.value in state.active("day")]
        times = state.active("time")
        offset = weeks.zone_offset_minutes(state.tz) if state.tz else None
        if days or times:
            condition = meeting_condition(days, times, offset)
            queryset = queryset.filter(
                Exists(Meeting.objects.filter(condition, group=OuterRef("pk")))
            )
        return queryset


# The facets as declared, in URL order: what the index reads and the directory counts.
FACETS: dict[str, Facet] = {
    name: f for name, f in DirectoryFilter.base_filters.items() if isinstance(f, Facet)
}


def _ranges_q(column: str, windows: weeks.Windows) -> Q:
    condition = Q()
    for start, end in windows:
        condition |= Q(**{f"{column}__gte": start, f"{column}__lt": end})
    return condition


def meeting_condition(days: list[int], times: list[str], tz_offset: int | None = None) -> Q:
    """Q on Meeting for 'meets on one of `days` at one of `times`' (each empty = any).

    In-person groups are read in their own local time; with `tz_offset` (the visitor's minutes
    east of UTC), groups one can join remotely are read by their UTC start in the visitor's zone.
    """
    if not days and not times:
        return Q()
    windows = weeks.local_windows(days, times)
    own_zone = _ranges_q("minute_of_week", windows)
    if not times:
        # A meeting with a day but no start time still meets on that day.
        own_zone |= Q(minute_of_week__isnull=True, weekday__in=sorted(days))
    if tz_offset is None:
        return own_zone
    remote = Q(group__attendance__in=REMOTE)
    visitor_zone = _ranges_q("utc_minute_of_week", weeks.shift_windows(windows, tz_offset))
    return (~remote & own_zone) | (remote & visitor_zone)
