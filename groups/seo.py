"""Structured data (schema.org JSON-LD) for listings and host pages.

Built as Python dicts, serialised with json.dumps and escaped so that no `</script>` (nor any
`<`, `>` or `&`) can appear inside the script element that carries it.

A listing is an Organization; each of its meeting schedules is an `EventSeries` (its `Schedule`
says the rule, as apps want it) whose `subEvent`s are the next dated meetings, the same ones the
page lists, each an Event with `startDate`, `endDate`, `eventStatus` and `location`: what search
engines' event results require, which a Schedule alone never gives them. Why not Events only: the
rule would be lost; why not the Schedule only: no engine shows an Event without a date.
A closed or paused listing (SupportGroup.advertises_meetings) has series with `eventStatus`
EventCancelled or EventPostponed and no dated Event at all.
Values keep to schema.org's ranges: times are hh:mm:ss; `byMonthWeek` is 1-5, so a "last week of
the month" schedule says its days as byDay's other form, iCal's BYDAY text ("-1SU"); a
VirtualLocation's `url` is the organizer's published joining link (for a phone group, its
published number as a tel: URL), never our page; `eventAttendanceMode` is the one the locations
given say, so Mixed always comes with both a Place and a VirtualLocation.
"""

import json

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from groups import schedule
from groups.feeds.meeting_guide import dialable
from groups.models import MEETS_IN_PERSON, REMOTE, Attendance, Status
from peerdir.siteurl import site_url

DAY_URLS = [f"https://schema.org/{day}" for day in (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
)]  # fmt: skip
FREQUENCY = {"weekly": "P1W", "biweekly": "P2W", "monthly": "P1M", "bimonthly": "P2M"}
ATTENDANCE_MODE = {
    "in_person": "https://schema.org/OfflineEventAttendanceMode",
    "online": "https://schema.org/OnlineEventAttendanceMode",
    "phone": "https://schema.org/OnlineEventAttendanceMode",
    "hybrid": "https://schema.org/MixedEventAttendanceMode",
}
EVENT_STATUS = {
    Status.CLOSED: "https://schema.org/EventCancelled",
    Status.PAUSED: "https://schema.org/EventPostponed",
}
SCHEDULED = "https://schema.org/EventScheduled"
UPCOMING_PER_SERIES = 3
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def to_script(data):
    """JSON text safe to place inside <script type="application/ld+json">."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_ESCAPES))  # noqa: S308


def _absolute(path):
    # The page's canonical URL is built the same way (peerdir.siteurl): the @id is that URL.
    return site_url(path)


def _location(group):
    places = []
    if group.attendance in MEETS_IN_PERSON and (group.venue or group.address):
        place = {"@type": "Place", "name": group.venue or group.name}
        if group.address:
            place["address"] = group.address
        places.append(place)
    if group.attendance in REMOTE:
        virtual = {"@type": "VirtualLocation"}
        contacts = group.public_contacts()
        number = dialable(contacts.get("phone", ""))
        if group.attendance == Attendance.PHONE and number:
            virtual["url"] = f"tel:{number}"  # the published number is where one joins
        elif group.attendance == Attendance.PHONE:
            virtual["name"] = _("By phone: ask the group for the number")
        elif "join_url" in contacts:
            virtual["url"] = contacts["join_url"]
        else:
            virtual["name"] = _("Online: ask the group for the joining details")
        places.append(virtual)
    return places[0] if len(places) == 1 else places


def _attendance_mode(group, location):
    """The mode the locations given say (a hybrid group whose room is not known yet can only be
    joined online), else the listing's own; None when neither says."""
    kinds = {place["@type"] for place in (location if isinstance(location, list) else [location])}
    if kinds == {"Place", "VirtualLocation"}:
        return ATTENDANCE_MODE["hybrid"]
    if location:
        return ATTENDANCE_MODE["online" if kinds == {"VirtualLocation"} else "in_person"]
    return ATTENDANCE_MODE.get(group.attendance)


