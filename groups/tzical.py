"""VTIMEZONE components that every common calendar client reads the same way.

icalendar's own VTIMEZONEs list each past and future change as dates on one RDATE line, from 1970
to 2037. ical.js (Thunderbird, many web calendars) reads only the first date of such a line, and
nothing covers the years after 2037 although our RRULEs never end. Here the rules come from the
zone's POSIX TZ string (the footer of its TZif file, which tzdata defines as the rule for all
times after the last listed change): one yearly RRULE per observance, open-ended.

A zone whose rule a yearly RRULE cannot state (no footer, a Julian-day rule, a change moved by its
time into the next month, as Cairo's "last Thursday at 24:00"), or whose listed changes differ
from its rule within FALLBACK_YEARS (Casablanca, Gaza), falls back to one observance per change,
for FALLBACK_YEARS years.
"""

import datetime as dt
import importlib.resources
import os
import re
import zoneinfo
from functools import lru_cache

import icalendar

_NAME = r"(?:<[^>]+>|[A-Za-z]{3,})"
_OFFSET = r"[+-]?\d{1,3}(?::\d{2}){0,2}"
_POSIX = re.compile(rf"^({_NAME})({_OFFSET})(?:({_NAME})({_OFFSET})?,([^,]+),([^,]+))?$")
_RULE = re.compile(rf"^M(\d{{1,2}})\.([1-5])\.([0-6])(?:/({_OFFSET}))?$")
_DAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]

# The fallback's span: changes from the year before a feed is built to this many years after.
FALLBACK_YEARS = 30


def _seconds(text):
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")]
    parts += [0] * (3 - len(parts))
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def tz_file(name):
    """The bytes of a file of the tz database ("Europe/London", "zone.tab"), from the system's
    copy or the tzdata package, or None."""
    for root in zoneinfo.TZPATH:
        path = os.path.join(root, *name.split("/"))
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                return handle.read()
    try:
        return importlib.resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return None


def posix_rule(name):
    """The zone's POSIX TZ string, or None when its TZif file has none (version 1 files)."""
    data = tz_file(name)
    if not data or not data.startswith(b"TZif") or data[4:5] < b"2":
        return None
    footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    text = footer.decode("ascii", "replace").strip()
    return text or None


def _label(text):
    return text.strip("<>")


def _observance(kind, start, offset_from, offset_to, label, rrule=None):
    component = icalendar.TimezoneDaylight() if kind == "daylight" else icalendar.TimezoneStandard()
    component.add("tzname", label)
    component.add("dtstart", start)
    component.add("tzoffsetfrom", offset_from)
    component.add("tzoffsetto", offset_to)
    if rrule:
        component.add("rrule", rrule)
    return component


def _first_on_or_after(year, month, week, weekday_sunday0, seconds):
    """The local wall time of rule Mm.w.d/time in `year` (week 5 means the last)."""
    first = dt.date(year, month, 1)
    python_weekday = (weekday_sunday0 - 1) % 7  # Python's Monday = 0
    day = first + dt.timedelta(days=(python_weekday - first.weekday()) % 7)
    if week == 5:
        while (day + dt.timedelta(days=7)).month == month:
            day += dt.timedelta(days=7)
    else:
        day += dt.timedelta(days=7 * (week - 1))
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)  # may be another day


_MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def _yearly_rule(month, week, weekday, seconds):
    """RRULE parts for POSIX rule Mm.w.d/time, or None when a yearly RRULE cannot say it.

    A time outside 00:00-23:59 (Santiago's 24:00, Jerusalem's 26:00, Nuuk's -1:00) moves the
    change to another weekday: then it is "that weekday, on one of these 7 days of the month",
    which stays in one month for every month but February."""
    shift, _ = divmod(seconds, 86400)
    if shift == 0:
        return {
            "freq": "yearly",
            "bymonth": month,
            "byday": f"{-1 if week == 5 else week}{_DAYS[weekday]}",
        }
    if month == 2:
        return None
    length = _MONTH_DAYS[month - 1]
    first = length - 6 if week == 5 else 7 * (week - 1) + 1
    days = [day + shift for day in range(first, first + 7)]
    if days[0] < 1 or days[-1] > length:
        return None
    return {
        "freq": "yearly",
        "bymonth": month,
        "byday": _DAYS[(weekday + shift) % 7],
        "bymonthday": days,
    }


def _changes_of(parsed):
    """(month, week, weekday, seconds, offset before, offset after, label) of the rule's two
    changes ([] for a zone without daylight saving), or None when one is not an Mm.w.d rule."""
    std_name, std_off, dst_name, dst_off, start_rule, end_rule = parsed
    if not dst_name:
        return []
    std = dt.timedelta(seconds=-_seconds(std_off))
    dst = dt.timedelta(seconds=-_seconds(dst_off)) if dst_off else std + dt.timedelta(hours=1)
    changes = []
    # Entering DST (from std to dst) at start_rule, leaving it at end_rule; both in local time of
    # the observance in force just before.
    for rule, off_from, off_to, label in (
        (start_rule, std, dst, dst_name),
        (end_rule, dst, std, std_name),
    ):
        match = _RULE.match(rule)
        if not match:
            return None
        seconds = _seconds(match[4]) if match[4] else 7200
        month, week, weekday = int(match[1]), int(match[2]), int(match[3])
        changes.append((month, week, weekday, seconds, off_from, off_to, label))
    return changes


