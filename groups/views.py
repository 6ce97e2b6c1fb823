"""The public directory: home, search and filters, listing pages, landing pages, calendar feeds."""

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse, HttpResponseNotFound, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from groups import calendar, filters, generation, pagecache, schedule, seo, sources, timezones
from groups.models import (
    Audience,
    GroupType,
    Language,
    Meeting,
    Organization,
    Ownership,
    Region,
    SupportGroup,
    set_prefetched,
)
from groups.pagecache import cache_anonymous_page

PAGE_SIZE = 20
ANYONE_SECTION_SIZE = 5  # online groups anyone can join, shown beside a region's results
SEARCH_CALENDAR_LIMIT = 500
PARTIAL_HEADER = "X-Directory-Partial"


def visible_groups_for(user):
    """Listings a person may open: published, plus (signed in) the ones they submitted or own."""
    return SupportGroup.objects.visible_to(user)


def absolute(path):
    return settings.SITE_URL + path


# --- home ---------------------------------------------------------------------------------------


HOME_CACHE_SECONDS = 300


@require_GET
@cache_anonymous_page
def home(request):
    # Counting every published listing by type and region takes ~150 ms at 100,000 listings:
    # the counts are kept in the per-process facets cache, per directory generation (a change
    # shows at once).
    cache = caches[filters.FACET_CACHE]
    key = f"home:v2:{generation.of(request)}"
    counts = cache.get(key)
    if counts is None:
        counts = _home_counts(filters.region_tree(generation.of(request)))
        cache.set(key, counts, HOME_CACHE_SECONDS)
    return render(
        request,
        "home.html",
        {**counts, "canonical_url": absolute(reverse("groups:home"))},
    )


def _home_counts(taxonomy_tree):
    """Types and regions with their numbers of published listings, and the total (3 queries;
    the regions come from the per-generation tree)."""
    published = SupportGroup.objects.published()
    types = GroupType.objects.annotate(
        n=Count("groups", filter=Q(groups__moderation=SupportGroup.Moderation.PUBLISHED))
    ).filter(n__gt=0)
    per_region = dict(
        published.order_by()
        .filter(region__isnull=False)
        .values_list("region_id")
        .annotate(n=Count("pk"))
    )
    totals = {}
    for region_id, n in per_region.items():
        for region in taxonomy_tree.ancestors(region_id):
            totals[region.id] = totals.get(region.id, 0) + n
    # Browse by the first level that says something: continents' countries, or the top regions.
    top = taxonomy_tree.children.get(None, [])
    if len(top) == 1:
        top = taxonomy_tree.children.get(top[0].id, [])
    regions = []
    for region in sorted(top, key=lambda r: r.name):
        if totals.get(region.id):
            children = [
                (child, totals[child.id])
                for child in sorted(taxonomy_tree.children.get(region.id, []), key=lambda r: r.name)
                if totals.get(child.id)
            ]
            regions.append({"region": region, "count": totals[region.id], "children": children})
    return {"types": list(types), "regions": regions, "total": published.count()}


# --- the directory ------------------------------------------------------------------------------


def _state_link(params, **kwargs):
    query = params.urlencode(**kwargs)
    return reverse("groups:list") + (f"?{query}" if query else "")


def _facet_context(directory, counts):
    params, taxonomy = directory.params, directory.taxonomy
    facets = []
    for name in filters.FACETS:
        chosen = params.active(name)
        options = []
        for option in taxonomy.options(name):
            n = counts[name].get(option.value, 0)
            checked = option.value in chosen
            always = name in ("attendance", "day", "time")
            if n or checked or always:
                options.append(
                    {
                        "value": option.value,
                        "label": option.label,
                        "count": n,
                        "checked": checked,
                        "indent": "\u2003" * option.depth,
                        "id": f"f-{name}-{option.value}",
                    }
                )
        if options or name == "region":
            facets.append(
                {
                    "name": name,
                    "options_html": _options_html(name, options, select=name == "region"),
                    "legend": filters.LABELS[name],
                    "options": options,
                    "select": name == "region",
                    "chosen": chosen,
                    "open": bool(chosen) or name in ("type", "attendance", "region"),
                }
            )
    return facets


