"""Meeting schedules: the dates and words a visitor sees, across clock changes and odd recurrences.

Most tests use unsaved Meeting objects: recurrence is pure computation on the fields.
"""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from groups import schedule
from groups.models import Meeting

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")
# A Tuesday in mid-September 2026, before the US clocks go back on Sunday 1 November 2026.
SEPT_15 = dt.datetime(2026, 9, 15, 12, 0, tzinfo=dt.UTC)


def meeting(**fields):
    values = {
        "frequency": Meeting.Frequency.WEEKLY,
        "weekday": 3,  # Thursday
        "start_time": dt.time(17, 0),
        "timezone": "America/Los_Angeles",
    }
    values.update(fields)
    return Meeting(**values)


def dates(occurrences):
    return [when.date() for when in occurrences]


# -- next occurrences -------------------------------------------------------------------------


def test_first_thursday_stays_at_five_pm_local_when_the_clocks_go_back():
    first_thursday = meeting(frequency="monthly", weeks_of_month="1")
    october, november, december = first_thursday.next_occurrences(count=3, after=SEPT_15)
    assert dates([october, november, december]) == [
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 5),
        dt.date(2026, 12, 3),
    ]
    assert all((when.hour, when.minute) == (17, 0) for when in (october, november, december))
    # Pacific Daylight Time, then Pacific Standard Time: 5 pm local moves by an hour in UTC.
    assert october.utcoffset() == dt.timedelta(hours=-7)
    assert november.utcoffset() == dt.timedelta(hours=-8)
    assert october.astimezone(dt.UTC).time() == dt.time(0, 0)
    assert november.astimezone(dt.UTC).time() == dt.time(1, 0)
    assert schedule.utc_offset_label(october) == "UTC−7"
    assert schedule.utc_offset_label(november) == "UTC−8"


def test_weekly_meeting_comes_every_thursday_after_the_given_moment():
    weekly = meeting()
    assert dates(weekly.next_occurrences(count=3, after=SEPT_15)) == [
        dt.date(2026, 9, 17),
        dt.date(2026, 9, 24),
        dt.date(2026, 10, 1),
    ]


def test_a_meeting_that_already_started_today_is_not_listed_as_next():
    weekly = meeting()
    # Thursday 17 September 2026, 5:30 pm Pacific: today's meeting has begun.
    after = dt.datetime(2026, 9, 17, 17, 30, tzinfo=PACIFIC)
    assert dates(weekly.next_occurrences(count=1, after=after)) == [dt.date(2026, 9, 24)]
    # At 4:59 pm it is still to come.
    before = dt.datetime(2026, 9, 17, 16, 59, tzinfo=PACIFIC)
    assert dates(weekly.next_occurrences(count=1, after=before)) == [dt.date(2026, 9, 17)]


def test_in_the_hour_the_clocks_go_back_a_meeting_already_held_is_not_listed_again():
    # Sunday 31 October 2027: at 2 am UK summer time the clocks go back to 1 am, so 1:30 comes
    # twice. The meeting is held at the first; during the second hour it is over.
    early = meeting(weekday=6, start_time=dt.time(1, 30), timezone="Europe/London")
    first_pass = dt.datetime(2027, 10, 31, 0, 10, tzinfo=dt.UTC)  # 1:10 am BST
    second_pass = dt.datetime(2027, 10, 31, 1, 10, tzinfo=dt.UTC)  # 1:10 am GMT, an hour on
    [held] = early.next_occurrences(count=1, after=first_pass)
    assert held.astimezone(dt.UTC) == dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC)
    [following] = early.next_occurrences(count=1, after=second_pass)
    assert following.date() == dt.date(2027, 11, 7)
    assert schedule.under_way_or_soon([early], second_pass) == ("now", None)  # until 2:30 BST
    assert schedule.under_way_or_soon([early], second_pass + dt.timedelta(minutes=30)) == (
        None,
        None,
    )


def test_a_meeting_in_the_hour_the_clocks_skip_is_shown_at_the_time_the_clock_reads():
    # Sunday 28 March 2027: UK clocks jump from 1 am to 2 am; 1:30 am does not happen that day.
    early = meeting(weekday=6, start_time=dt.time(1, 30), timezone="Europe/London")
    saturday = dt.datetime(2027, 3, 27, 12, 0, tzinfo=dt.UTC)
    skipped, week_after = early.next_occurrences(count=2, after=saturday)
    assert skipped.astimezone(dt.UTC) == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)
    assert (skipped.hour, skipped.minute, schedule.utc_offset_label(skipped)) == (2, 30, "UTC+1")
    assert (week_after.hour, week_after.minute) == (1, 30)


