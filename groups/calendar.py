"""iCalendar feeds: one VEVENT per regular meeting, in the group's own time zone.

What every event says, whatever client reads it:
- its time zone is one of ours (groups.tzical): yearly RRULEs that ical.js, Google, Outlook and
  Apple read alike, open-ended like the meetings' own RRULEs;
- an end: DTEND when the organizer gave one, else DURATION of schedule.DEFAULT_LENGTH (the length
  the Meeting Guide apps assume too), and the description says the end time is not listed;
- for a listing that is closed or paused (SupportGroup.advertises_meetings), STATUS:CANCELLED, so
  a calendar that subscribed earlier shows the meetings as cancelled rather than still on;
- a meeting whose wall-clock time a clock change skips or repeats (1:30 am on the night the
  clocks go from 1:00 to 2:00) is, on those nights, a one-off event in UTC that the series
  leaves out (EXDATE): readers disagree on where such a local time falls (unclear_starts).
A calendar with no event at all is never served (RFC 5545 wants at least one component): the
views answer 404 with a sentence instead.
"""

import datetime as dt
from urllib.parse import urlencode

import icalendar
from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound
from django.utils import timezone
from django.utils.translation import gettext as _

from groups import schedule, tzical
from peerdir.siteurl import site_url

PRODID = "-//Peer Directory//peerdir//EN"


def _host():
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "peerdir"


def _description(group, meeting):
    lines = [group.summary, meeting.describe()]
    if not group.advertises_meetings:
        lines.insert(0, _("Cancelled: %(status)s.") % {"status": group.get_status_display()})
    if schedule.duration(meeting) is None:
        lines.append(_("The end time is not listed."))
    if meeting.notes:
        lines.append(meeting.notes)
    contacts = group.public_contacts()
    if "join_url" in contacts:
        lines.append(_("Joining link: %(url)s") % {"url": contacts["join_url"]})
    if group.how_to_join:
        lines.append(group.how_to_join)
    lines.append(site_url(group.get_absolute_url()))
    # Plain text: icalendar escapes commas, semicolons and newlines itself.
    return "\n".join(line.strip() for line in lines if line and line.strip())


def first_start(meeting, now=None):
    """DTSTART: a real occurrence (the next one from yesterday), so the RRULE lines up with it."""
    now = now or timezone.now()
    found = meeting.next_occurrences(count=1, after=now - dt.timedelta(days=1))
    return found[0] if found else None


# How far ahead meetings at a wall-clock time a clock change skips or repeats are written out.
UNCLEAR_YEARS = 5


def _names_one_instant(local, tz):
    """Whether the wall-clock time `local` (naive) is neither skipped nor repeated in `tz`."""
    return local.replace(tzinfo=tz).utcoffset() == local.replace(tzinfo=tz, fold=1).utcoffset()


def _clear(start, end, tz):
    """Whether a meeting from `start` to `end` (naive wall-clock times) has no clock change in
    it, at it or at either end."""
    return (
        _names_one_instant(start, tz)
        and _names_one_instant(end, tz)
        and start.replace(tzinfo=tz).utcoffset() == end.replace(tzinfo=tz).utcoffset()
    )


def unclear_starts(meeting, first, now):
    """The meeting's starts from `first` on (for UNCLEAR_YEARS years) that a clock change makes
    unclear: at a wall-clock time the change skips (1:30 am on the night London goes from 1:00 to
    2:00) or repeats, ending at one, or with the change during the meeting.

    RFC 5545, recurring-ical-events and our pages read a skipped time with the offset before the
    change and a repeated one as its first occurrence; ical.js (Thunderbird and many web
    calendars) puts a skipped time an hour early and a repeated one at its second occurrence."""
    tz = first.tzinfo
    zone = getattr(tz, "key", None)
    if zone in (None, "UTC"):
        return []
    length = schedule.duration(meeting) or schedule.DEFAULT_LENGTH
    found = []
    for low, high in tzical.unclear_times(zone, now.year, UNCLEAR_YEARS):
        day = low.date() - dt.timedelta(days=1)  # a meeting the day before may run into it
        while day <= high.date():
            local = dt.datetime.combine(day, meeting.start_time)
            stated = local.replace(tzinfo=tz)  # the listed wall-clock time, as EXDATE names it
            if (
                day.weekday() == meeting.weekday
                and stated.astimezone(dt.UTC) >= first.astimezone(dt.UTC)
                and not _clear(local, local + length, tz)
            ):
                noon_before = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12))
                upcoming = meeting.next_occurrences(count=1, after=noon_before.replace(tzinfo=tz))
                # Compared as instants: next_occurrences gives a skipped time as the clock
                # reads it then (1:30 as 2:30 BST).
                if upcoming and upcoming[0].astimezone(dt.UTC) == stated.astimezone(dt.UTC):
                    found.append(stated)
            day += dt.timedelta(days=1)
    return found