def _options_html(name, options, select):
    """A facet's options as HTML, built here: the template loop over 300 options (the regions)
    cost about half of a list page's time. Every value is escaped by format_html."""
    if select:
        return format_html_join(
            "\n",
            '<option value="{}"{}>{}{} ({})</option>',
            (
                (
                    o["value"],
                    mark_safe(" selected") if o["checked"] else "",
                    o["indent"],
                    o["label"],
                    o["count"],
                )  # noqa: S308
                for o in options
            ),
        )
    return format_html_join(
        "\n",
        '<div class="check"><input type="checkbox" id="{}" name="{}" value="{}"{}> '
        '<label for="{}">{} <span class="count" data-count="{}">({})</span></label></div>',
        (
            (
                o["id"],
                name,
                o["value"],
                mark_safe(" checked") if o["checked"] else "",  # noqa: S308
                o["id"],
                o["label"],
                o["id"],
                o["count"],
            )
            for o in options
        ),
    )


def _active_filters(params, taxonomy):
    labels = {name: {o.value: o.label for o in taxonomy.options(name)} for name in filters.FACETS}
    active = []
    if params.q:
        active.append(
            {
                "label": _("Search: “%(q)s”") % {"q": params.q},
                "url": _state_link(params, without="q"),
                "change": {"without": "q"},
            }
        )
    for name in filters.FACETS:
        for value in params.active(name):
            active.append(
                {
                    "label": f"{filters.LABELS[name]}: {labels[name][value]}",
                    "url": _state_link(params, drop_value=(name, value)),
                    "change": {"drop_value": (name, value)},
                }
            )
    return active


# What a result card shows (templates/groups/includes/group_card.html): not the long texts.
CARD_FIELDS = [
    "id",
    "name",
    "slug",
    "summary",
    "attendance",
    "status",
    "source_document",  # the "not confirmed" line names the document
    "region_id",
    "last_confirmed",
    "created_at",
    "moderation",
]


def _with_card_data(queryset):
    # The card names the place from the in-memory region tree: no join for region or host.
    return queryset.only(*CARD_FIELDS).prefetch_related(
        "types", Prefetch("meetings", queryset=Meeting.objects.order_by("weekday", "start_time"))
    )


def _results_page(directory, counts, page_number, anyone_ids=()):
    """The page of results, and the cards of the online groups anyone can join (`anyone_ids`),
    read together when the index answers (the same 3 queries)."""
    # Lazy: building it may run the search's first query, not needed when the index answers.
    queryset = SimpleLazyObject(lambda: _with_card_data(directory.ordered(directory.results)))
    extra = {}

    def rows_from_index(bottom):
        ids = directory.page_ids(bottom, PAGE_SIZE)
        if ids is None:
            return None
        found = {
            g.pk: g
            for g in _with_card_data(SupportGroup.objects.published()).filter(
                pk__in=[*ids, *anyone_ids]
            )
        }
        extra.update(found)
        return [found[pk] for pk in ids if pk in found]

    page = _live_page(queryset, counts, page_number, rows_from_index)
    if anyone_ids and not extra:
        extra = {
            g.pk: g
            for g in _with_card_data(SupportGroup.objects.published()).filter(pk__in=anyone_ids)
        }
    anyone = [extra[pk] for pk in anyone_ids if pk in extra]
    for group in [*page.object_list, *anyone]:
        _card_facts(group, directory.taxonomy.tree, directory.params.tz, directory.now)
    return page, anyone


def _card_facts(group, tree, visitor_zone="", now=None):
    group.place = (
        ", ".join(r.name for r in reversed(tree.ancestors(group.region_id)[-2:]))
        if group.region_id
        else ""
    )
    meetings = list(group.meetings.all())
    remote = group.attendance in filters.REMOTE
    group.schedule_lines = schedule.lines_for(meetings[:3], visitor_zone, remote, after=now)
    # An online meeting one could join right now, or within the hour, says so.
    group.happening, group.starts_at = (
        schedule.under_way_or_soon(meetings, now or timezone.now(), visitor_zone)
        if remote and group.status == SupportGroup.Status.ACTIVE
        else (None, None)
    )


