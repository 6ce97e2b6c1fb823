"""The Meeting Guide JSON feed (github.com/code4recovery/spec), read by TSML UI and meeting finders.

One entry per meeting schedule, saying only what the spec can express, exactly:
- `day` is 0 = Sunday … 6 = Saturday; our Meeting.weekday is 0 = Monday, so it is shifted.
- The spec is for weekly meetings. Every-other-week, monthly and by-arrangement schedules are
  entries without `day` and `time` (the spec's "by appointment"; TSML UI lists them at the end,
  the Meeting Guide app skips them), their real schedule first in `notes`: never shown as weekly.
- Paused listings are entries without `day` and `time`, typed `TC`, `attendance_option`
  "inactive" and without joining details, so no app offers them as meeting. Closed listings are
  left out (SupportGroup.advertises_meetings is the one rule).
- Online and phone groups are listed only with the `conference_url` or dialable
  `conference_phone` the organizer published: the spec calls an online meeting without either
  inactive; a number shorter than TSML UI accepts (CONFERENCE_PHONE_MIN) is none. A hybrid
  group without a joining link is listed as in person, its notes saying so.
- In-person meetings need a street address (the spec's rule): those without one are left out.
  Online meetings get an approximate `formatted_address`: their region, else the area they serve,
  else the city and country of the time zone they give their times in (the spec's "point of
  origin", which it wants findable on a map); with none of these (times in UTC or an Etc/ zone)
  the entry is left out, as importers would drop it.
- `types` holds the spec's codes (TC, languages, audiences where one fits) and our group types
  as their slugs (lower case, so they cannot clash with the spec's upper-case codes; the spec
  allows added types). TSML UI shows them once its config names them (README).
- `url` is the listing page, `feedback_url` its "report a problem" page, `entity` the directory.
- Contact names lose their last name (the spec's anonymity rule): "Jane Smith" becomes "Jane S.".
- Contact fields appear only where the organizer made them public.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from groups import schedule, timezones, tzical
from groups.feeds.common import (
    CHUNK_SIZE,
    describe,
    detail_url,
    in_pieces,
    json_array,
    report_url,
)
from groups.models import (
    MEETS_IN_PERSON,
    REMOTE,
    Attendance,
    Meeting,
    RegionKind,
    RegionTree,
    Status,
    SupportGroup,
)

SLUG_MAX = 64

# The spec's language codes, keyed by the BCP 47 primary language of our Language rows.
LANGUAGE_TYPES = {
    "am": "AM",
    "ar": "AR",
    "bg": "BG",
    "da": "DA",
    "de": "DE",
    "el": "EL",
    "en": "EN",
    "es": "S",
    "fa": "FA",
    "fi": "FI",
    "fr": "FR",
    "he": "HE",
    "hi": "HI",
    "hr": "HR",
    "hu": "HU",
    "is": "IS",
    "it": "ITA",
    "ja": "JA",
    "ka": "KA",
    "ko": "KOR",
    "lt": "LT",
    "ml": "ML",
    "mt": "MT",
    "ne": "NE",
    "nl": "NL",
    "no": "NO",
    "nb": "NO",
    "pa": "PUN",
    "pl": "POL",
    "pt": "POR",
    "ru": "RUS",
    "sk": "SK",
    "sl": "SL",
    "sv": "SV",
    "th": "TH",
    "tl": "TL",
    "tr": "TUR",
    "uk": "UK",
    "ase": "ASL",
}

# The spec's audience codes, keyed by the slugs our audiences are likely to have.
AUDIENCE_TYPES = {
    "women": "W",
    "men": "M",
    "young-people": "Y",
    "youth": "Y",
    "seniors": "SEN",
    "older-people": "SEN",
    "lgbtq": "LGBTQ",
    "lgbtqia": "LGBTQ",
    "transgender": "T",
    "non-binary": "NB",
    "people-of-colour": "POC",
    "people-of-color": "POC",
    "indigenous": "NDG",
}

_DIAL_CHARS = re.compile(r"[\s().\-/]")
_DIALABLE = re.compile(r"^[+]?\d{1,15}(?:[,*#]\d+)*$")
# TSML UI drops a conference_phone shorter than this (digits, "+", "," and "#" counted), and
# then calls the meeting inactive (validateConferencePhone in load-meeting-data.ts).
CONFERENCE_PHONE_MIN = 10


def feed_queryset():
    """Published, not closed listings that have at least one meeting."""
    return (
        SupportGroup.objects.published()
        .exclude(status=Status.CLOSED)  # paused ones stay, as inactive entries
        .filter(Exists(Meeting.objects.filter(group=OuterRef("pk"))))
        .select_related("host")
        .order_by("pk")
    )


@dataclass
class Related:
    """What an entry needs from other tables, fetched for a whole chunk of listings at once."""

    meetings: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    language_codes: list = field(default_factory=list)
    audience_slugs: list = field(default_factory=list)


def related_for(group_ids):
    """Four queries for a chunk of listings. Plain tuples rather than prefetch_related: the
    related managers prefetch builds per object were most of the feed's time."""
    related = {pk: Related() for pk in group_ids}
    meetings = Meeting.objects.filter(group_id__in=group_ids).order_by(
        "group_id", "weekday", "start_time", "pk"
    )
    for meeting in meetings:
        related[meeting.group_id].meetings.append(meeting)
    links = (
        (SupportGroup.types.through, "grouptype__slug", "categories", "grouptype__position"),
        (SupportGroup.languages.through, "language__code", "language_codes", "language__name"),
        (SupportGroup.audiences.through, "audience__slug", "audience_slugs", "audience__position"),
    )
    for through, value, attribute, order in links:
        rows = (
            through.objects.filter(supportgroup_id__in=group_ids)
            .order_by("supportgroup_id", order, "pk")
            .values_list("supportgroup_id", value)
        )
        for group_id, item in rows:
            getattr(related[group_id], attribute).append(item)
    return related


