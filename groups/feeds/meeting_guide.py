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

from django.db.models import Exists, OuterRef, Prefetch

from groups import schedule
from groups.feeds.common import CHUNK_SIZE, absolute, in_pieces, is_known_zone, json_array
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
    """Published, not closed listings that have at least one meeting, with everything prefetched."""
    return (
        SupportGroup.objects.published()
        .exclude(status=Status.CLOSED)
        .filter(Exists(Meeting.objects.filter(group=OuterRef("pk"))))
        .select_related("host")
        .prefetch_related(
            Prefetch("meetings", queryset=Meeting.objects.order_by("weekday", "start_time", "id")),
            "types",
            "languages",
            "audiences",
        )
        .order_by("pk")
    )


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


def spec_types(group):
    codes = []
    if group.attendance in MEETS_ONLINE:
        codes.append("ONL")
    if group.status == Status.PAUSED and group.attendance in MEETS_IN_PERSON:
        codes.append("TC")
    for language in group.languages.all():
        code = LANGUAGE_TYPES.get(language.code.lower().split("-")[0])
        if code:
            codes.append(code)
    for audience in group.audiences.all():
        code = AUDIENCE_TYPES.get(audience.slug)
        if code:
            codes.append(code)
    return list(dict.fromkeys(codes))


def attendance_option(group):
    if group.status == Status.PAUSED:
        return "inactive"
    return ATTENDANCE_OPTIONS.get(group.attendance, "in_person")


def has_day_and_time(meeting):
    return schedule.has_recurrence(meeting) and meeting.start_time is not None


def entry(group, meeting, tree):
    """One Meeting Guide entry for one meeting schedule of a listing."""
    data = {"name": group.name[:255], "slug": meeting_slug(group, meeting)}
    if has_day_and_time(meeting):
        data["day"] = spec_day(meeting.weekday)
        data["time"] = meeting.start_time.strftime("%H:%M")
        if meeting.end_time:
            data["end_time"] = meeting.end_time.strftime("%H:%M")
    if is_known_zone(meeting.timezone):
        data["timezone"] = meeting.timezone

    data["types"] = spec_types(group)
    data["categories"] = [t.name for t in group.types.all()]
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
        notes.append(schedule.describe(meeting))
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
    data["url"] = absolute(group.get_absolute_url())
    return data


def entries(groups, tree):
    for group in groups:
        for meeting in group.meetings.all():
            yield entry(group, meeting, tree)


def stream():
    """The feed body, as UTF-8 pieces. Queries: regions, listings, then 4 prefetches per chunk."""
    tree = RegionTree.load()
    groups = feed_queryset().iterator(chunk_size=CHUNK_SIZE)
    return in_pieces(json_array(entries(groups, tree)))