def _live_page(queryset, counts, page_number, rows_from_index=None):
    """The page's rows, read live; the total comes from the facet counts (no second COUNT(*)).

    The rows come from the directory index when it answers (`rows_from_index(bottom)`), else from
    `queryset`. A page that is not full tells the exact total, which corrects `counts["total"]`.
    """
    paginator = Paginator([], PAGE_SIZE)  # only counts: the rows are read below
    paginator.count = counts["total"]
    try:
        number = paginator.validate_number(page_number)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages
    bottom = (number - 1) * PAGE_SIZE
    rows = rows_from_index(bottom) if rows_from_index else None
    if rows is None:
        rows = list(queryset[bottom : bottom + PAGE_SIZE])
    if len(rows) < PAGE_SIZE and (rows or bottom == 0):
        counts["total"] = bottom + len(rows)
    elif len(rows) == PAGE_SIZE:
        counts["total"] = max(counts["total"], bottom + PAGE_SIZE)
    if counts["total"] != paginator.count:
        paginator = Paginator([], PAGE_SIZE)
        paginator.count = counts["total"]
    return Page(rows, number, paginator)


def _time_note(params):
    if params.tz:
        return _(
            "Days and times of online and phone groups are shown in your time (%(zone)s) first. "
            "In-person groups use their own local time."
        ) % {"zone": timezones.friendly_name(params.tz)}
    return _(
        "Days and times are the groups’ own local times. Choose your time zone under Filters "
        "to see online groups in your time."
    )


def _suggestions(params, taxonomy, current):
    """Ways out of an empty result, each counted first: only those that give results are
    offered, each saying what it changes and how many groups it shows."""

    def counted(label, **change):
        state = params.querydict(**change)
        found = filters.Directory(
            filters.parse_params(state, taxonomy), taxonomy, generation=current
        ).total()
        if not found:
            return None
        text = ngettext("%(change)s: %(n)s group", "%(change)s: %(n)s groups", found) % {
            "change": label,
            "n": f"{found:,}",
        }
        query = state.urlencode()
        return {"label": text, "url": reverse("groups:list") + (f"?{query}" if query else "")}

    offered = []
    for item in _active_filters(params, taxonomy):
        change = item["change"]
        offered.append(counted(_("Remove “%(label)s”") % {"label": item["label"]}, **change))
    if "online" not in params.active("attendance") or params.active("region"):
        # Online groups from anywhere: the place chosen does not limit who can join them.
        online = {"attendance": ["online"], "region": []}
        offered.append(counted(_("Show online groups from anywhere"), override=online))
        if params.q:
            offered.append(
                counted(
                    _("Show online groups from anywhere, without the search words"),
                    override={**online, "q": []},
                )
            )
    if params.q or params.has_filters:
        everything = {"override": {name: [] for name in ["q", *filters.FACETS]}}
        offered.append(counted(_("Clear everything and see every group"), **everything))
    return [o for o in offered if o is not None]


def _directory_page(request, preset=None, landing=None):
    current = generation.of(request)  # query 1: the directory's generation
    # Once per generation and process: the taxonomy (2 queries) and the directory index (5).
    taxonomy = filters.Taxonomy.current(current)
    params = filters.parse_params(request.GET, taxonomy, preset=preset)
    directory = filters.Directory(params, taxonomy, generation=current)
    if directory.stale:
        pagecache.do_not_keep(request)  # it would be kept under the new generation
    # From the index: no query. Else one statement. A search: one query per term once per
    # generation (groups/search.py), plus one when new words were added to the vocabulary.
    counts = directory.facet_counts()
    # With a region below the top: the online groups anyone can join, beside the results
    # (from the index: no query; else a query for the ids, and a COUNT when there are many).
    anyone_total, anyone_ids = directory.anyone_online(ANYONE_SECTION_SIZE)
    # 3 queries: the page of listings, then their types and meetings (the section's cards are
    # read with them when the index answers, else in 3 more)
    page, anyone = _results_page(directory, counts, params.page, anyone_ids)
    total = counts["total"]
    active_filters = _active_filters(params, taxonomy)
    state = params.urlencode()
    canonical = _canonical_for(params, taxonomy, landing)
    context = {
        "params": params,
        "landing": landing,
        "search_query": params.q,
        "search_notice": directory.search_notice,
        "facets": _facet_context(directory, counts),
        "sort_choices": filters.SORT_CHOICES,
        "sort": directory.sort,
        "page_obj": page,
        "total": total,
        "count_text": ngettext("%(n)s group found", "%(n)s groups found", total)
        % {"n": f"{total:,}"},
        "active_filters": active_filters,
        "filter_count": sum(len(params.active(name)) for name in filters.FACETS),
        "clear_url": reverse("groups:list"),
        "quick_filters": _quick_filters(params),
        "suggestions": _suggestions(params, taxonomy, current) if not page.object_list else [],
        "anyone": anyone,
        "anyone_total": anyone_total,
        "anyone_url": _state_link(params, without="region", override={"attendance": ["online"]}),
        "zone_choices": timezones.common_choices(params.tz),
        "ignored": [filters.LABELS[name] for name in params.ignored],
        "time_note": _time_note(params),
        "state": state,
        "page_link_base": reverse("groups:list") + "?" + (state + "&" if state else ""),
        "calendar_url": reverse("groups:search_calendar") + (f"?{state}" if state else ""),
        "canonical_url": canonical,
        "noindex": bool(params.q) or len([v for v in params.values.values() if v]) > 1,
    }
    back = QueryDict(mutable=True)
    back["back"] = state + (f"&page={page.number}" if page.number > 1 else "")
    if params.tz:
        back["tz"] = params.tz  # the listing shows its times in the visitor's zone too
    context["back_suffix"] = "?" + back.urlencode() if back["back"] else ""
    if request.headers.get(PARTIAL_HEADER):
        response = render(request, "groups/includes/directory_body.html", context)
    else:
        response = render(request, "groups/list.html", context)
    response.headers["Vary"] = PARTIAL_HEADER
    return response