def _rule_components(parsed, from_year):
    changes = _changes_of(parsed)
    if changes is None:
        return None
    components = []
    for month, week, weekday, seconds, off_from, off_to, label in changes:
        rrule = _yearly_rule(month, week, weekday, seconds)
        if rrule is None:
            return None
        start = _first_on_or_after(from_year, month, week, weekday, seconds)
        # "daylight" is the larger offset (Europe/Dublin's POSIX "DST" is its winter).
        kind = "daylight" if off_to > off_from else "standard"
        components.append(_observance(kind, start, off_from, off_to, _label(label), rrule))
    return components


def _rule_holds(name, parsed, from_year):
    """Whether the zone changes exactly as its POSIX rule says, every year of the fallback's span.

    tzdata defines the rule for times after the last listed change only, and some zones list
    changes decades ahead that no yearly rule states (Casablanca's and Gaza's around Ramadan):
    written as the rule alone, their VTIMEZONE was an hour off for weeks of every year."""
    changes = _changes_of(parsed)
    if changes is None:
        return False
    to_year = from_year + FALLBACK_YEARS
    implied = set()
    for year in range(from_year, to_year + 1):
        for month, week, weekday, seconds, off_from, off_to, _label in changes:
            local = _first_on_or_after(year, month, week, weekday, seconds)
            implied.add(((local - off_from).replace(tzinfo=dt.UTC), off_from, off_to))
    actual = {change[:3] for change in _scanned_changes(name, from_year, to_year)}
    return implied == actual


def _scanned_changes(name, from_year, to_year):
    """(utc instant, offset before, offset after, label) of every change, found by bisection."""
    tz = zoneinfo.ZoneInfo(name)
    moment = dt.datetime(from_year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(to_year + 1, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(days=1)
    changes = []
    previous = moment.astimezone(tz).utcoffset()
    while moment < end:
        nxt = moment + step
        offset = nxt.astimezone(tz).utcoffset()
        if offset != previous:
            low, high = moment, nxt
            while high - low > dt.timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            # Changes fall on whole minutes: the one in (low, high] is `high` cut to its minute.
            # Left uncut, the onset was written up to 42 seconds late (Cairo's 00:00:28).
            high = high.replace(second=0, microsecond=0)
            changes.append((high, previous, offset, high.astimezone(tz).tzname()))
            previous = offset
        moment = nxt
    return changes


@lru_cache(maxsize=512)
def unclear_times(name, from_year, years):
    """Each stretch of wall-clock time that a clock change in zone `name` skips or repeats, from
    `from_year` on for `years` years, as (first, end) naive local datetimes: (1:00, 2:00) on
    the night London's clocks go from 1:00 to 2:00, and again on the night they go back."""
    return tuple(
        (
            (instant + min(before, after)).replace(tzinfo=None),
            (instant + max(before, after)).replace(tzinfo=None),
        )
        for instant, before, after, _label in _scanned_changes(
            name, from_year, from_year + years - 1
        )
    )


def _fallback_components(name, from_year):
    tz = zoneinfo.ZoneInfo(name)
    start = dt.datetime(from_year, 1, 1, tzinfo=dt.UTC).astimezone(tz)
    offset = start.utcoffset()
    base = _observance("standard", dt.datetime(from_year, 1, 1), offset, offset, start.tzname())
    components = [base]
    for instant, before, after, label in _scanned_changes(
        name, from_year, from_year + FALLBACK_YEARS
    ):
        local = (instant + before).replace(tzinfo=None)
        kind = "daylight" if after > before else "standard"
        # One observance per change, its onset the DTSTART: nothing for a client to expand.
        components.append(_observance(kind, local, before, after, label))
    return components


@lru_cache(maxsize=512)
def _components(name, from_year):
    rule = posix_rule(name)
    parsed = _POSIX.match(rule) if rule else None
    if parsed and _rule_holds(name, parsed.groups(), from_year):
        if not parsed[3]:
            offset = dt.timedelta(seconds=-_seconds(parsed[2]))
            start = dt.datetime(from_year, 1, 1)
            return (_observance("standard", start, offset, offset, _label(parsed[1])),)
        components = _rule_components(parsed.groups(), from_year)
        if components:
            return tuple(components)
    return tuple(_fallback_components(name, from_year))


def vtimezone(name, from_year):
    """A VTIMEZONE for the IANA zone `name`, valid for every instant from `from_year` onwards."""
    component = icalendar.Timezone()
    component.add("tzid", name)
    for observance in _components(name, from_year):
        component.add_component(observance)
    return component
