"""Meeting recurrences: next occurrences across daylight saving, RRULEs, and schedules in words.

Times are wall-clock times in the meeting's IANA zone. Occurrences are generated as local times by
dateutil's rrule and only then given their zone, so 5 pm Pacific stays 5 pm across clock changes.
"""

import datetime as dt
import re
import zoneinfo
from functools import lru_cache

from dateutil import rrule
from django.utils import timezone
from django.utils.formats import date_format, get_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from groups import timezones

WEEKDAY_CHOICES = [
    (0, gettext_lazy("Monday")),
    (1, gettext_lazy("Tuesday")),
    (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")),
    (4, gettext_lazy("Friday")),
    (5, gettext_lazy("Saturday")),
    (6, gettext_lazy("Sunday")),
]
WEEKDAY_PLURALS = [
    gettext_lazy("Mondays"),
    gettext_lazy("Tuesdays"),
    gettext_lazy("Wednesdays"),
    gettext_lazy("Thursdays"),
    gettext_lazy("Fridays"),
    gettext_lazy("Saturdays"),
    gettext_lazy("Sundays"),
]
WEEKDAY_CODES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
ORDINALS = {
    1: gettext_lazy("first"),
    2: gettext_lazy("second"),
    3: gettext_lazy("third"),
    4: gettext_lazy("fourth"),
    5: gettext_lazy("fifth"),
    -1: gettext_lazy("last"),
}


@lru_cache(maxsize=512)
def zone(name):
    """The ZoneInfo for an IANA name; UTC when the name is unknown rather than failing a page."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return dt.UTC


def zone_label(name):
    return timezones.friendly_name(name)


def utc_offset_label(when):
    """'UTC−7' or 'UTC+5:30' for an aware datetime."""
    offset = when.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def parse_weeks(text, required=False):
    """'2,4' -> [2, 4]; '-1' -> [-1]. Raises ValueError with a message a person can act on."""
    text = (text or "").strip()
    if not text:
        if required:
            raise ValueError(_("Choose which weeks of the month it meets, e.g. the 1st and 3rd."))
        return []
    weeks = []
    for part in text.split(","):
        try:
            number = int(part.strip())
        except ValueError:
            raise ValueError(
                _("Weeks of the month are numbers from 1 to 5, or -1 for the last.")
            ) from None
        if number not in ORDINALS:
            raise ValueError(_("Weeks of the month are numbers from 1 to 5, or -1 for the last."))
        if number not in weeks:
            weeks.append(number)
    return sorted(weeks, key=lambda n: (n < 0, n))


def _byweekday(meeting):
    day = rrule.weekdays[meeting.weekday]
    if meeting.frequency in ("monthly", "bimonthly"):
        weeks = parse_weeks(meeting.weeks_of_month) or [1]
        return [day(n) for n in weeks]
    return [day]


def has_recurrence(meeting):
    return meeting.frequency != "arranged" and meeting.weekday is not None


def rrule_text(meeting):
    """The iCalendar RRULE value, or None when there is no regular recurrence."""
    if not has_recurrence(meeting):
        return None
    code = RRULE_DAYS[meeting.weekday]
    if meeting.frequency == "weekly":
        return f"FREQ=WEEKLY;BYDAY={code}"
    if meeting.frequency == "biweekly":
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={code}"
    weeks = parse_weeks(meeting.weeks_of_month) or [1]
    byday = ",".join(f"{n}{code}" for n in weeks)
    interval = ";INTERVAL=2" if meeting.frequency == "bimonthly" else ""
    return f"FREQ=MONTHLY{interval};BYDAY={byday}"


def _rule(meeting, dtstart):
    freq = rrule.WEEKLY if meeting.frequency in ("weekly", "biweekly") else rrule.MONTHLY
    interval = 2 if meeting.frequency in ("biweekly", "bimonthly") else 1
    return rrule.rrule(freq, dtstart=dtstart, interval=interval, byweekday=_byweekday(meeting))


def next_occurrences(meeting, count=3, after=None):
    """The next `count` meetings as aware datetimes in the meeting's zone (start times)."""
    if not has_recurrence(meeting) or meeting.start_time is None:
        return []
    tz = zone(meeting.timezone)
    # Compared as instants: two datetimes in one zone compare by their wall clocks, and in the
    # hour the clocks go back 1:30 am comes twice (the first would still look to come).
    after = (after or timezone.now()).astimezone(dt.UTC)
    local_after = after.astimezone(tz).replace(tzinfo=None)
    anchor = meeting.start_date
    interval_matters = meeting.frequency in ("biweekly", "bimonthly")
    if interval_matters and anchor is None:
        # Without one dated meeting, "every other" week or month has no fixed parity: any dates we
        # gave would change with the day the page is viewed. Show none rather than wrong ones.
        return []
    if anchor is None or (not interval_matters and anchor < local_after.date()):
        # Start a little before today so the current week or month is considered.
        anchor = local_after.date() - dt.timedelta(days=62)
    dtstart = dt.datetime.combine(anchor, meeting.start_time)
    if interval_matters and meeting.frequency == "bimonthly":
        dtstart = dtstart.replace(day=1)
    found = []
    for local in _rule(meeting, dtstart):
        if meeting.start_date and local.date() < meeting.start_date:
            continue
        instant = local.replace(tzinfo=tz).astimezone(dt.UTC)
        if instant <= after:
            continue
        # Back from UTC: a time the clocks skip (1:30 am as they go forward) reads as what the
        # clock shows at that instant (2:30 am, UTC+1), as calendars read it (RFC 5545).
        found.append(instant.astimezone(tz))
        if len(found) >= count:
            break
    return found


def first_date(meeting):
    """The date of the first meeting on or after `start_date` (which may be any day: the rule
    then starts on the next matching weekday), or None without a start date or rule."""
    if not has_recurrence(meeting) or meeting.start_date is None:
        return None
    dtstart = dt.datetime.combine(meeting.start_date, meeting.start_time or dt.time())
    if meeting.frequency == "bimonthly":
        dtstart = dtstart.replace(day=1)
    for local in _rule(meeting, dtstart):
        if local.date() >= meeting.start_date:
            return local.date()
    return None


# The longest a meeting that runs past midnight may be listed as. Every slip between am and pm
# (7 pm to "9:00" meant as 9 pm) reads as an overnight meeting of more than 12 hours; and with
# no more than 12 hours, an overnight meeting always reads from pm to am ("11:00 pm–1:00 am").
LONGEST_OVERNIGHT = dt.timedelta(hours=12)


def listed_length(start, end):
    """The length from wall-clock `start` to `end`, an end before the start being the next day
    (11 pm to 1 am is two hours); None without both, or with the end at the start itself."""
    if start is None or end is None:
        return None
    day = dt.date(2000, 1, 1)
    length = dt.datetime.combine(day, end) - dt.datetime.combine(day, start)
    if length < dt.timedelta(0):
        length += dt.timedelta(days=1)
    return length or None


def duration(meeting):
    return listed_length(meeting.start_time, meeting.end_time)


def length_problem(start, end):
    """What is wrong with a meeting from `start` to `end`, in words for its organizer, or ""."""
    if start is None or end is None:
        return ""
    if start == end:
        return _(
            "A meeting can’t end at the moment it starts. Leave the end time empty if it varies."
        )
    if end < start and listed_length(start, end) > LONGEST_OVERNIGHT:
        return _(
            "From %(start)s to %(end)s the next day is more than 12 hours. If the meeting ends "
            "the same day, check whether the end time is am or pm."
        ) % {"start": format_time(start), "end": format_time(end)}
    return ""


@lru_cache(maxsize=32)
def _twelve_hour(clock):
    """Whether a Django time format reads the clock in two halves (g, h, a, A, P), escapes aside."""
    return any(c in "aAghP" for c in re.sub(r"\\.", "", clock))


def format_time(value):
    """5:00 pm, 11:30 am (noon is 12:00 pm) in English; in a language whose clock runs to 24
    hours (its TIME_FORMAT in Django's locale data), that clock: 17:00 in Spanish or German."""
    clock = get_format("TIME_FORMAT")
    if not _twelve_hour(clock):
        return time_format(value, clock)
    hour = value.hour % 12 or 12
    suffix = _("am") if value.hour < 12 else _("pm")
    return f"{hour}:{value.minute:02d} {suffix}"


def format_time_range(start, end):
    if end is None:
        return format_time(start)
    if _twelve_hour(get_format("TIME_FORMAT")) and (start.hour < 12) == (end.hour < 12):
        hour = start.hour % 12 or 12
        return f"{hour}:{start.minute:02d}–{format_time(end)}"
    return f"{format_time(start)}–{format_time(end)}"


def _ordinal_list(weeks):
    names = [str(ORDINALS[n]) for n in weeks]
    if len(names) == 1:
        return names[0]
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def describe_days(meeting):
    if meeting.frequency == "arranged":
        return _("By arrangement")
    if meeting.weekday is None:
        if meeting.frequency == "bimonthly":
            return _("Every other month")
        return _("Day not listed")
    day = str(WEEKDAY_CHOICES[meeting.weekday][1])
    if meeting.frequency == "weekly":
        return str(WEEKDAY_PLURALS[meeting.weekday])
    if meeting.frequency == "biweekly":
        return _("Every other %(day)s") % {"day": day}
    weeks = _ordinal_list(parse_weeks(meeting.weeks_of_month) or [1])
    if meeting.frequency == "bimonthly":
        return _("The %(weeks)s %(day)s of every other month") % {"weeks": weeks, "day": day}
    return _("The %(weeks)s %(day)s of the month") % {"weeks": weeks, "day": day}


def describe(meeting):
    """'Thursdays, 5:00–6:00 pm Pacific Time'."""
    days = describe_days(meeting)
    if meeting.start_time is None:
        return days
    times = format_time_range(meeting.start_time, meeting.end_time)
    return _("%(days)s, %(times)s %(zone)s") % {
        "days": days,
        "times": times,
        "zone": zone_label(meeting.timezone),
    }


def describe_duration(meeting):
    length = duration(meeting)
    if length is None:
        return ""
    minutes = int(length.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def in_zone(meeting, zone_name, after=None):
    """The meeting as a visitor in `zone_name` would say it ("Fridays, 1:00 am"), or "" when it
    reads the same as in the group's own zone (or has no start time to convert).

    Weekly and fortnightly meetings keep their day, shifted into the visitor's week; monthly
    ones name their next date, since "the first Thursday" may be a Friday for the visitor.
    """
    upcoming = next_occurrences(meeting, count=1, after=after)
    if not upcoming:
        return ""
    start = upcoming[0]
    theirs = start.astimezone(zone(zone_name))
    end = ends_at(theirs, meeting).timetz() if duration(meeting) else None
    if reads_the_same(start, theirs, meeting.timezone, zone_name):
        return ""
    times = format_time_range(theirs.timetz(), end)
    if meeting.frequency == "weekly":
        days = str(WEEKDAY_PLURALS[theirs.weekday()])
    elif meeting.frequency == "biweekly":
        days = _("Every other %(day)s") % {"day": WEEKDAY_CHOICES[theirs.weekday()][1]}
    else:
        days = _("Next on %(date)s") % {"date": format_date(theirs)}
    return _("%(days)s, %(times)s") % {"days": days, "times": times}


def reads_the_same(own, theirs, own_zone, visitor_zone):
    """Whether a visitor would read `theirs` (the instant `own`, in `visitor_zone`) just as the
    group's own time: the same offset and the same zone name ("UK time" for both)."""
    return theirs.utcoffset() == own.utcoffset() and zone_label(visitor_zone) == zone_label(
        own_zone
    )


def format_date(when):
    """'Friday 4 December': the weekday and month names in the active language (Django's own
    translations), in the order its translators give the format ('l j \\d\\e F' in Spanish)."""
    # Translators: a Django date format (the "date" template filter's letters) for a weekday
    # and a date without the year, as in "Friday 4 December".
    return date_format(when, pgettext("weekday and date, a Django date format", "l j F"))


def lines_for(meetings, visitor_zone="", remote=False, after=None):
    """A listing's meeting times for a visitor: [{"yours": ..., "own": ...}], the visitor's time
    first when they chose a zone and can join from anywhere (in-person groups keep their own
    local time, as the day and time filters do)."""
    found = []
    for meeting in meetings:
        own = describe(meeting)
        yours = in_zone(meeting, visitor_zone, after) if visitor_zone and remote else ""
        if yours:
            yours = f"{yours} {zone_label(visitor_zone)}"
        found.append({"yours": yours, "own": own})
    return found


SOON = dt.timedelta(hours=1)
# How long a meeting without an end time is taken to last: calendars give it this length, and
# the directory calls it under way for this long.
DEFAULT_LENGTH = dt.timedelta(hours=1)


def ends_at(start, meeting):
    """When the meeting starting at `start` (one of its occurrences, in any zone) ends, given in
    the zone of `start`: at its listed end time by the clock of the meeting's zone, on the next
    day when that is earlier than the start (11 pm-1 am), so also on the night the clocks change
    during it; an hour (DEFAULT_LENGTH) after the start without an end time.

    A listed end that a clock change makes no later than the start (2:30-3:30 am on the night
    the clocks skip 2:00-3:00: both read as 3:30) ends the listed length later instead.

    The one place an occurrence's end is computed: calendars, JSON-LD, add-to-calendar links
    and the visitor's-time line all ask it."""
    length = duration(meeting)
    instant = start.astimezone(dt.UTC)
    if length is None:
        return (instant + DEFAULT_LENGTH).astimezone(start.tzinfo)
    tz = zone(meeting.timezone)
    read = instant.astimezone(tz).date()
    # The listed date: the clock's, or the day before when a skipped start read as after midnight.
    for day in (read, read - dt.timedelta(days=1)):
        listed = dt.datetime.combine(day, meeting.start_time)
        if listed.replace(tzinfo=tz).astimezone(dt.UTC) == instant:
            end = (listed + length).replace(tzinfo=tz).astimezone(dt.UTC)
            if end > instant:
                return end.astimezone(start.tzinfo)
            break
    return (instant + length).astimezone(start.tzinfo)


def under_way_or_soon(meetings, now, visitor_zone=""):
    """("now", None) while a meeting is under way (an hour when no end time is given),
    ("soon", "7:00 pm UK time") when one starts within the hour, else (None, None)."""
    soonest = None
    for meeting in meetings:
        length = duration(meeting) or DEFAULT_LENGTH
        for start in next_occurrences(meeting, count=1, after=now - length):
            if start <= now:
                return "now", None
            if start - now <= SOON and (soonest is None or start < soonest[0]):
                soonest = (start, meeting.timezone)
    if soonest is None:
        return None, None
    start, own_zone = soonest
    name = visitor_zone or own_zone
    when = start.astimezone(zone(name))
    return "soon", f"{format_time(when.timetz())} {zone_label(name)}"