def _quick_filters(params):
    """One-tap choices above the results (links: they work without JavaScript). A choice
    already made is not offered again: its chip above removes it."""
    found = []
    for value, label in (("online", _("Online")), ("in_person", _("In person"))):
        if params.active("attendance") != [value]:
            url = _state_link(params, override={"attendance": [value]})
            found.append({"label": label, "url": url})
    if params.active("time") != ["evening"]:
        url = _state_link(params, override={"time": ["evening"]})
        found.append({"label": _("Evenings"), "url": url})
    return found


def _canonical_for(params, taxonomy, landing):
    """One URL per page of content: a lone region or type filter is its landing page."""
    if landing is not None:
        return absolute(landing["url"])
    only = [name for name in filters.FACETS if params.active(name)]
    if not params.q and len(only) == 1 and len(params.active(only[0])) == 1:
        value = params.active(only[0])[0]
        if only[0] == "region":
            return absolute(reverse("groups:region", args=[value]))
        if only[0] == "type":
            return absolute(reverse("groups:type", args=[value]))
    return absolute(reverse("groups:list"))


@require_GET
@cache_anonymous_page
def group_list(request):
    return _directory_page(request)


@require_GET
@cache_anonymous_page
def region(request, slug):
    region = get_object_or_404(Region, slug=slug)
    landing = {
        "heading": _("Peer support groups in %(place)s") % {"place": region.name},
        "intro": (
            _(
                "Groups that meet in %(place)s or serve it, including those for a wider area. "
                "Online groups anyone can join are listed after them."
            )
            if region.parent_id
            else _("Groups everywhere, in person, online and by phone.")
        )
        % {"place": region.name},
        "url": region.get_absolute_url(),
    }
    return _directory_page(request, preset={"region": region.slug}, landing=landing)


@require_GET
@cache_anonymous_page
def group_type(request, slug):
    group_type = get_object_or_404(GroupType, slug=slug)
    landing = {
        "heading": _("%(type)s groups") % {"type": group_type.name},
        "intro": group_type.description,
        "url": group_type.get_absolute_url(),
    }
    return _directory_page(request, preset={"type": group_type.slug}, landing=landing)


@require_GET
@cache_anonymous_page
def organization(request, slug):
    org = get_object_or_404(Organization.objects.select_related("region"), slug=slug)
    groups = (
        org.groups.published()
        .select_related("region")
        .prefetch_related("types", "meetings")
        .order_by("name")
    )
    for group in groups:
        group.schedule_lines = schedule.lines_for(list(group.meetings.all())[:3])
    return render(
        request,
        "groups/organization.html",
        {
            "organization": org,
            "groups": groups,
            "canonical_url": absolute(org.get_absolute_url()),
            "json_ld": seo.organization_json_ld(org, groups),
        },
    )


# --- one listing --------------------------------------------------------------------------------