def _time(value):
    return value.strftime("%H:%M:%S")


def schedule_json(meeting):
    if not schedule.has_recurrence(meeting) or meeting.start_time is None:
        return None
    if meeting.frequency in ("biweekly", "bimonthly") and meeting.start_date is None:
        # "Every other" without a dated meeting: an app would pick the weeks or months itself,
        # half of them wrong (the page shows no dates for it either).
        return None
    data = {
        "@type": "Schedule",
        "repeatFrequency": FREQUENCY[meeting.frequency],
        "byDay": DAY_URLS[meeting.weekday],
        "startTime": _time(meeting.start_time),
        "scheduleTimezone": meeting.timezone,
    }
    if meeting.end_time:
        data["endTime"] = _time(meeting.end_time)
    if meeting.frequency in ("monthly", "bimonthly"):
        weeks = schedule.parse_weeks(meeting.weeks_of_month) or [1]
        if any(week < 1 for week in weeks):
            # "Last" is outside byMonthWeek's 1-5; byDay also takes iCal's BYDAY text ("-1SU").
            rule = dict(part.split("=", 1) for part in schedule.rrule_text(meeting).split(";"))
            data["byDay"] = rule["BYDAY"]
        else:
            data["byMonthWeek"] = weeks
    if meeting.start_date:
        data["startDate"] = meeting.start_date.isoformat()
    return data


def _instances(meeting, base, now):
    found = []
    length = schedule.duration(meeting)
    for start in meeting.next_occurrences(count=UPCOMING_PER_SERIES, after=now):
        event = {**base, "@type": "Event", "startDate": start.isoformat()}
        if length:
            event["endDate"] = schedule.ends_at(start, meeting).isoformat()
        event["eventStatus"] = SCHEDULED
        found.append(event)
    return found


def group_data(group, meetings, now=None):
    now = now or timezone.now()
    url = _absolute(group.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": url,
        "name": group.name,
        "description": group.summary,
        "url": url,
    }
    if group.host:
        data["parentOrganization"] = {
            "@type": "Organization",
            "name": group.host.name,
            "url": _absolute(group.host.get_absolute_url()),
        }
    contacts = group.public_contacts()
    if "website" in contacts:
        data["sameAs"] = contacts["website"]
    if "email" in contacts:
        data["email"] = contacts["email"]
    if "phone" in contacts:
        data["telephone"] = contacts["phone"]
    # What every series and dated event of the listing says alike.
    base = {
        "name": group.name,
        "description": group.summary,
        "url": url,
        "organizer": {"@id": url},
    }
    location = _location(group)
    mode = _attendance_mode(group, location)
    if mode:  # not stated: say nothing rather than guess
        base["eventAttendanceMode"] = mode
    if location:
        base["location"] = location
    if group.cost == "free":
        base["isAccessibleForFree"] = True
    series = []
    for meeting in meetings:
        if not schedule.has_recurrence(meeting) or meeting.start_time is None:
            continue
        item = {**base, "@type": "EventSeries"}
        event_schedule = schedule_json(meeting)
        if event_schedule:
            item["eventSchedule"] = event_schedule
        if group.advertises_meetings:
            item["eventStatus"] = SCHEDULED
            instances = _instances(meeting, base, now)
            if instances:
                item["subEvent"] = instances
        else:
            item["eventStatus"] = EVENT_STATUS.get(group.status, SCHEDULED)
        series.append(item)
    if series:
        data["event"] = series
    return data


def group_json_ld(group, meetings, now=None):
    return to_script(group_data(group, meetings, now))


def organization_json_ld(org, groups):
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": org.name,
        "url": _absolute(org.get_absolute_url()),
        "subOrganization": [
            {"@type": "Organization", "name": g.name, "url": _absolute(g.get_absolute_url())}
            for g in groups
        ],
    }
    if org.summary:
        data["description"] = org.summary
    if org.public_website:
        data["sameAs"] = org.public_website
    return to_script(data)