def _details(event, group, meeting):
    """What the series and its one-off meetings say alike."""
    event.add("summary", group.name)
    if not group.advertises_meetings:
        event.add("status", "CANCELLED")
    event.add("url", site_url(group.get_absolute_url()))
    event.add("description", _description(group, meeting))
    if group.venue or group.address:
        event.add("location", ", ".join(p for p in (group.venue, group.address) if p))


def _timing(event, start, meeting):
    event.add("dtstart", start)
    if schedule.duration(meeting):
        event.add("dtend", schedule.ends_at(start, meeting))
    else:
        event.add("duration", schedule.DEFAULT_LENGTH)


def events_for(group, meeting, now=None):
    """The meeting's VEVENTs: its series, and a one-off event (in UTC, so no reader has to
    resolve it) for each start at a skipped or repeated wall-clock time, which the series
    leaves out with EXDATE. [] when it has no regular time."""
    rrule = meeting.rrule_text()
    if not rrule or meeting.start_time is None:
        return []
    now = now or timezone.now()
    start = first_start(meeting, now)
    if start is None:
        return []
    stamp = (group.updated_at or timezone.now()).astimezone(dt.UTC)
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.pk}@{_host()}")
    event.add("dtstamp", stamp)
    unclear = unclear_starts(meeting, start, now)
    instants = {when.astimezone(dt.UTC) for when in unclear}
    if start.astimezone(dt.UTC) in instants:
        # The series starts on a clear meeting: its DTSTART and DTEND set the time and length
        # every reader repeats, and readers disagree on an unclear one.
        later = meeting.next_occurrences(count=3, after=start)
        start = next((s for s in later if s.astimezone(dt.UTC) not in instants), start)
    if getattr(start.tzinfo, "key", None) == "UTC":
        start = start.astimezone(dt.UTC)  # written as ...Z: no VTIMEZONE to need
    _timing(event, start, meeting)  # zoneinfo-aware: written with TZID=<the IANA name>
    event.add("rrule", icalendar.vRecur.from_ical(rrule))
    if unclear:
        event.add("exdate", unclear)
    _details(event, group, meeting)
    found = [event]
    for when in unclear:
        # In UTC, start and end: no local time left for a reader to resolve.
        single = icalendar.Event()
        single.add("uid", f"meeting-{meeting.pk}-{when:%Y%m%d}@{_host()}")
        single.add("dtstamp", stamp)
        _timing(single, when.astimezone(dt.UTC), meeting)
        _details(single, group, meeting)
        found.append(single)
    return found


def build(groups, title, now=None):
    """The .ics bytes for these listings (their `meetings` should be prefetched), or None when
    no listing has a meeting a calendar can hold."""
    now = now or timezone.now()
    events = []
    for group in groups:
        for meeting in group.meetings.all():
            events += events_for(group, meeting, now)
    if not events:
        return None
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # An X- property is not typed as TEXT by icalendar: without vText a line break in a
    # listing's name reaches the output unescaped (icalendar then refuses: a 500).
    cal.add("x-wr-calname", icalendar.vText(title))
    zones = sorted({e["dtstart"].dt.tzinfo.key for e in events if _named_zone(e)})
    for name in zones:
        # From the year before: DTSTARTs are on or after yesterday.
        cal.add_component(tzical.vtimezone(name, now.year - 1))
    for event in events:
        cal.add_component(event)
    return cal.to_ical()


def _named_zone(event):
    tzinfo = event["dtstart"].dt.tzinfo
    return getattr(tzinfo, "key", None) not in (None, "UTC")


def add_links(group, meeting, now=None):
    """Links that add a meeting to a web calendar without a file download, or {}.

    Google Calendar takes the recurrence; Outlook's compose link takes one date, so it gets the
    next meeting (the .ics file and the webcal:// subscription carry the full schedule).
    """
    start = meeting.next_occurrences(count=1, after=now) if meeting.start_time else []
    rrule = meeting.rrule_text()
    if not start or not rrule:
        return {}
    start = start[0]
    end = schedule.ends_at(start, meeting)
    page = site_url(group.get_absolute_url())
    details = "\n".join(line for line in (group.summary, page) if line)
    google = urlencode(
        {
            "action": "TEMPLATE",
            "text": group.name,
            "dates": f"{start:%Y%m%dT%H%M%S}/{end:%Y%m%dT%H%M%S}",
            "ctz": meeting.timezone,
            "recur": f"RRULE:{rrule}",
            "details": details,
        }
    )
    outlook = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": group.name,
            "startdt": start.isoformat(),
            "enddt": end.isoformat(),
            "body": details,
        }
    )
    return {
        "google": f"https://calendar.google.com/calendar/render?{google}",
        "outlook": f"https://outlook.live.com/calendar/0/deeplink/compose?{outlook}",
    }


def response(body, filename):
    """The calendar `build()` made, or a 404 with a sentence when it has no event."""
    if body is None:
        # An empty VCALENDAR is invalid (RFC 5545) and some clients then keep the old copy.
        return HttpResponseNotFound(
            _("None of these groups has regular meeting times that a calendar can show."),
            content_type="text/plain; charset=utf-8",
        )
    answer = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    answer["Content-Disposition"] = f'inline; filename="{filename}"'
    return answer
