"""Minutes of the week: how the directory reads "Tuesday evening" against meeting times.

A meeting's start is stored twice (groups/search.py `week_minutes`): `minute_of_week`, minutes
since Monday 00:00 in the meeting's own zone, and `utc_minute_of_week`, the same moment in UTC
at the zone's current offset. The day and time filters, the directory index and the "next
meeting" order all read them through these few definitions.
"""

import datetime as dt
import zoneinfo

from django.utils import timezone

DAY = 1440
WEEK = 7 * DAY
NOON = 12 * 60
FIVE_PM = 17 * 60

# The time-of-day filter's windows, in minutes of the day: [start, end).
TIME_WINDOWS = {"morning": (0, NOON), "afternoon": (NOON, FIVE_PM), "evening": (FIVE_PM, DAY)}
BUCKETS = {"morning": 0, "afternoon": 1, "evening": 2}
NO_TIME = 3  # the bucket of a meeting with a weekday but no start time


def bucket_of(minute_of_day: int) -> int:
    """The time-of-day bucket (BUCKETS) a start in minutes since midnight falls in."""
    return 0 if minute_of_day < NOON else 1 if minute_of_day < FIVE_PM else 2


def week_minute(when: dt.datetime) -> int:
    """Minutes since Monday 00:00 UTC."""
    when = when.astimezone(dt.UTC)
    return when.weekday() * DAY + when.hour * 60 + when.minute


def zone_offset_minutes(name: str, when: dt.datetime | None = None) -> int:
    """The zone's offset from UTC in minutes (east positive) at `when` (now by default)."""
    when = (when or timezone.now()).astimezone(zoneinfo.ZoneInfo(name))
    return int((when.utcoffset() or dt.timedelta(0)).total_seconds() // 60)


Windows = list[tuple[int, int]]


def local_windows(days: list[int], times: list[str]) -> Windows:
    """Minute-of-week ranges [start, end) for the chosen days x times, adjacent ones merged.

    `days` are weekday numbers (0 = Monday), `times` keys of TIME_WINDOWS; empty means any.
    """
    day_list = sorted(days) if days else range(7)
    time_list = [TIME_WINDOWS[t] for t in times] if times else [(0, DAY)]
    ranges = sorted((d * DAY + a, d * DAY + b) for d in day_list for a, b in time_list)
    merged: Windows = []
    for start, end in ranges:
        if merged and merged[-1][1] >= start:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def shift_windows(windows: Windows, offset: int) -> Windows:
    """Visitor-local windows to UTC ones (utc = local - offset), split where they wrap the week."""
    shifted: Windows = []
    for start, end in windows:
        if end - start >= WEEK:
            return [(0, WEEK)]
        s_mod = (start - offset) % WEEK
        e_mod = s_mod + (end - start)
        if e_mod <= WEEK:
            shifted.append((s_mod, e_mod))
        else:
            shifted.extend([(s_mod, WEEK), (0, e_mod - WEEK)])
    return shifted
