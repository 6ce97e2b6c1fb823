"""The Meeting Guide JSON feed: what meeting finders read, checked against the spec's field rules."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from groups.models import Meeting, SupportGroup
from tests.factories import (
    make_audience,
    make_language,
    make_meeting,
    make_organization,
    make_region_tree,
    make_support_group,
    make_type,
)
from tests.validators.meeting_guide import check_entry

pytestmark = pytest.mark.django_db

URL = "/api/meeting-guide.json"
JOIN = "https://meet.example.org/j/1"


def listed_group(name=None, **kwargs):
    """An online group with a published joining link: what the feed can list as online."""
    kwargs.setdefault("join_url", JOIN)
    return make_support_group(name, **kwargs)


def fetch(client, **headers):
    response = client.get(URL, **headers)
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def feed(client):
    response, body = fetch(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    entries = json.loads(body)
    assert isinstance(entries, list)
    for entry in entries:
        check_entry(entry)
    slugs = [e["slug"] for e in entries]
    assert len(slugs) == len(set(slugs)), "slugs are unique in the feed"
    return entries


def by_name(entries, name):
    found = [e for e in entries if e["name"] == name]
    assert found, f"{name} is not in the feed"
    return found


def test_weekly_thursday_meeting_is_day_four_at_its_local_time(client):
    group = make_support_group(
        "Thursday Voices", attendance="in_person", venue="Library", address="1 High St, Leith"
    )
    make_meeting(group, weekday=3, start_time=dt.time(17), end_time=dt.time(18, 30))

    (entry,) = by_name(feed(client), "Thursday Voices")

    assert entry["day"] == 4
    assert entry["time"] == "17:00"
    assert entry["end_time"] == "18:30"
    assert entry["timezone"] == "America/Los_Angeles"
    assert entry["attendance_option"] == "in_person"
    assert entry["location"] == "Library"
    assert entry["url"] == settings.SITE_URL + group.get_absolute_url()
    assert entry["updated"] == group.updated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(("weekday", "day"), [(0, 1), (5, 6), (6, 0)])
def test_weekdays_are_shifted_to_the_spec_sunday_first_numbering(client, weekday, day):
    group = listed_group("Shifted")
    make_meeting(group, weekday=weekday)

    (entry,) = by_name(feed(client), "Shifted")

    assert entry["day"] == day


def test_monthly_meeting_is_by_appointment_with_its_real_recurrence_first_in_notes(client):
    group = listed_group("Second Tuesdays")
    make_meeting(
        group, frequency="monthly", weekday=1, weeks_of_month="2,4", timezone="Europe/London"
    )

    (entry,) = by_name(feed(client), "Second Tuesdays")

    # The spec can only say "every week": a monthly meeting is never given a day and time.
    assert "day" not in entry and "time" not in entry
    assert entry["notes"].startswith("The second and fourth Tuesday of the month")


def test_every_other_week_meeting_is_never_shown_as_weekly(client):
    group = listed_group("Fortnightly")
    make_meeting(group, frequency="biweekly", start_date=dt.date(2026, 1, 4), weekday=6)

    (entry,) = by_name(feed(client), "Fortnightly")

    assert "day" not in entry and "time" not in entry
    assert entry["notes"].startswith("Every other Sunday")


def test_meeting_by_arrangement_is_listed_without_day_or_time(client):
    group = listed_group("Ask Us")
    make_meeting(group, frequency="arranged", weekday=None, start_time=None, end_time=None)

    (entry,) = by_name(feed(client), "Ask Us")

    assert "day" not in entry and "time" not in entry
    assert entry["notes"].startswith("By arrangement")


def test_each_meeting_of_a_listing_is_its_own_entry(client):
    group = listed_group("Twice Weekly")
    make_meeting(group, weekday=0)
    make_meeting(group, weekday=3)

    entries = by_name(feed(client), "Twice Weekly")

    assert sorted(e["day"] for e in entries) == [1, 4]
    assert len({e["slug"] for e in entries}) == 2


def test_long_slugs_are_cut_to_64_characters_and_stay_unique(client):
    group = listed_group("Long", slug="a" * 120)
    make_meeting(group, weekday=0)
    make_meeting(group, weekday=1)

    entries = by_name(feed(client), "Long")

    assert all(len(e["slug"]) == 64 for e in entries)
    assert len({e["slug"] for e in entries}) == 2


def test_pending_closed_and_meetingless_listings_are_left_out(client):
    make_meeting(listed_group("Waiting", moderation=SupportGroup.Moderation.PENDING))
    make_meeting(listed_group("Gone", status=SupportGroup.Status.CLOSED))
    listed_group("No Meetings")
    make_meeting(listed_group("Here"))

    names = {e["name"] for e in feed(client)}

    assert names == {"Here"}


def test_private_contact_details_never_appear(client):
    group = make_support_group(
        "Private",
        attendance="online",
        join_url="https://meet.example.org/secret",
        join_url_public=False,
        email="organizer@example.org",
        email_public=False,
        phone="+44 20 7946 0000",
        phone_public=False,
        contact_name="Sam",
        contact_name_public=False,
    )
    make_meeting(group)

    response, body = fetch(client)

    assert b"secret" not in body
    assert b"organizer@example.org" not in body
    assert b"7946" not in body
    # Without a published link or phone the spec calls an online meeting inactive: left out.
    assert not [e for e in json.loads(body) if e["name"] == "Private"]


def test_public_contact_details_are_given(client):
    group = make_support_group(
        "Public",
        attendance="online",
        join_url="https://meet.example.org/j/1",
        email="hello@example.org",
        email_public=True,
        contact_name="Sam Jones",
    )
    make_meeting(group)

    (entry,) = by_name(feed(client), "Public")

    assert entry["conference_url"] == "https://meet.example.org/j/1"
    assert entry["contact_1_email"] == "hello@example.org"
    assert entry["contact_1_name"] == "Sam J."  # the spec: no last names
    assert entry["attendance_option"] == "online"


def test_phone_groups_give_a_dialable_conference_phone(client):
    group = make_support_group(
        "Call In", attendance="phone", phone="+1 (555) 010-0000", phone_public=True
    )
    make_meeting(group)

    (entry,) = by_name(feed(client), "Call In")

    assert entry["conference_phone"] == "+15550100000"


def test_types_hold_spec_codes_and_our_types_as_slugs_never_onl(client):
    voices = make_type("Hearing Voices", slug="hearing-voices")
    group = make_support_group(
        "Coded",
        attendance="hybrid",
        address="1 High St, Leith",
        join_url=JOIN,
        types=[voices],
        languages=[make_language("es", "Spanish")],
        audiences=[make_audience("Women", slug="women")],
    )
    make_meeting(group)

    (entry,) = by_name(feed(client), "Coded")

    assert entry["types"] == ["S", "W", "hearing-voices"]
    assert entry["attendance_option"] == "hybrid"
    assert entry["conference_url"] == JOIN
    assert entry["formatted_address"] == "1 High St, Leith" and entry["approximate"] == "no"


def test_hybrid_group_without_a_link_is_in_person_and_says_it_also_meets_online(client):
    group = make_support_group("Half Known", attendance="hybrid", address="1 High St, Leith")
    make_meeting(group)

    (entry,) = by_name(feed(client), "Half Known")

    assert entry["attendance_option"] == "in_person"
    assert "conference_url" not in entry
    assert "Also meets online" in entry["notes"]


def test_online_group_without_any_place_is_left_out_rather_than_dropped_by_apps(client):
    make_meeting(listed_group("Nowhere"), timezone="UTC")
    make_meeting(listed_group("Pacific"), timezone="America/Los_Angeles")

    entries = feed(client)

    assert not [e for e in entries if e["name"] == "Nowhere"]
    (pacific,) = by_name(entries, "Pacific")
    assert pacific["formatted_address"] == "Los Angeles, United States"
    assert pacific["approximate"] == "yes"


def test_entries_link_back_to_the_listing_and_its_report_page(client):
    group = listed_group("Linked", website="https://voices.example.org/")
    make_meeting(group)

    (entry,) = by_name(feed(client), "Linked")

    assert entry["url"] == settings.SITE_URL + group.get_absolute_url()
    assert entry["feedback_url"] == settings.SITE_URL + reverse("groups:report", args=[group.slug])
    assert entry["website"] == "https://voices.example.org/"
    assert entry["entity"] == settings.SITE_NAME


def test_paused_in_person_group_is_inactive_and_temporarily_closed(client):
    group = make_support_group(
        "Resting",
        attendance="hybrid",
        address="1 High St, Leith",
        join_url=JOIN,
        status=SupportGroup.Status.PAUSED,
    )
    make_meeting(group)

    (entry,) = by_name(feed(client), "Resting")

    assert entry["attendance_option"] == "inactive"
    assert "TC" in entry["types"]
    # No day, time or link: no app offers a paused group as meeting this week.
    assert "day" not in entry and "time" not in entry and "conference_url" not in entry
    assert entry["notes"].startswith("Paused: no meetings are planned")


def test_regions_and_an_approximate_address_locate_online_groups(client):
    tree = make_region_tree()
    group = listed_group("Online Scots", attendance="online", region=tree["lothians"])
    make_meeting(group, timezone="Europe/London")
    host = make_organization("Voices Network")
    venue_group = make_support_group(
        "Hall Group",
        attendance="in_person",
        region=tree["massachusetts"],
        address="1 Main St, Boston, MA 02108, USA",
        host=host,
    )
    make_meeting(venue_group)

    entries = feed(client)
    (online,) = by_name(entries, "Online Scots")
    (hall,) = by_name(entries, "Hall Group")

    assert online["regions"] == ["Europe", "United Kingdom", "Scotland", "Lothians"]
    assert online["region"] == "Lothians"
    assert online["formatted_address"] == "Lothians, Scotland, United Kingdom, Europe"
    assert online["approximate"] == "yes"
    assert hall["formatted_address"] == "1 Main St, Boston, MA 02108, USA"
    assert hall["approximate"] == "no"
    assert hall["group_notes"] == "Hosted by Voices Network"


def test_feed_is_cacheable_and_readable_from_other_sites(client):
    make_meeting(listed_group())

    response, _ = fetch(client)

    assert "max-age=300" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["ETag"] and response["Last-Modified"]


def test_unchanged_feed_answers_304_and_an_edit_changes_it(client):
    group = listed_group()
    make_meeting(group)
    first, _ = fetch(client)

    again, body = fetch(client, HTTP_IF_NONE_MATCH=first["ETag"])
    since, _ = fetch(client, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 304 and body == b""
    assert since.status_code == 304
    assert "max-age=300" in again["Cache-Control"]

    SupportGroup.objects.filter(pk=group.pk).update(
        updated_at=timezone.now() + dt.timedelta(seconds=5)
    )
    changed, _ = fetch(client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_unpublishing_a_listing_changes_the_etag(client):
    make_meeting(listed_group())
    other = listed_group()
    first, _ = fetch(client)

    SupportGroup.objects.filter(pk=other.pk).update(moderation="archived")

    second, _ = fetch(client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200


def test_post_is_not_allowed(client):
    assert client.post(URL).status_code == 405


def _make_listings(count):
    voices = make_type()
    english = make_language()
    for _ in range(count):
        group = listed_group(types=[voices], languages=[english])
        make_meeting(group)
        make_meeting(group, frequency="monthly", weekday=1, weeks_of_month="1")


@pytest.mark.parametrize("count", [2, 40])
def test_feed_takes_the_same_number_of_queries_for_any_number_of_listings(
    client, django_assert_num_queries, count
):
    _make_listings(count)

    # 1 freshness aggregate (ETag + Last-Modified), 1 directory generation (the kept file's
    # key), 1 regions, 1 listings, 4 prefetches (meetings, types, languages, audiences).
    with django_assert_num_queries(8):
        entries = feed(client)

    assert len(entries) == 2 * count  # the monthly one without day and time


def test_every_page_advertises_the_feed_in_its_head(client):
    # The link sits in base.html, so the directory page and every other page carry it.
    html = client.get(reverse("crisis")).content.decode()

    assert 'rel="alternate" type="application/json" title="Meetings Feed"' in html
    # On the site's own address (SITE_URL), never the Host header the request came with.
    assert f"{settings.SITE_URL}/api/meeting-guide.json" in html


LISTINGS_FILE = Path(settings.BASE_DIR) / "fixtures" / "listings.json"


@pytest.mark.skipif(not LISTINGS_FILE.exists(), reason="no seed listings yet")
def test_seed_listings_are_listed_only_as_the_spec_can_say_them(client):
    call_command("load_seed", stdout=io.StringIO())

    entries = feed(client)

    for entry in entries:
        group = SupportGroup.objects.get(slug=entry["url"].rstrip("/").rsplit("/", 1)[-1])
        if "day" in entry:
            meeting = group.meetings.get(pk=int(entry["slug"].rsplit("-", 1)[-1]))
            assert meeting.frequency == "weekly", entry["name"]
        if group.attendance in ("online", "phone"):
            assert "conference_url" in entry or "conference_phone" in entry, entry["name"]
    # Family Alliance publishes neither a joining link nor a phone: apps would call it inactive.
    family = "Family Alliance for Humane Mental Health Care (FAHMHC)"
    assert not [e for e in entries if e["name"] == family]
    assert Meeting.objects.filter(group__moderation="published").count() >= len(entries)


def test_feed_answers_head_with_headers_and_no_body(client):
    make_meeting(listed_group())

    response = client.head(URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["ETag"]
    assert response.content == b""


def test_feed_is_gzipped_for_clients_that_accept_it(client):
    import gzip

    for _ in range(5):
        make_meeting(listed_group())

    response = client.get(URL, HTTP_ACCEPT_ENCODING="gzip")
    body = gzip.decompress(b"".join(response.streaming_content))

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert len(json.loads(body)) == 5


def test_region_filter_keeps_that_region_and_everything_inside_it(client):
    tree = make_region_tree()
    make_meeting(listed_group("Edinburgh", region=tree["lothians"]))
    make_meeting(listed_group("Boston", region=tree["massachusetts"]))

    response = client.get(URL, {"region": "united-kingdom"})
    names = {e["name"] for e in json.loads(b"".join(response.streaming_content))}

    assert names == {"Edinburgh"}


def test_since_filter_keeps_listings_changed_since_then(client):
    old, new = listed_group("Old"), listed_group("New")
    make_meeting(old)
    make_meeting(new)
    SupportGroup.objects.filter(pk=old.pk).update(updated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))

    for since in ("2025-01-01", "2025-01-01T00:00:00Z"):
        response = client.get(URL, {"since": since})
        names = {e["name"] for e in json.loads(b"".join(response.streaming_content))}
        assert names == {"New"}, since


@pytest.mark.parametrize(
    ("query", "message"),
    [({"region": "atlantis"}, "There is no region"), ({"since": "last tuesday"}, "is a date")],
)
def test_bad_filters_get_a_clear_message(client, query, message):
    response = client.get(URL, query)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_filtered_feeds_have_their_own_etag(client):
    make_meeting(listed_group())

    whole, _ = fetch(client)
    part = client.get(URL, {"since": "2025-01-01"})

    assert part["ETag"] != whole["ETag"]


def test_gzipped_feed_answers_304_to_its_own_etag(client):
    make_meeting(listed_group())

    first = client.get(URL, HTTP_ACCEPT_ENCODING="gzip")
    again = client.get(URL, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
