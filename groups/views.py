"""A listing's own page, an organisation's page, a listing's calendar, robots.txt.

The directory itself (home, the list, search, landing pages) is groups/directory/views.py."""

from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from groups import calendar, schedule, seo, sources, timezones
from groups.directory.cards import cards_for
from groups.directory.filterset import MAX_VALUES, DirectoryFilter
from groups.directory.views import taxonomy_for
from groups.models import REMOTE, Organization, SupportGroup
from groups.pagecache import cache_anonymous_page
from peerdir.siteurl import site_url


def visible_groups_for(user):
    """Listings a person may open: published, plus (signed in) the ones they submitted or own."""
    return SupportGroup.objects.visible_to(user)


@require_safe
@cache_anonymous_page
def organization(request, slug):
    org = get_object_or_404(Organization.objects.select_related("region"), slug=slug)
    ids = list(org.groups.published().order_by("name").values_list("pk", flat=True))
    cards = cards_for(ids, taxonomy_for(request))
    return render(
        request,
        "groups/organization.html",
        {
            "organization": org,
            "cards": cards,
            "canonical_url": site_url(org.get_absolute_url()),
            "json_ld": seo.organization_json_ld(org, [card.group for card in cards]),
        },
    )


# --- one listing --------------------------------------------------------------------------------


def safe_back(raw):
    """A `back` query string reduced to known directory parameters: it can only lead to /groups/."""
    if not raw or len(raw) > 2000:
        return ""
    incoming = QueryDict(raw)
    kept = QueryDict(mutable=True)
    for name in DirectoryFilter.base_filters:
        values = [v[:200] for v in incoming.getlist(name)[:MAX_VALUES] if v]
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
        end = schedule.ends_at(when, meeting) if schedule.duration(meeting) else None
        result.append(
            {
                "start": when,
                "end": end,
                "iso": when.isoformat(),
                "date": schedule.format_date(when),
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
    if schedule.reads_the_same(when, theirs, own_zone, visitor_zone):
        return ""
    return "%s, %s %s" % (  # noqa: UP031
        schedule.format_date(theirs),
        schedule.format_time(theirs.timetz()),
        schedule.zone_label(visitor_zone),
    )


def _back_url(back, visitor_zone):
    """The results the visitor came from, in the zone they now chose (on this page, perhaps)."""
    query = QueryDict(back, mutable=True)
    if visitor_zone:
        query["tz"] = visitor_zone
    return reverse("groups:list") + (f"?{query.urlencode()}" if query else "")


def join_action(group, contacts, accepts_messages):
    """The one best way to join that the listing has, for the "How to join" box: a joining
    link, the site's contact form, a phone number, an email address, the website, or none
    (then the box says to ask the organizers)."""
    if group.status == SupportGroup.Status.CLOSED:
        return None
    if contacts.get("join_url"):
        return {"url": contacts["join_url"], "label": _("Join the meeting"), "external": True}
    if accepts_messages:
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


def _support_group(request, slug):
    """The listing with what its page shows, in 3 queries (plus, once per generation, the
    taxonomy): the listing with its host; the ids of its types, audiences, languages and owners
    in one statement (the objects come from the per-generation taxonomy; the place from the
    region tree); its meetings. Five prefetch_related lookups and a region join did this in
    7 queries and 8.5 ms at 100,000 listings; this takes 4 queries and about 5 ms."""
    group = get_object_or_404(visible_groups_for(request.user).select_related("host"), slug=slug)
    taxonomy = taxonomy_for(request)
    links = {"types": set(), "audiences": set(), "languages": set(), "ownerships": set()}
    for kind, pk in group.link_ids():
        links[kind].add(pk)
    facts = {
        kind: [o for o in getattr(taxonomy, kind) if o.pk in links[kind]]
        for kind in ("types", "audiences", "languages")
    }
    facts["meetings"] = list(group.meetings.all())
    facts["owner_ids"] = links["ownerships"]
    facts["accepts_messages"] = group.takes_messages(has_owners=bool(links["ownerships"]))
    return group, facts, taxonomy


def _places(tree, region_id):
    """Most specific first, without the catch-all 'Worldwide' unless it is all there is."""
    chain = list(reversed(tree.ancestors(region_id))) if region_id else []
    return [r for r in chain if r.kind != "world"] or chain


@require_safe
@cache_anonymous_page
def group_detail(request, slug):
    group, facts, taxonomy = _support_group(request, slug)
    tree = taxonomy.tree
    meetings = facts["meetings"]
    now = timezone.now()  # one instant for the page's dates and its structured data
    back = safe_back(request.GET.get("back", ""))
    visitor_zone = request.GET.get("tz", "").strip()
    if not timezones.is_known(visitor_zone):
        visitor_zone = ""
    remote = group.attendance in REMOTE
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
        **facts,
        "places": _places(tree, group.region_id),
        "meetings": meetings,
        "schedule_lines": [m.describe() for m in meetings],
        "upcoming": next_meetings,
        "zone_names": sorted({schedule.zone_label(m.timezone) for m in meetings if m.start_time}),
        "time_lines": schedule.lines_for(meetings, visitor_zone, remote=remote),
        "visitor_zone": visitor_zone,
        "remote": remote,
        "zone_choices": timezones.common_choices(visitor_zone),
        "back": back,
        "join": join_action(group, contacts, facts["accepts_messages"]),
        "contacts": contacts,
        "source_label": source_label(group)
        if group.source_document or group.source_excerpt
        else "",
        "back_url": _back_url(back, visitor_zone),
        "has_back": bool(back),
        "canonical_url": site_url(group.get_absolute_url()),
        "calendar_url": calendar_url,
        "webcal_url": "webcal://" + site_url(calendar_url).split("://", 1)[-1]
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


@require_safe
@cache_anonymous_page
def group_calendar(request, slug):
    group = get_object_or_404(
        SupportGroup.objects.published().prefetch_related("meetings"), slug=slug
    )
    body = calendar.build([group], title=group.name)
    return calendar.response(body, f"{group.slug}.ics")


# --- robots -------------------------------------------------------------------------------------


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        # Disallow lines first: first-match parsers (Python's urllib.robotparser) stop at the
        # first rule that matches, and "Allow: /" matches everything.
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /organizer/",
        "Allow: /",
        f"Sitemap: {site_url('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
