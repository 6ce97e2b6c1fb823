"""Dates and times in the visitor's language. The listing page's next meetings were written with
strftime ("Friday 4 December" whatever the language) and every clock read "7:00 pm"; they now
come from Django's localized formatting, so a language Django ships names its weekdays and months
and reads its own clock, before the project has a catalog of its own for it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from groups import schedule
from tests.clock import WINTER, at
from tests.factories import make_meeting, make_support_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def friday_evening(db):
    group = make_support_group("Friday Circle", slug="friday-circle", attendance="in_person")
    make_meeting(
        group,
        weekday=4,
        start_time=dt.time(19, 0),
        end_time=dt.time(20, 30),
        timezone="Europe/London",
    )
    return group


def next_meeting(client, group, **headers):
    with at(WINTER):  # Tuesday 1 December 2026: the next Friday is the 4th
        html = client.get(group.get_absolute_url(), headers=headers).content.decode()
    return html.split('class="next-meeting"', 1)[1].split("</p>", 1)[0]


def test_in_english_the_next_meeting_reads_as_before(client, friday_evening):
    assert "Friday 4 December, 7:00 pm UK time" in next_meeting(client, friday_evening)


def test_a_visitor_reading_spanish_sees_spanish_weekday_month_and_clock(
    client, friday_evening, settings
):
    settings.LANGUAGES = [("en", "English"), ("es", "Spanish")]
    line = next_meeting(client, friday_evening, accept_language="es")
    assert "viernes 4 diciembre, 19:00" in line
    assert "Friday" not in line and "pm" not in line


def test_a_site_whose_language_is_german_says_freitag(client, friday_evening, settings):
    settings.LANGUAGE_CODE = "de"
    settings.LANGUAGES = [("de", "German")]
    line = next_meeting(client, friday_evening)
    assert "Freitag 4 Dezember, 19:00" in line
    with at(WINTER):
        html = client.get(reverse("groups:list")).content.decode()
    # The result card's times read the German clock too (its words wait for a catalog).
    assert "19:00–20:30" in html and "7:00–8:30 pm" not in html


def test_a_monthly_meeting_in_the_visitors_zone_names_its_date_in_their_language(db):
    group = make_support_group(attendance="online")
    meeting = make_meeting(
        group,
        frequency="monthly",
        weeks_of_month="1",
        weekday=3,
        start_time=dt.time(17, 0),
        end_time=dt.time(18, 0),
        timezone="America/Los_Angeles",
    )
    # The first Thursday of December at 5 pm in Los Angeles is Friday 4 December, 1 am in London.
    with translation.override("es"):
        assert schedule.in_zone(meeting, "Europe/London", after=WINTER).startswith(
            "Next on viernes 4 diciembre, 01:00–02:00"
        )
    with translation.override("en"):
        assert schedule.in_zone(meeting, "Europe/London", after=WINTER).startswith(
            "Next on Friday 4 December, 1:00–2:00 am"
        )
