"""iCalendar feeds: one VEVENT per regular meeting, in the group's own time zone.

What every event says, whatever client reads it:
- its time zone is one of ours (groups.tzical): yearly RRULEs that ical.js, Google, Outlook and
  Apple read alike, open-ended like the meetings' own RRULEs;
- an end: DTEND when the organizer gave one, else DURATION of schedule.DEFAULT_LENGTH (the length
  the Meeting Guide apps assume too), and the description says the end time is not listed;
- for a listing that is closed or paused (SupportGroup.advertises_meetings), STATUS:CANCELLED, so
  a calendar that subscribed earlier shows the meetings as cancelled rather than still on.
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


def event_for(group, meeting, now=None):
    rrule = meeting.rrule_text()
    if not rrule or meeting.start_time is None:
        return None
    start = first_start(meeting, now)
    if start is None:
        return None
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.pk}@{_host()}")
    event.add("dtstamp", (group.updated_at or timezone.now()).astimezone(dt.UTC))
    event.add("summary", group.name)
    if getattr(start.tzinfo, "key", None) == "UTC":
        start = start.astimezone(dt.UTC)  # written as ...Z: no VTIMEZONE to need
    event.add("dtstart", start)  # zoneinfo-aware: written with TZID=<the IANA name>
    length = schedule.duration(meeting)
    if length:
        event.add("dtend", start + length)
    else:
        event.add("duration", schedule.DEFAULT_LENGTH)
    event.add("rrule", icalendar.vRecur.from_ical(rrule))
    if not group.advertises_meetings:
        event.add("status", "CANCELLED")
    event.add("url", site_url(group.get_absolute_url()))
    event.add("description", _description(group, meeting))
    if group.venue or group.address:
        event.add("location", ", ".join(p for p in (group.venue, group.address) if p))
    return event


def build(groups, title, now=None):
    """The .ics bytes for these listings (their `meetings` should be prefetched), or None when
    no listing has a meeting a calendar can hold."""
    now = now or timezone.now()
    events = []
    for group in groups:
        for meeting in group.meetings.all():
            event = event_for(group, meeting, now)
            if event is not None:
                events.append(event)
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
    end = start + (schedule.duration(meeting) or schedule.DEFAULT_LENGTH)
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
