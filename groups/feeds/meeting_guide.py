"""The Meeting Guide JSON feed (github.com/code4recovery/spec), read by TSML UI and meeting finders.

One entry per meeting schedule. Deliberate choices, following the spec:
- `day` is 0 = Sunday … 6 = Saturday; our Meeting.weekday is 0 = Monday, so it is shifted.
- The spec is for weekly meetings. Every-other-week and monthly meetings are still listed on their
  weekday, with the real recurrence in words at the top of `notes`, so nobody misses them.
- Meetings by arrangement, or without a day or time, are listed without `day` and `time`: the
  spec's "by appointment" meetings (TSML UI shows them at the end; the Meeting Guide app skips them).
- `types` holds only the spec's codes (ONL, TC, languages, audiences where one fits). Our own group
  types go in a separate `categories` field, which importers ignore, rather than inventing codes
  that could clash with future ones.
- Contact fields appear only where the organizer made them public.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import Exists, OuterRef

from groups import schedule
from groups.feeds.common import (
    CHUNK_SIZE,
    describe,
    detail_url,
    in_pieces,
    is_known_zone,
    json_array,
)
from groups.models import Attendance, Meeting, RegionKind, RegionTree, Status, SupportGroup

SLUG_MAX = 64

ATTENDANCE_OPTIONS = {
    Attendance.IN_PERSON: "in_person",
    Attendance.ONLINE: "online",
    Attendance.PHONE: "online",
    Attendance.HYBRID: "hybrid",
}
MEETS_ONLINE = {Attendance.ONLINE, Attendance.PHONE, Attendance.HYBRID}
MEETS_IN_PERSON = {Attendance.IN_PERSON, Attendance.HYBRID}

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


def feed_queryset():
    """Published, not closed listings that have at least one meeting."""
    return (
        SupportGroup.objects.published()
        .exclude(status=Status.CLOSED)
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
        (SupportGroup.types.through, "grouptype__name", "categories", "grouptype__position"),
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
    if group.attendance in MEETS_ONLINE:
        codes.append("ONL")
    if group.status == Status.PAUSED and group.attendance in MEETS_IN_PERSON:
        codes.append("TC")
    for language_code in related.language_codes:
        code = LANGUAGE_TYPES.get(language_code.lower().split("-")[0])
        if code:
            codes.append(code)
    for slug in related.audience_slugs:
        code = AUDIENCE_TYPES.get(slug)
        if code:
            codes.append(code)
    return list(dict.fromkeys(codes))


def attendance_option(group):
    if group.status == Status.PAUSED:
        return "inactive"
    return ATTENDANCE_OPTIONS.get(group.attendance, "in_person")


def has_day_and_time(meeting):
    return schedule.has_recurrence(meeting) and meeting.start_time is not None


def entry(group, meeting, related, tree):
    """One Meeting Guide entry for one meeting schedule of a listing."""
    data = {"name": group.name[:255], "slug": meeting_slug(group, meeting)}
    if has_day_and_time(meeting):
        data["day"] = spec_day(meeting.weekday)
        data["time"] = meeting.start_time.strftime("%H:%M")
        if meeting.end_time:
            data["end_time"] = meeting.end_time.strftime("%H:%M")
    if is_known_zone(meeting.timezone):
        data["timezone"] = meeting.timezone

    data["types"] = spec_types(group, related)
    data["categories"] = list(related.categories)
    data["attendance_option"] = attendance_option(group)

    contacts = group.public_contacts()
    if group.attendance in MEETS_ONLINE and "join_url" in contacts:
        data["conference_url"] = contacts["join_url"]
    if group.attendance == Attendance.PHONE and "phone" in contacts:
        number = dialable(contacts["phone"])
        if number:
            data["conference_phone"] = number

    regions = region_names(tree, group.region_id) if group.region_id else []
    if group.venue and group.attendance in MEETS_IN_PERSON:
        data["location"] = group.venue
    if group.address and group.attendance in MEETS_IN_PERSON:
        data["formatted_address"] = group.address
        data["approximate"] = "no"
    elif regions:
        # Online groups still need a point of origin to be found "nearby" (the spec's advice).
        data["formatted_address"] = ", ".join(reversed(regions))
        data["approximate"] = "yes"
    if regions:
        data["region"] = regions[-1]
        data["regions"] = regions

    notes = []
    if not (meeting.frequency == Meeting.Frequency.WEEKLY and has_day_and_time(meeting)):
        notes.append(describe(meeting))
    notes += [meeting.notes, group.summary, group.how_to_join]
    data["notes"] = "\n\n".join(part.strip() for part in notes if part and part.strip())

    data["group"] = group.name[:255]
    if group.host_id:
        data["group_notes"] = group.host.name
    if "contact_name" in contacts:
        data["contact_1_name"] = contacts["contact_name"]
    if "email" in contacts:
        data["contact_1_email"] = contacts["email"]
    if "phone" in contacts:
        data["contact_1_phone"] = contacts["phone"]

    data["updated"] = group.updated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    data["url"] = detail_url(group.slug)
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
                yield entry(group, meeting, related[group.pk], tree)


def stream():
    """The feed body, as UTF-8 pieces. Queries: regions, listings, then 4 per 2,000 listings."""
    tree = RegionTree.load()
    groups = feed_queryset().iterator(chunk_size=CHUNK_SIZE)
    return in_pieces(json_array(entries(groups, tree)))