def safe_back(raw):
    """A `back` query string reduced to known directory parameters: it can only lead to /groups/."""
    if not raw or len(raw) > 2000:
        return ""
    incoming = QueryDict(raw)
    kept = QueryDict(mutable=True)
    for name in [*filters.PARAM_ORDER, "page"]:
        values = [v[:200] for v in incoming.getlist(name)[: filters.MAX_VALUES] if v]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def upcoming(meetings, count=3, now=None, visitor_zone=""):
    """The next `count` meetings across all of a listing's schedules, soonest first; with a
    `visitor_zone`, each also in the visitor's time (`yours`, empty when it reads the same)."""
    now = now or timezone.now()
    found = []
    for meeting in meetings:
        for when in meeting.next_occurrences(count=count, after=now):
            found.append((when, meeting))
    found.sort(key=lambda pair: pair[0])
    result = []
    for when, meeting in found[:count]:
        end = None
        length = schedule.duration(meeting)
        if length:
            end = when + length
        result.append(
            {
                "start": when,
                "end": end,
                "iso": when.isoformat(),
                "date": when.strftime("%A %-d %B"),
                "time": schedule.format_time(when.timetz()),
                "zone": schedule.zone_label(meeting.timezone),
                "zone_id": meeting.timezone,
                "offset": schedule.utc_offset_label(when),
                "yours": _in_visitor_zone(when, meeting.timezone, visitor_zone),
            }
        )
    return result


def _in_visitor_zone(when, own_zone, visitor_zone):
    if not visitor_zone:
        return ""
    theirs = when.astimezone(schedule.zone(visitor_zone))
    if theirs.utcoffset() == when.utcoffset() and schedule.zone_label(
        visitor_zone
    ) == schedule.zone_label(own_zone):
        return ""
    return "%s, %s %s" % (  # noqa: UP031
        schedule.format_date(theirs),
        schedule.format_time(theirs.timetz()),
        schedule.zone_label(visitor_zone),
    )


def join_action(group, contacts):
    """The one best way to join that the listing has, for the "How to join" box: a joining
    link, the site's contact form, a phone number, an email address, the website, or none
    (then the box says to ask the organizers)."""
    if group.status == SupportGroup.Status.CLOSED:
        return None
    if contacts.get("join_url"):
        return {"url": contacts["join_url"], "label": _("Join the meeting"), "external": True}
    if group.accepts_messages:
        url = reverse("groups:contact", args=[group.slug])
        return {"url": url, "label": _("Write to the organizers"), "external": False}
    if contacts.get("phone"):
        return {
            "url": "tel:" + contacts["phone"].replace(" ", ""),
            "label": _("Call %(phone)s") % {"phone": contacts["phone"]},
            "external": False,
        }
    if contacts.get("email"):
        return {
            "url": "mailto:" + contacts["email"],
            "label": _("Email the organizers"),
            "external": False,
        }
    if contacts.get("website"):
        return {"url": contacts["website"], "label": _("Visit their website"), "external": True}
    if group.host_id:
        return {
            "url": group.host.get_absolute_url(),
            "label": _("Ask %(host)s, who run it") % {"host": group.host.name},
            "external": False,
        }
    return None


def source_label(group):
    """Where the listing's facts come from, in words for visitors: the document's title,
    publisher and age when it is a known seed source (groups/sources.py), else the host
    organisation; never a file name."""
    source = sources.seed_source(group.source_document)
    if source is not None:
        return "%s (%s)" % (sources.source_name(source), sources.source_age(source))  # noqa: UP031
    if group.host_id:
        return _("Information published by %(publisher)s") % {"publisher": group.host.name}
    return _("A public document about this group")


def _listing(request, slug):
    """The listing and all its page shows, in 3 queries (plus, once per generation, the types,
    audiences, languages and regions): the listing with its host; the ids of its types,
    audiences, languages and owners in one statement (the objects come from the per-generation
    catalogue; the place from the region tree); its meetings. Stored as prefetched, so
    `group.types.all()` and the rest ask nothing more. This replaced five prefetch_related
    lookups and a region join: 8.5 -> 5 ms per page at 100,000 listings, 7 -> 4 queries."""
    group = get_object_or_404(visible_groups_for(request.user).select_related("host"), slug=slug)
    known = filters.catalogue(generation.of(request))
    links = {"types": [], "audiences": [], "languages": [], "ownerships": []}
    for kind, pk in group.link_ids():
        if kind == "ownerships":
            links[kind].append(Ownership(group=group, user_id=pk))
        elif pk in known[kind]:
            links[kind].append(known[kind][pk])
    for kind, model in (("types", GroupType), ("audiences", Audience), ("languages", Language)):
        fields = model._meta.ordering  # the order prefetch_related would have given
        links[kind].sort(key=lambda o, fields=fields: [getattr(o, f) for f in fields])
    links["meetings"] = list(group.meetings.all())
    for name, objects in links.items():
        set_prefetched(group, name, objects)
    return group