def spec_day(weekday):
    """Our 0 = Monday to the spec's 0 = Sunday."""
    return (weekday + 1) % 7


def meeting_slug(group, meeting):
    """Unique in the feed: the pk after the last hyphen names exactly one meeting."""
    suffix = f"-{meeting.pk}"
    return group.slug[: SLUG_MAX - len(suffix)] + suffix


def dialable(number):
    """A phone number in the spec's one-tap form, or None when it is not one."""
    compact = _DIAL_CHARS.sub("", number or "")
    return compact if _DIALABLE.match(compact) else None


def region_names(tree, region_id):
    """From the widest region to the narrowest, without 'Worldwide'."""
    return [r.name for r in tree.ancestors(region_id) if r.kind != RegionKind.WORLD]


def spec_types(group, related):
    codes = []
    if not group.advertises_meetings:
        codes.append("TC")
    for language_code in related.language_codes:
        code = LANGUAGE_TYPES.get(language_code.lower().split("-")[0])
        if code:
            codes.append(code)
    for slug in related.audience_slugs:
        code = AUDIENCE_TYPES.get(slug)
        if code:
            codes.append(code)
    codes += related.categories  # our group types, as lower-case slugs
    return list(dict.fromkeys(codes))


def has_day_and_time(meeting):
    return schedule.has_recurrence(meeting) and meeting.start_time is not None


def is_weekly(meeting):
    return meeting.frequency == Meeting.Frequency.WEEKLY and has_day_and_time(meeting)


def anonymous_name(name):
    """First name and the initial of the last: 'Jane Smith' -> 'Jane S.'; 'Sam' stays 'Sam'."""
    words = name.split()
    if len(words) < 2:
        return name.strip()
    return f"{words[0]} {words[-1][0].upper()}."


def joining(group, contacts):
    """(conference_url, conference_phone) the organizer published, each None when absent."""
    url = contacts.get("join_url") if group.attendance in REMOTE else None
    phone = None
    if group.attendance == Attendance.PHONE and "phone" in contacts:
        phone = dialable(contacts["phone"])
        if phone and len(re.sub(r"[^\d,+#]", "", phone)) < CONFERENCE_PHONE_MIN:
            phone = None  # a number meeting finders cannot offer is no way to join
    return url, phone


@lru_cache(maxsize=1)
def _zone_countries():
    """IANA zone -> the name of its country, from the tz database's zone.tab and iso3166.tab."""

    def rows(table):
        text = (tzical.tz_file(table) or b"").decode("utf-8")
        return [line.split("\t") for line in text.splitlines() if line and line[0] != "#"]

    names = {
        row[0]: row[1].replace("Britain (UK)", "United Kingdom") for row in rows("iso3166.tab")
    }
    return {row[2]: names[row[0]] for row in rows("zone.tab") if row[0] in names}


