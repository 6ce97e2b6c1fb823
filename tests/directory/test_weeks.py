"""Minutes of the week: the arithmetic behind "Tuesday evening" in any time zone."""

import datetime as dt

import pytest

from groups.directory.weeks import (
    DAY,
    WEEK,
    bucket_of,
    local_windows,
    shift_windows,
    week_minute,
    zone_offset_minutes,
)


def test_the_time_of_day_buckets_change_at_noon_and_five():
    assert [bucket_of(m) for m in (0, 719, 720, 1019, 1020, 1439)] == [0, 0, 1, 1, 2, 2]


def test_a_week_minute_counts_from_monday_midnight_utc():
    monday = dt.datetime(2026, 11, 30, 0, 0, tzinfo=dt.UTC)
    assert week_minute(monday) == 0
    assert week_minute(monday + dt.timedelta(days=6, hours=23, minutes=59)) == WEEK - 1
    # The same moment written in another zone is the same minute.
    tokyo = dt.timezone(dt.timedelta(hours=9))
    assert week_minute(monday.astimezone(tokyo)) == 0


def test_offsets_follow_daylight_saving():
    assert zone_offset_minutes("Europe/London", dt.datetime(2026, 1, 15, tzinfo=dt.UTC)) == 0
    assert zone_offset_minutes("Europe/London", dt.datetime(2026, 7, 15, tzinfo=dt.UTC)) == 60
    assert zone_offset_minutes("America/New_York", dt.datetime(2026, 1, 15, tzinfo=dt.UTC)) == -300
    assert zone_offset_minutes("Asia/Kolkata", dt.datetime(2026, 7, 15, tzinfo=dt.UTC)) == 330


def test_windows_of_days_and_times_merge_where_they_touch():
    assert local_windows([], []) == [(0, WEEK)]
    assert local_windows([1], []) == [(DAY, 2 * DAY)]
    assert local_windows([0, 1], []) == [(0, 2 * DAY)]  # Monday and Tuesday: one range
    # Tuesday's evening and Wednesday's morning meet at midnight.
    assert local_windows([1, 2], ["evening", "morning"]) == [
        (DAY, DAY + 720),
        (DAY + 1020, 2 * DAY + 720),
        (2 * DAY + 1020, 3 * DAY),
    ]
    assert local_windows([], ["afternoon"]) == [(d * DAY + 720, d * DAY + 1020) for d in range(7)]


@pytest.mark.parametrize(
    ("windows", "offset", "expected"),
    [
        ([(DAY, 2 * DAY)], 0, [(DAY, 2 * DAY)]),
        # Tuesday in Tokyo (UTC+9) starts on Monday 15:00 UTC.
        ([(DAY, 2 * DAY)], 540, [(DAY - 540, 2 * DAY - 540)]),
        # Monday morning in Tokyo is partly Sunday in UTC: split where it wraps the week.
        ([(0, 720)], 540, [(WEEK - 540, WEEK), (0, 180)]),
        # Sunday evening in Los Angeles (UTC-8) is early Monday in UTC: past the end of the week.
        ([(6 * DAY + 1020, WEEK)], -480, [(60, 480)]),
        ([(6 * DAY, WEEK)], -480, [(WEEK - 960, WEEK), (0, 480)]),
        ([(0, WEEK)], 330, [(0, WEEK)]),
    ],
)
def test_visitor_windows_shift_to_utc_and_wrap_the_week(windows, offset, expected):
    assert shift_windows(windows, offset) == expected
    assert sum(e - s for s, e in shift_windows(windows, offset)) == sum(e - s for s, e in windows)