def test_every_other_week_follows_the_weeks_of_the_first_meeting():
    fortnightly = meeting(frequency="biweekly", start_date=dt.date(2026, 1, 1))
    assert dates(fortnightly.next_occurrences(count=3, after=SEPT_15)) == [
        dt.date(2026, 9, 24),
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 22),
    ]
    # Anchored a week later, the same rule falls on the other Thursdays.
    other_weeks = meeting(frequency="biweekly", start_date=dt.date(2026, 1, 8))
    assert dates(other_weeks.next_occurrences(count=2, after=SEPT_15)) == [
        dt.date(2026, 9, 17),
        dt.date(2026, 10, 1),
    ]


def test_every_other_week_without_a_first_meeting_shows_no_dates_rather_than_guessed_ones():
    fortnightly = meeting(frequency="biweekly", start_date=None)
    assert fortnightly.next_occurrences(after=SEPT_15) == []
    assert fortnightly.next_occurrences(after=SEPT_15 + dt.timedelta(days=7)) == []


def test_second_and_fourth_tuesday():
    tuesdays = meeting(frequency="monthly", weekday=1, weeks_of_month="4,2")
    assert dates(tuesdays.next_occurrences(count=4, after=SEPT_15)) == [
        dt.date(2026, 9, 22),
        dt.date(2026, 10, 13),
        dt.date(2026, 10, 27),
        dt.date(2026, 11, 10),
    ]


def test_last_friday_of_the_month_in_london_across_the_uk_clock_change():
    last_friday = meeting(
        frequency="monthly",
        weekday=4,
        weeks_of_month="-1",
        timezone="Europe/London",
        start_time=dt.time(19, 30),
        end_time=dt.time(21, 0),
    )
    september, october, november = last_friday.next_occurrences(count=3, after=SEPT_15)
    assert dates([september, october, november]) == [
        dt.date(2026, 9, 25),
        dt.date(2026, 10, 30),
        dt.date(2026, 11, 27),
    ]
    assert september.utcoffset() == dt.timedelta(hours=1)
    assert october.utcoffset() == dt.timedelta(0)  # UK clocks went back on 25 October
    assert (october.hour, october.minute) == (19, 30)


def test_every_other_month_counts_from_the_month_of_the_first_meeting():
    bimonthly = meeting(
        frequency="bimonthly",
        weekday=2,
        weeks_of_month="1",
        start_date=dt.date(2026, 3, 4),
    )
    assert dates(bimonthly.next_occurrences(count=3, after=SEPT_15)) == [
        dt.date(2026, 11, 4),
        dt.date(2027, 1, 6),
        dt.date(2027, 3, 3),
    ]


def test_every_other_month_without_a_first_meeting_does_not_drift_with_the_viewing_date():
    bimonthly = meeting(frequency="bimonthly", weekday=2, weeks_of_month="1", start_date=None)
    # Before the fix, September gave Nov/Jan/Mar and October gave Dec/Feb/Apr for the same group.
    assert bimonthly.next_occurrences(after=SEPT_15) == []
    assert bimonthly.next_occurrences(after=SEPT_15 + dt.timedelta(days=31)) == []


def test_by_arrangement_has_no_occurrences():
    arranged = meeting(frequency="arranged", weekday=None, start_time=None)
    assert arranged.next_occurrences(after=SEPT_15) == []
    assert arranged.rrule_text() is None


def test_a_meeting_without_a_start_time_has_no_occurrences():
    assert meeting(start_time=None).next_occurrences(after=SEPT_15) == []


def test_forming_group_shows_nothing_before_its_first_meeting():
    forming = meeting(start_date=dt.date(2027, 1, 7))
    assert dates(forming.next_occurrences(count=2, after=SEPT_15)) == [
        dt.date(2027, 1, 7),
        dt.date(2027, 1, 14),
    ]
    monthly = meeting(frequency="monthly", weeks_of_month="1", start_date=dt.date(2027, 2, 1))
    assert dates(monthly.next_occurrences(count=1, after=SEPT_15)) == [dt.date(2027, 2, 4)]


def test_occurrences_are_reported_in_the_meetings_own_zone():
    (first,) = meeting().next_occurrences(count=1, after=SEPT_15)
    assert first.tzinfo == PACIFIC


def test_unknown_time_zone_falls_back_to_utc_instead_of_failing_the_page():
    (first,) = meeting(timezone="Mars/Olympus_Mons").next_occurrences(count=1, after=SEPT_15)
    assert first.utcoffset() == dt.timedelta(0)


# -- RRULE text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "FREQ=WEEKLY;BYDAY=TH"),
        ({"frequency": "biweekly"}, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"),
        ({"frequency": "monthly", "weeks_of_month": "1"}, "FREQ=MONTHLY;BYDAY=1TH"),
        (
            {"frequency": "monthly", "weekday": 1, "weeks_of_month": "2,4"},
            "FREQ=MONTHLY;BYDAY=2TU,4TU",
        ),
        ({"frequency": "monthly", "weekday": 4, "weeks_of_month": "-1"}, "FREQ=MONTHLY;BYDAY=-1FR"),
        ({"frequency": "bimonthly", "weeks_of_month": "3"}, "FREQ=MONTHLY;INTERVAL=2;BYDAY=3TH"),
        ({"frequency": "bimonthly", "weekday": None}, None),
        ({"frequency": "arranged"}, None),
    ],
)
def test_rrule_text(fields, expected):
    assert meeting(**fields).rrule_text() == expected