def origin(group, regions, meeting):
    """An approximate place for an online group: region, area served, or its time zone's city
    and country ("St Johns, Canada": importers geocode it, and "St Johns" alone is in Florida
    too). A zone that is no place (Etc/GMT-3) gives none."""
    if regions:
        return ", ".join(reversed(regions))
    if group.service_area:
        return group.service_area
    country = _zone_countries().get(meeting.timezone)
    if country and timezones.is_known(meeting.timezone):
        return f"{timezones.city(meeting.timezone)}, {country}"
    return ""


def entry(group, meeting, related, tree):
    """One Meeting Guide entry for one meeting schedule of a listing, or None when the spec
    cannot say it truthfully (see the module docstring)."""
    active = group.advertises_meetings
    contacts = group.public_contacts()
    conference_url, conference_phone = joining(group, contacts) if active else (None, None)
    in_person = group.attendance in MEETS_IN_PERSON or not group.attendance
    online = bool(conference_url or conference_phone)
    if active and group.attendance in (Attendance.ONLINE, Attendance.PHONE) and not online:
        return None
    if active and in_person and not group.address and not online:
        return None

    data = {"name": group.name[:255], "slug": meeting_slug(group, meeting)}
    if active and is_weekly(meeting):
        data["day"] = spec_day(meeting.weekday)
        data["time"] = meeting.start_time.strftime("%H:%M")
        if meeting.end_time:
            data["end_time"] = meeting.end_time.strftime("%H:%M")
    if timezones.is_known(meeting.timezone):
        data["timezone"] = meeting.timezone

    data["types"] = spec_types(group, related)
    if not active:
        data["attendance_option"] = "inactive"
    elif online and in_person and group.address:
        data["attendance_option"] = "hybrid"
    elif online:
        data["attendance_option"] = "online"
    else:
        data["attendance_option"] = "in_person"
    if conference_url:
        data["conference_url"] = conference_url
    if conference_phone:
        data["conference_phone"] = conference_phone

    regions = region_names(tree, group.region_id) if group.region_id else []
    if group.venue and in_person:
        data["location"] = group.venue
    if group.address and in_person:
        data["formatted_address"] = group.address
        data["approximate"] = "no"
    elif place := origin(group, regions, meeting):
        data["formatted_address"] = place
        data["approximate"] = "yes"
    else:
        return None  # no geographic information at all: every importer drops it
    if regions:
        data["region"] = regions[-1]
        data["regions"] = regions

    notes = []
    if not active:
        notes.append(
            _("%(status)s: no meetings are planned for now.")
            % {"status": group.get_status_display()}
        )
    if not (active and is_weekly(meeting)):
        notes.append(describe(meeting))
    if active and group.attendance == Attendance.HYBRID and not online:
        notes.append(_("Also meets online: ask the group for the joining link."))
    notes += [meeting.notes, group.summary, group.how_to_join]
    data["notes"] = "\n\n".join(part.strip() for part in notes if part and part.strip())

    data["group"] = group.name[:255]
    if group.host_id:
        data["group_notes"] = _("Hosted by %(host)s") % {"host": group.host.name}
    if "website" in contacts:
        data["website"] = contacts["website"]  # TSML UI shows it as the group's link
    if "contact_name" in contacts:
        data["contact_1_name"] = anonymous_name(contacts["contact_name"])
    if "email" in contacts:
        data["contact_1_email"] = contacts["email"]
    if "phone" in contacts:
        data["contact_1_phone"] = contacts["phone"]

    data["updated"] = group.updated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    data["url"] = detail_url(group.slug)
    data["feedback_url"] = report_url(group.slug)
    data["entity"] = settings.SITE_NAME
    data["entity_url"] = settings.SITE_URL + "/"
    return data


def batched(iterable, size):
    """itertools.batched, which arrives in Python 3.12."""
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def entries(groups, tree):
    for chunk in batched(groups, CHUNK_SIZE):
        related = related_for([group.pk for group in chunk])
        for group in chunk:
            for meeting in related[group.pk].meetings:
                data = entry(group, meeting, related[group.pk], tree)
                if data is not None:
                    yield data


def stream(region_ids=None, since=None):
    """The feed body, as UTF-8 pieces. Queries: regions, listings, then 4 per 2,000 listings.

    `region_ids` keeps listings filed under those regions; `since` those changed at or after it."""
    tree = RegionTree.load()
    groups = feed_queryset()
    if region_ids is not None:
        groups = groups.filter(region_id__in=region_ids)
    if since is not None:
        groups = groups.filter(updated_at__gte=since)
    return in_pieces(json_array(entries(groups.iterator(chunk_size=CHUNK_SIZE), tree)))
