"""The directory's pages: home, the list with its search and filters, landing pages for a region
or a type, and the calendar of a search. Every count and page of results comes from the index
(groups/directory/directory.py); SQL reads only the cards of the page shown."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from groups import calendar, generation, pagecache, timezones
from groups.directory import process
from groups.directory import taxonomy as taxonomies
from groups.directory.cards import Card, cards_for
from groups.directory.directory import Counts, Directory
from groups.directory.filterset import SORT_CHOICES, DirectoryFilter
from groups.directory.state import State
from groups.directory.taxonomy import Taxonomy
from groups.models import GroupType, Region, SupportGroup
from groups.pagecache import cache_anonymous_page
from peerdir.siteurl import site_url

PAGE_SIZE = 20
ANYONE_SECTION_SIZE = 5  # online groups anyone can join, shown beside a region's results
SEARCH_CALENDAR_LIMIT = 500
PARTIAL_HEADER = "X-Directory-Partial"
INDENT = "\u2003"  # an em space per level: the region select shows the hierarchy


def directory_for(request: HttpRequest, data: QueryDict, preset: dict | None = None) -> Directory:
    """The directory as `data` asks for it. Query 1: the directory's generation; once per
    generation and process, the taxonomy (4 queries) and the index (5)."""
    current = generation.of(request)
    taxonomy = taxonomies.current(current)
    state = DirectoryFilter(data, taxonomy=taxonomy, preset=preset).state()
    return Directory(state, taxonomy, process.index_for(current))


# --- home ---------------------------------------------------------------------------------------


@require_safe
@cache_anonymous_page
def home(request: HttpRequest) -> HttpResponse:
    current = generation.of(request)
    taxonomy, index = taxonomies.current(current), process.index_for(current)
    types = []
    for group_type in taxonomy.types:
        n = index.any_of("type", (group_type.pk,)).bit_count()
        if n:
            types.append({"type": group_type, "count": n})
    tree = taxonomy.tree

    def total(region: Region) -> int:
        return index.any_of("region", sorted(tree.descendant_ids(region.id))).bit_count()

    # Browse by the first level that says something: continents' countries, or the top regions.
    top = tree.children.get(None, [])
    if len(top) == 1:
        top = tree.children.get(top[0].id, [])
    regions = []
    for region in sorted(top, key=lambda r: r.name):
        if n := total(region):
            children = [
                (child, m)
                for child in sorted(tree.children.get(region.id, []), key=lambda r: r.name)
                if (m := total(child))
            ]
            regions.append({"region": region, "count": n, "children": children})
    context = {
        "types": types,
        "regions": regions,
        "total": index.size,
        "canonical_url": site_url(reverse("groups:home")),
    }
    return render(request, "home.html", context)


# --- the list -----------------------------------------------------------------------------------


def _facets(directory: Directory, counts: Counts) -> list[dict[str, Any]]:
    """The filter panel: every facet with its options and counts (facet_options.html)."""
    state, found = directory.state, []
    for name, facet in directory.facets.items():
        chosen = state.active(name)
        options = []
        for o in facet.options(directory.taxonomy):
            count, checked = counts[name].get(o.value, 0), o.value in chosen
            if count or checked or facet.listed_without_results:
                indent = INDENT * o.depth
                options.append(
                    {
                        "value": o.value,
                        "label": o.label,
                        "count": count,
                        "checked": checked,
                        "id": f"f-{name}-{o.value}",
                        # A select's line in one variable: each {{ }} of a template costs
                        # about 3 µs, and the region select has 220 options (measured: 1.3
                        # instead of 3.4 ms per page). The template still escapes it.
                        "text": f"{indent}{o.label} ({count})",
                    }
                )
        if options or facet.single:
            found.append(
                {
                    "name": name,
                    "legend": facet.label,
                    "options": options,
                    "select": facet.single,
                    "open": bool(chosen) or facet.open_by_default,
                }
            )
    return found


def _active_filters(directory: Directory) -> list[dict[str, Any]]:
    state, active = directory.state, []
    if state.q:
        active.append(
            {
                "label": _("Search: “%(q)s”") % {"q": state.q},
                "url": state.link(without="q"),
                "change": {"without": "q"},
            }
        )
    for name, facet in directory.facets.items():
        labels = {o.value: o.label for o in facet.options(directory.taxonomy)}
        for value in state.active(name):
            active.append(
                {
                    "label": f"{facet.label}: {labels[value]}",
                    "url": state.link(drop_value=(name, value)),
                    "change": {"drop_value": (name, value)},
                }
            )
    return active


def _results_page(total: int, number: int) -> Page:
    """The page of result cards. The total comes from the counts; a page past the end shows
    the last one."""
    paginator = Paginator(range(total), PAGE_SIZE)
    try:
        number = paginator.validate_number(number)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages
    return Page([], number, paginator)


def _suggestions(
    request: HttpRequest, directory: Directory, active_filters: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """Ways out of an empty result, each counted first: only those that give results are
    offered, each saying what it changes and how many groups it shows."""
    state = directory.state

    def counted(label: str, **change: Any) -> dict[str, str] | None:
        data = state.querydict(**change)
        found = directory_for(request, data).total()
        if not found:
            return None
        text = ngettext("%(change)s: %(n)s group", "%(change)s: %(n)s groups", found) % {
            "change": label,
            "n": f"{found:,}",
        }
        return {"label": text, "url": state.link(**change)}

    offered = []
    for item in active_filters:
        if item["change"] == {"without": "q"}:  # not "Remove “Search: “words””"
            label = _("Search without the words “%(q)s”") % {"q": state.q}
        else:
            label = _("Remove “%(label)s”") % {"label": item["label"]}
        offered.append(counted(label, **item["change"]))
    if "online" not in state.active("attendance") or state.active("region"):
        # Online groups from anywhere: the place chosen does not limit who can join them.
        online = {"attendance": ["online"], "region": []}
        offered.append(counted(_("Show online groups from anywhere"), override=online))
        if state.q:
            offered.append(
                counted(
                    _("Show online groups from anywhere, without the search words"),
                    override={**online, "q": []},
                )
            )
    # With one choice made, removing it already is "everything": not offered twice.
    if len(active_filters) > 1:
        offered.append(
            counted(_("Clear everything and see every group"), override=_everything(directory))
        )
    return [o for o in offered if o is not None]


def _everything(directory: Directory) -> dict[str, list[str]]:
    """The change that clears the search and every filter. The visitor's time zone and order
    stay: they are how to show the groups, not which ones."""
    return {name: [] for name in ["q", *directory.facets]}


def _quick_filters(state: State, counts: Counts) -> list[dict[str, str]]:
    """One-tap choices above the results (links: they work without JavaScript). A choice
    already made is not offered again: its chip above removes it. Nor is one that would show
    no group: a facet's counts are "every filter except its own", which is what the choice
    (replacing that facet's values) would find."""
    choices = (
        ("attendance", "online", _("Online")),
        ("attendance", "in_person", _("In person")),
        ("time", "evening", _("Evenings")),
    )
    return [
        {"label": label, "url": state.link(override={name: [value]})}
        for name, value, label in choices
        if state.active(name) != [value] and counts[name].get(value, 0)
    ]


def _canonical_for(state: State, landing: dict | None) -> str:
    """One URL per page of content: a lone region or type filter is its landing page."""
    if landing is not None:
        return site_url(landing["url"])
    only = [name for name, values in state.values.items() if values]
    if not state.q and len(only) == 1 and len(state.active(only[0])) == 1:
        value = state.active(only[0])[0]
        if only[0] == "region":
            return site_url(reverse("groups:region", args=[value]))
        if only[0] == "type":
            return site_url(reverse("groups:type", args=[value]))
    return site_url(reverse("groups:list"))


def _time_note(state: State, cards: list[Card]) -> dict[str, Any] | None:
    """What the results say, once and above them, about whose clock their times read: each
    group's own until the visitor names a zone; then online and phone groups' in the visitor's
    (in-person groups keep their own, as the day and time filters do). Offered with a zone
    choice whenever the zone changes what the page shows, so a visitor without JavaScript need
    not find it under Filters. None when there is nothing to say."""
    remote = any(card.remote and card.zones for card in cards)
    in_person = any(not card.remote and card.zones for card in cards)
    by_time = bool(state.active("day") or state.active("time"))
    offer = remote or by_time
    if not state.tz:
        if offer:
            # The choice's first option, "Each group’s own time", says what the page shows.
            return {"label": _("Times are shown in:")}
        return None
    note: dict[str, Any] = {}
    if offer:
        note["label"] = _("Online and phone groups’ times are shown in:")
    if in_person:
        note["in_person"] = _("In-person groups keep their own local time.")
    return note or None


def _zone_form_fields(state: State) -> list[tuple[str, str]]:
    """The directory's state as hidden fields, for the zone choice above the results: choosing
    a zone keeps the search, the filters and the order (and starts again at the first page)."""
    return [(name, v) for name, values in state.querydict(without="tz").lists() for v in values]


def _directory_page(
    request: HttpRequest, preset: dict | None = None, landing: dict | None = None
) -> HttpResponse:
    directory = directory_for(request, request.GET, preset)
    state, taxonomy = directory.state, directory.taxonomy
    if directory.stale:
        pagecache.do_not_keep(request)  # it would be kept under the new generation
    counts = directory.counts()  # bit operations; a new search word costs a query once
    total = counts["total"]
    page = _results_page(total, state.page)
    # With a region below the top: the online groups anyone can join, beside the results.
    anyone_total, anyone_ids = directory.anyone_online(ANYONE_SECTION_SIZE)
    ids = directory.page_ids((page.number - 1) * PAGE_SIZE, PAGE_SIZE)
    # 3 queries: the cards of the page and of the section together.
    cards = {
        card.group.pk: card
        for card in cards_for([*ids, *anyone_ids], taxonomy, state.tz, directory.now)
    }
    shown: list[Card] = [cards[pk] for pk in ids if pk in cards]
    page.object_list = shown
    anyone: list[Card] = [cards[pk] for pk in anyone_ids if pk in cards]
    query = state.urlencode()
    active_filters = _active_filters(directory)
    context = {
        "state": state,
        "search_query": state.q,  # the site's search box (templates/includes/search_box.html)
        "landing": landing,
        "search_notice": directory.search_notice,
        "facets": _facets(directory, counts),
        "sort_choices": SORT_CHOICES,
        "sort": directory.sort,
        "page_obj": page,
        "total": total,
        "count_text": ngettext("%(n)s group found", "%(n)s groups found", total)
        % {"n": f"{total:,}"},
        "active_filters": active_filters,
        # Beside a single chip, "Clear all" would be that chip's removal a second time.
        "clear_all_url": (
            state.link(override=_everything(directory)) if len(active_filters) > 1 else ""
        ),
        "quick_filters": _quick_filters(state, counts),
        "suggestions": (
            _suggestions(request, directory, active_filters) if not page.object_list else []
        ),
        "anyone": anyone,
        "anyone_total": anyone_total,
        "anyone_url": state.link(without="region", override={"attendance": ["online"]}),
        "zone_choices": timezones.common_choices(state.tz),
        "ignored": state.ignored,
        "time_note": _time_note(state, [*shown, *anyone]),
        "zone_form_fields": _zone_form_fields(state),
        "page_link_base": reverse("groups:list") + "?" + (query + "&" if query else ""),
        "calendar_url": reverse("groups:search_calendar") + (f"?{query}" if query else ""),
        "canonical_url": _canonical_for(state, landing),
        "noindex": bool(state.q) or len([v for v in state.values.values() if v]) > 1,
    }
    back = QueryDict(mutable=True)
    back["back"] = query + (f"&page={page.number}" if page.number > 1 else "")
    if state.tz:
        back["tz"] = state.tz  # the listing shows its times in the visitor's zone too
    context["back_suffix"] = "?" + back.urlencode() if back["back"] else ""
    if request.headers.get(PARTIAL_HEADER):
        response = render(request, "groups/includes/directory_body.html", context)
    else:
        response = render(request, "groups/list.html", context)
    response.headers["Vary"] = PARTIAL_HEADER
    return response


@require_safe
@cache_anonymous_page
def group_list(request: HttpRequest) -> HttpResponse:
    return _directory_page(request)


@require_safe
@cache_anonymous_page
def region(request: HttpRequest, slug: str) -> HttpResponse:
    region = get_object_or_404(Region, slug=slug)
    place = {"place": region.name}
    landing = {
        "heading": _("Peer support groups in %(place)s") % place,
        "intro": (
            _(
                "Groups that meet in %(place)s or serve it, including those for a wider area. "
                "Online groups anyone can join are listed after them."
            )
            % place
            if region.parent_id
            else _("Groups everywhere, in person, online and by phone.")
        ),
        "url": region.get_absolute_url(),
    }
    return _directory_page(request, preset={"region": region.slug}, landing=landing)


@require_safe
@cache_anonymous_page
def group_type(request: HttpRequest, slug: str) -> HttpResponse:
    group_type = get_object_or_404(GroupType, slug=slug)
    landing = {
        "heading": _("%(type)s groups") % {"type": group_type.name},
        "intro": group_type.description,
        "url": group_type.get_absolute_url(),
    }
    return _directory_page(request, preset={"type": group_type.slug}, landing=landing)


@require_safe
def search_calendar(request: HttpRequest) -> HttpResponse:
    """The meetings of a search's first SEARCH_CALENDAR_LIMIT results, as one calendar."""
    directory = directory_for(request, request.GET)
    ids = directory.page_ids(0, SEARCH_CALENDAR_LIMIT)
    found = SupportGroup.objects.published().advertising_meetings().filter(pk__in=ids)
    by_id = {g.pk: g for g in found.prefetch_related("meetings")}
    groups = [by_id[pk] for pk in ids if pk in by_id]
    body = calendar.build(groups, title=_("%(site)s: search") % {"site": settings.SITE_NAME})
    response: HttpResponse = calendar.response(body, "peer-support-groups.ics")
    return response


def taxonomy_for(request: HttpRequest) -> Taxonomy:
    """The taxonomy of the request's directory generation (listing pages use it too)."""
    return taxonomies.current(generation.of(request))
