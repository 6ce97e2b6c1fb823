"""The Open Referral HSDS 3 export, in the "tabular" shape HSDS 3 publishes for bulk data
(schema/compiled/tabular.json): one JSON object whose keys are table names (organization, service,
location, ...) and whose values are arrays of rows, the same rows as the HSDS CSV data package.

The document opens with an "about" object naming the shape and version (HSDS 3.0, tabular) and
the schema it follows; the response's Link header says the same.

Choices the format leaves to us:
- Ids are UUIDs (HSDS requires them): RFC 9562 version 8, derived from this site's URL, the kind
  of row and our primary key (common.stable_id), so the same listing keeps the same id in every
  export.
- What we do not know is left out, never sent as an empty string: we hold an address as one line,
  not its parts, so there are no `address` rows (HSDS requires city, postal code, country...);
  the line is the physical location's `description`. A virtual location exists only with the
  joining link the organizer published (its `url`).
- Schedules: `opens_at`/`closes_at` carry the UTC offset (17:00-08:00) in force today, the same
  as `timezone`; `dtstart` is the date of the first meeting, on the schedule's weekday. Closed
  and paused listings have no schedule rows (their service `status` says why).
- Every service needs an organization. A listing with a host organization points to it; a listing
  without one is its own organization (peer groups usually are).
- HSDS 3's schedule `timezone` is a number, a UTC offset, not an IANA zone. Meetings keep their
  wall-clock time across daylight saving, so `opens_at`/`closes_at` are the local times with
  today's offset, and `notes` names the IANA zone; the feed's ETag changes daily so that offset
  is never served stale.
- Contacts, phones and emails appear only where the organizer made them public.

Each table is one narrow query streamed with .iterator(): the query count does not grow with the
number of listings, and memory stays flat.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from groups import schedule
from groups.feeds.common import (
    CHUNK_SIZE,
    absolute,
    describe,
    detail_url,
    dumps,
    in_pieces,
    json_array,
    stable_id,
    utc_offset_hours,
)
from groups.models import (
    MEETS_IN_PERSON,
    REMOTE,
    Cost,
    GroupType,
    Meeting,
    Organization,
    Status,
    SupportGroup,
    web_url,
)

# Every other status (active, forming, not confirmed, any added later) lists its meetings:
# "active" (HSDS has no "not confirmed"; the listing's assured_date says how fresh it is).
SERVICE_STATUS = {
    Status.PAUSED: "temporarily closed",
    Status.CLOSED: "defunct",
}

TAXONOMY_KEY = "group-types"
HSDS_VERSION = "3.0"
SCHEMA_URL = (
    "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled/tabular.json"
)


def _published():
    return SupportGroup.objects.published().order_by("pk")


def _rows(queryset):
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def service_id(group_id):
    return stable_id("service", group_id)


def organization_id(group_id, host_id):
    if host_id:
        return stable_id("organization", host_id)
    return stable_id("group-organization", group_id)


def _has_physical(row):
    return row["attendance"] in MEETS_IN_PERSON and bool(row["venue"] or row["address"])


def _has_virtual(row):
    return row["attendance"] in REMOTE and bool(_join_url(row))


def _join_url(row):
    return web_url(row["join_url"]) if row["join_url_public"] else ""


def _compact(data):
    """Leave out empty optional fields rather than sending empty strings."""
    return {key: value for key, value in data.items() if value not in ("", None)}


def organizations(groups):
    hosts = Organization.objects.filter(groups__in=groups.values("pk")).distinct().order_by("pk")
    for org in _rows(hosts):
        yield _compact(
            {
                "id": stable_id("organization", org.pk),
                "name": org.name,
                "description": org.summary or org.name,
                "website": org.public_website,
                "uri": absolute(org.get_absolute_url()),
            }
        )
    hostless = groups.filter(host__isnull=True)
    fields = ("pk", "name", "summary", "website", "website_public", "email", "email_public")
    for row in _rows(hostless.values(*fields)):
        yield _compact(
            {
                "id": stable_id("group-organization", row["pk"]),
                "name": row["name"],
                "description": row["summary"] or row["name"],
                "website": web_url(row["website"]) if row["website_public"] else "",
                "email": row["email"] if row["email_public"] else "",
            }
        )


def services(groups):
    fields = (
        "pk",
        "slug",
        "host_id",
        "name",
        "summary",
        "description",
        "email",
        "email_public",
        "status",
        "how_to_join",
        "cost",
        "last_confirmed",
    )
    costs = dict(Cost.choices)
    for row in _rows(groups.values(*fields)):
        description = "\n\n".join(part for part in (row["summary"], row["description"]) if part)
        yield _compact(
            {
                "id": service_id(row["pk"]),
                "organization_id": organization_id(row["pk"], row["host_id"]),
                "name": row["name"],
                "description": description,
                "url": detail_url(row["slug"]),
                "email": row["email"] if row["email_public"] else "",
                "status": SERVICE_STATUS.get(row["status"], "active"),
                "application_process": row["how_to_join"],
                "fees_description": str(costs[row["cost"]]) if row["cost"] else "",
                "assured_date": row["last_confirmed"].isoformat() if row["last_confirmed"] else "",
            }
        )


_LOCATION_FIELDS = (
    "pk",
    "host_id",
    "name",
    "attendance",
    "venue",
    "address",
    "region_id",
    "join_url",
    "join_url_public",
)


def locations(groups):
    for row in _rows(groups.values(*_LOCATION_FIELDS)):
        if _has_physical(row):
            yield _compact(
                {
                    "id": stable_id("location-physical", row["pk"]),
                    "location_type": "physical",
                    "organization_id": organization_id(row["pk"], row["host_id"]),
                    "name": row["venue"] or row["name"],
                    "description": row["address"],
                }
            )
        if _has_virtual(row):
            yield _compact(
                {
                    "id": stable_id("location-virtual", row["pk"]),
                    "location_type": "virtual",
                    "organization_id": organization_id(row["pk"], row["host_id"]),
                    "name": _("%(name)s (online)") % {"name": row["name"]},
                    "url": _join_url(row),
                }
            )


def addresses(groups):
    """None: HSDS requires the parts of an address (city, postal code, country...) and we hold
    one line. Sending them empty, or the line as address_1, would tell importers wrong things."""
    return iter(())


def services_at_locations(groups):
    for row in _rows(groups.values(*_LOCATION_FIELDS)):
        for kind, present in (("physical", _has_physical(row)), ("virtual", _has_virtual(row))):
            if present:
                yield {
                    "id": stable_id(f"service-at-location-{kind}", row["pk"]),
                    "service_id": service_id(row["pk"]),
                    "location_id": stable_id(f"location-{kind}", row["pk"]),
                }


def _offset_suffix(hours):
    """-7 -> '-07:00', 5.5 -> '+05:30', 0 -> 'Z' (HSDS: times carry their offset)."""
    if hours == 0:
        return "Z"
    minutes = round(abs(hours) * 60)
    return f"{'-' if hours < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"


def schedule_row(meeting):
    data = {
        "id": stable_id("schedule", meeting.pk),
        "service_id": service_id(meeting.group_id),
        "description": describe(meeting),
    }
    rule = schedule.rrule_text(meeting)
    if rule:
        parts = dict(part.split("=", 1) for part in rule.split(";"))
        data["freq"] = parts["FREQ"]
        data["interval"] = int(parts.get("INTERVAL", 1))
        data["byday"] = parts["BYDAY"]
    elif meeting.frequency == Meeting.Frequency.BIMONTHLY:
        data["freq"] = "MONTHLY"
        data["interval"] = 2
    first = schedule.first_date(meeting)
    if first:
        data["dtstart"] = first.isoformat()
    elif data.get("interval", 1) > 1:
        # "Every other" week or month with no dated meeting: the rule without its dtstart names
        # the wrong weeks half the time. Said in words only (description), as our page does.
        for key in ("freq", "interval", "byday"):
            data.pop(key, None)
    offset = utc_offset_hours(meeting.timezone)
    if meeting.start_time and "freq" in data and offset is not None:
        suffix = _offset_suffix(offset)
        data["opens_at"] = meeting.start_time.strftime("%H:%M") + suffix
        if meeting.end_time:
            data["closes_at"] = meeting.end_time.strftime("%H:%M") + suffix
        data["timezone"] = offset
    zone_note = _("Times are local to %(zone)s.") % {"zone": meeting.timezone}
    data["notes"] = " ".join(part for part in (meeting.notes, zone_note) if part)
    return data


def schedules(groups):
    meetings = (
        Meeting.objects.filter(group__in=groups.advertising_meetings().values("pk"))
        .only("pk", "group_id", *Meeting.SCHEDULE_FIELDS)
        .order_by("group_id", "weekday", "start_time", "pk")
    )
    for meeting in _rows(meetings):
        yield schedule_row(meeting)


def phones(groups):
    rows = groups.filter(phone_public=True).exclude(phone="").values("pk", "phone")
    for row in _rows(rows):
        yield {
            "id": stable_id("phone", row["pk"]),
            "service_id": service_id(row["pk"]),
            "number": row["phone"],
            "type": "voice",
        }


def contacts(groups):
    fields = ("pk", "contact_name", "contact_name_public", "email", "email_public")
    for row in _rows(groups.values(*fields)):
        name = row["contact_name"] if row["contact_name_public"] else ""
        email = row["email"] if row["email_public"] else ""
        if name or email:
            yield _compact(
                {
                    "id": stable_id("contact", row["pk"]),
                    "service_id": service_id(row["pk"]),
                    "name": name,
                    "email": email,
                }
            )


def languages(groups):
    links = (
        SupportGroup.languages.through.objects.filter(supportgroup__in=groups.values("pk"))
        .select_related("language")
        .order_by("supportgroup_id", "pk")
    )
    for link in _rows(links):
        yield {
            "id": stable_id("language", link.pk),
            "service_id": service_id(link.supportgroup_id),
            "name": link.language.name,
            "code": link.language.code,
        }


def taxonomies(groups):
    yield {
        "id": stable_id("taxonomy", TAXONOMY_KEY),
        "name": _("%(site)s group types") % {"site": settings.SITE_NAME},
        "description": _("The kinds of peer support a listing offers."),
        "uri": absolute("/groups/"),
    }


def taxonomy_terms(groups):
    for group_type in _rows(GroupType.objects.order_by("pk")):
        yield {
            "id": stable_id("taxonomy_term", group_type.pk),
            "code": group_type.slug,
            "name": group_type.name,
            "description": group_type.description or group_type.name,
            "taxonomy_id": stable_id("taxonomy", TAXONOMY_KEY),
            "term_uri": absolute(group_type.get_absolute_url()),
        }


def attributes(groups):
    links = SupportGroup.types.through.objects.filter(
        supportgroup__in=groups.values("pk")
    ).order_by("supportgroup_id", "pk")
    for link in _rows(links):
        yield {
            "id": stable_id("attribute", link.pk),
            "link_id": service_id(link.supportgroup_id),
            "link_type": "service_type",
            "link_entity": "service",
            "taxonomy_term_id": stable_id("taxonomy_term", link.grouptype_id),
        }


def document(region_ids=None, since=None):
    """The export as JSON text pieces, table after table. Each table runs its query lazily.

    `region_ids` keeps the listings filed under those regions, `since` those changed at or
    after it; organizations, schedules, phones... follow their listings."""
    groups = _published()
    if region_ids is not None:
        groups = groups.filter(region_id__in=region_ids)
    if since is not None:
        groups = groups.filter(updated_at__gte=since)
    tables = (
        ("organization", organizations),
        ("service", services),
        ("location", locations),
        ("address", addresses),
        ("service_at_location", services_at_locations),
        ("schedule", schedules),
        ("phone", phones),
        ("contact", contacts),
        ("language", languages),
        ("taxonomy", taxonomies),
        ("taxonomy_term", taxonomy_terms),
        ("attribute", attributes),
    )
    yield "{" + dumps("about") + ":" + dumps(about()) + ","
    for index, (name, rows) in enumerate(tables):
        yield ("," if index else "") + dumps(name) + ":"
        yield from json_array(rows(groups))
    yield "}"


def about():
    """Which HSDS shape and version this is, in the keys of HSDS 3's API meta response."""
    return {
        "version": HSDS_VERSION,
        "shape": "tabular",
        "schema": SCHEMA_URL,
        "profile": "https://docs.openreferral.org/en/3.0/",
    }


def stream(region_ids=None, since=None):
    return in_pieces(document(region_ids, since))
