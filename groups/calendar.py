"""iCalendar feeds: one VEVENT per regular meeting, in the group's own time zone."""

import datetime as dt

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from groups import schedule

PRODID = "-//Peer Directory//peerdir//EN"


def _host():
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "peerdir"


def _description(group, meeting):
    lines = [group.summary, meeting.describe()]
    if meeting.notes:
        lines.append(meeting.notes)
    contacts = group.public_contacts()
    if "join_url" in contacts:
        lines.append(_("Joining link: %(url)s") % {"url": contacts["join_url"]})
    if group.how_to_join:
        lines.append(group.how_to_join)
    lines.append(settings.SITE_URL + group.get_absolute_url())
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
    event.add("dtstart", start)  # zoneinfo-aware: written with TZID=<the IANA name>
    length = schedule.duration(meeting)
    if length:
        event.add("dtend", start + length)
    event.add("rrule", icalendar.vRecur.from_ical(rrule))
    event.add("url", settings.SITE_URL + group.get_absolute_url())
    event.add("description", _description(group, meeting))
    if group.venue or group.address:
        event.add("location", ", ".join(p for p in (group.venue, group.address) if p))
    return event


def build(groups, title, now=None):
    """The .ics bytes for these listings (their `meetings` should be prefetched)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # An X- property is not typed as TEXT by icalendar: without vText a line break in a
    # listing's name reaches the output unescaped (icalendar then refuses: a 500).
    cal.add("x-wr-calname", icalendar.vText(title))
    for group in groups:
        for meeting in group.meetings.all():
            event = event_for(group, meeting, now)
            if event is not None:
                cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