# -- describe() -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "Thursdays, 5:00 pm Pacific Time"),
        ({"end_time": dt.time(18, 30)}, "Thursdays, 5:00–6:30 pm Pacific Time"),
        (
            {"start_time": dt.time(11, 30), "end_time": dt.time(13, 0)},
            "Thursdays, 11:30 am–1:00 pm Pacific Time",
        ),
        ({"frequency": "biweekly"}, "Every other Thursday, 5:00 pm Pacific Time"),
        (
            {"frequency": "monthly", "weekday": 1, "weeks_of_month": "2,4", "timezone": "UTC"},
            "The second and fourth Tuesday of the month, 5:00 pm UTC",
        ),
        (
            {
                "frequency": "monthly",
                "weekday": 4,
                "weeks_of_month": "-1",
                "timezone": "Europe/London",
            },
            "The last Friday of the month, 5:00 pm UK time",
        ),
        (
            {"frequency": "monthly", "weeks_of_month": "1,3,5", "timezone": "America/New_York"},
            "The first, third and fifth Thursday of the month, 5:00 pm Eastern Time",
        ),
        (
            {"frequency": "bimonthly", "weeks_of_month": "1"},
            "The first Thursday of every other month, 5:00 pm Pacific Time",
        ),
        ({"frequency": "bimonthly", "weekday": None, "start_time": None}, "Every other month"),
        ({"frequency": "arranged", "weekday": None, "start_time": None}, "By arrangement"),
        ({"start_time": None}, "Thursdays"),
        ({"timezone": "Australia/Adelaide"}, "Thursdays, 5:00 pm Adelaide time"),
    ],
)
def test_describe_in_words(fields, expected):
    assert meeting(**fields).describe() == expected


def test_duration_in_words():
    assert schedule.describe_duration(meeting(end_time=dt.time(18, 0))) == "1 hour"
    assert schedule.describe_duration(meeting(end_time=dt.time(19, 0))) == "2 hours"
    assert schedule.describe_duration(meeting(end_time=dt.time(18, 30))) == "90 minutes"
    assert schedule.describe_duration(meeting(end_time=None)) == ""


# -- weeks of the month and validation ------------------------------------------------------


def test_weeks_of_the_month_are_read_forgivingly_and_in_order():
    assert schedule.parse_weeks(" 4, 2,2 ") == [2, 4]
    assert schedule.parse_weeks("-1,1") == [1, -1]
    assert schedule.parse_weeks("") == []


@pytest.mark.parametrize("text", ["first", "6", "0", "2;4", "-2"])
def test_weeks_of_the_month_reject_what_we_cannot_schedule(text):
    with pytest.raises(ValueError, match="numbers from 1 to 5, or -1 for the last"):
        schedule.parse_weeks(text)


def clean_errors(**fields):
    with pytest.raises(ValidationError) as caught:
        meeting(**fields).clean()
    return {
        field: [str(m) for m in messages] for field, messages in caught.value.message_dict.items()
    }


def test_meeting_that_would_end_23_hours_later_the_next_day_is_refused_with_a_clear_message():
    errors = clean_errors(start_time=dt.time(17, 0), end_time=dt.time(16, 0))
    assert errors == {
        "end_time": [
            "From 5:00 pm to 4:00 pm the next day is more than 12 hours. If the meeting ends the "
            "same day, check whether the end time is am or pm."
        ]
    }


def test_monthly_meeting_without_weeks_asks_which_weeks():
    errors = clean_errors(frequency="monthly", weeks_of_month="")
    assert errors == {
        "weeks_of_month": ["Choose which weeks of the month it meets, e.g. the 1st and 3rd."]
    }


def test_monthly_meeting_with_unreadable_weeks_says_what_is_allowed():
    errors = clean_errors(frequency="monthly", weeks_of_month="first")
    assert errors == {
        "weeks_of_month": ["Weeks of the month are numbers from 1 to 5, or -1 for the last."]
    }


def test_every_other_week_without_a_date_asks_for_one():
    errors = clean_errors(frequency="biweekly", start_date=None)
    assert errors == {"start_date": ["Give the date of one meeting so we know which weeks."]}


def test_weekly_meeting_without_a_day_asks_for_the_day():
    errors = clean_errors(weekday=None)
    assert errors == {"weekday": ["Choose the day the group meets."]}


def test_valid_schedules_pass_clean():
    meeting().clean()
    meeting(frequency="arranged", weekday=None, start_time=None).clean()
    meeting(frequency="bimonthly", weekday=None, start_time=None).clean()
    meeting(frequency="monthly", weekday=1, weeks_of_month="2,4").clean()
