"""Structured data (schema.org JSON-LD) for listings and host pages.

Built as Python dicts, serialised with json.dumps and escaped so that no `</script>` (nor any
`<`, `>` or `&`) can appear inside the script element that carries it.
"""

import json

from django.conf import settings
from django.utils.safestring import mark_safe

from groups import schedule

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
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def to_script(data):
    """JSON text safe to place inside <script type="application/ld+json">."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_ESCAPES))  # noqa: S308


def _absolute(path):
    return settings.SITE_URL + path


def _location(group):
    places = []
    if group.attendance in ("in_person", "hybrid") and (group.venue or group.address):
        place = {"@type": "Place", "name": group.venue or group.name}
        if group.address:
            place["address"] = group.address
        places.append(place)
    if group.attendance in ("online", "phone", "hybrid"):
        places.append({"@type": "VirtualLocation", "url": _absolute(group.get_absolute_url())})
    return places[0] if len(places) == 1 else places


def schedule_json(meeting):
    if not schedule.has_recurrence(meeting) or meeting.start_time is None:
        return None
    data = {
        "@type": "Schedule",
        "repeatFrequency": FREQUENCY[meeting.frequency],
        "byDay": DAY_URLS[meeting.weekday],
        "startTime": meeting.start_time.strftime("%H:%M"),
        "scheduleTimezone": meeting.timezone,
    }
    if meeting.end_time:
        data["endTime"] = meeting.end_time.strftime("%H:%M")
    if meeting.frequency in ("monthly", "bimonthly"):
        data["byMonthWeek"] = schedule.parse_weeks(meeting.weeks_of_month) or [1]
    if meeting.start_date:
        data["startDate"] = meeting.start_date.isoformat()
    return data


def group_data(group, meetings):
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
    events = []
    for meeting in meetings:
        event_schedule = schedule_json(meeting)
        if event_schedule is None:
            continue
        event = {
            "@type": "Event",
            "name": group.name,
            "description": group.summary,
            "url": url,
            "eventSchedule": event_schedule,
            "eventAttendanceMode": ATTENDANCE_MODE.get(group.attendance),
            "organizer": {"@id": url},
        }
        if not event["eventAttendanceMode"]:
            del event["eventAttendanceMode"]  # not stated: say nothing rather than guess
        location = _location(group)
        if location:
            event["location"] = location
        if group.cost == "free":
            event["isAccessibleForFree"] = True
        events.append(event)
    if events:
        data["event"] = events
    return data


def group_json_ld(group, meetings):
    return to_script(group_data(group, meetings))


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
