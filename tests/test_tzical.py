"""Our VTIMEZONEs (groups.tzical) say the same offsets as the tz database, for every zone."""

import datetime as dt
import zoneinfo

import icalendar
import pytest

from groups import tzical


def offsets_disagree(name, years):
    ours = icalendar.Timezone.from_ical(tzical.vtimezone(name, 2026).to_ical()).to_tz(
        lookup_tzid=False
    )
    real = zoneinfo.ZoneInfo(name)
    wrong = []
    for year in years:
        for month in range(1, 13):
            for day in (2, 16):
                moment = dt.datetime(year, month, day, 12)
                if (
                    moment.replace(tzinfo=ours).utcoffset()
                    != moment.replace(tzinfo=real).utcoffset()
                ):
                    wrong.append(moment.date())
    return wrong


def test_every_zone_agrees_with_the_tz_database_for_decades():
    years = range(2027, 2027 + tzical.FALLBACK_YEARS, 4)
    wrong = {
        name: dates[:3]
        for name in sorted(zoneinfo.available_timezones())
        if (dates := offsets_disagree(name, years))
    }
    assert not wrong


@pytest.mark.parametrize(
    "name", ["Europe/London", "America/Santiago", "Asia/Jerusalem", "Asia/Kolkata"]
)
def test_zones_are_written_as_rules_without_date_lists(name):
    text = tzical.vtimezone(name, 2026).to_ical().decode()

    assert "RDATE" not in text
    assert text.count("BEGIN:STANDARD") + text.count("BEGIN:DAYLIGHT") == (
        1 if name == "Asia/Kolkata" else 2
    )