def _places(tree, region_id):
    """Most specific first, without the catch-all 'Worldwide' unless it is all there is."""
    chain = list(reversed(tree.ancestors(region_id))) if region_id else []
    return [r for r in chain if r.kind != "world"] or chain


@require_GET
@cache_anonymous_page
def group_detail(request, slug):
    group = _listing(request, slug)
    tree = filters.region_tree(generation.of(request))
    meetings = list(group.meetings.all())
    now = timezone.now()  # one instant for the page's dates and its structured data
    back = safe_back(request.GET.get("back", ""))
    visitor_zone = request.GET.get("tz", "").strip()
    if not timezones.is_known(visitor_zone):
        visitor_zone = ""
    remote = group.attendance in filters.REMOTE
    next_meetings = (
        upcoming(meetings, now=now, visitor_zone=visitor_zone if remote else "")
        if group.advertises_meetings
        else []
    )
    contacts = group.public_contacts()
    # A calendar exactly when there are dates to show: it then holds at least one event.
    calendar_url = reverse("groups:calendar", args=[group.slug]) if next_meetings else ""
    context = {
        "group": group,
        "places": _places(tree, group.region_id),
        "meetings": meetings,
        "schedule_lines": [m.describe() for m in meetings],
        "upcoming": next_meetings,
        "zones": sorted({m.timezone for m in meetings if m.start_time}),
        "zone_names": sorted({schedule.zone_label(m.timezone) for m in meetings if m.start_time}),
        "time_lines": schedule.lines_for(meetings, visitor_zone, remote=remote),
        "visitor_zone": visitor_zone,
        "remote": remote,
        "zone_choices": timezones.common_choices(visitor_zone),
        "back": back,
        "join": join_action(group, contacts),
        "contacts": contacts,
        "source_label": source_label(group)
        if group.source_document or group.source_excerpt
        else "",
        "back_url": reverse("groups:list") + (f"?{back}" if back else ""),
        "has_back": bool(back),
        "canonical_url": absolute(group.get_absolute_url()),
        "calendar_url": calendar_url,
        "webcal_url": "webcal://" + absolute(calendar_url).split("://", 1)[-1]
        if calendar_url
        else "",
        "calendar_links": next(
            (links for m in meetings if (links := calendar.add_links(group, m, now))), {}
        )
        if calendar_url
        else {},
        "json_ld": seo.group_json_ld(group, meetings, now=now),
        "is_public": group.moderation == SupportGroup.Moderation.PUBLISHED,
    }
    return render(request, "groups/detail.html", context)


# --- calendar feeds -----------------------------------------------------------------------------


def _calendar_response(body, filename):
    if body is None:
        # An empty VCALENDAR is invalid (RFC 5545) and some clients then keep the old copy.
        return HttpResponseNotFound(
            _("None of these groups has regular meeting times that a calendar can show."),
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
@cache_anonymous_page
def group_calendar(request, slug):
    group = get_object_or_404(
        SupportGroup.objects.published().prefetch_related("meetings"), slug=slug
    )
    body = calendar.build([group], title=group.name)
    return _calendar_response(body, f"{group.slug}.ics")


@require_GET
def search_calendar(request):
    taxonomy = filters.Taxonomy.current(generation.of(request))
    params = filters.parse_params(request.GET, taxonomy)
    directory = filters.Directory(params, taxonomy)
    found = directory.ordered(directory.results).advertising_meetings()
    groups = found.prefetch_related("meetings")[:SEARCH_CALENDAR_LIMIT]
    body = calendar.build(list(groups), title=_("%(site)s: search") % {"site": settings.SITE_NAME})
    return _calendar_response(body, "peer-support-groups.ics")


# --- robots -------------------------------------------------------------------------------------


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        # Disallow lines first: first-match parsers (Python's urllib.robotparser) stop at the
        # first rule that matches, and "Allow: /" matches everything.
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /organizer/",
        "Allow: /",
        f"Sitemap: {absolute('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
