"""The Open Referral HSDS 3 export (tabular shape), checked against HSDS 3's field rules."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from groups.models import SupportGroup
from tests.factories import (
    make_language,
    make_meeting,
    make_organization,
    make_region_tree,
    make_support_group,
    make_type,
)
from tests.validators.hsds import check_document

pytestmark = pytest.mark.django_db

URL = "/api/hsds.json"


def fetch(client, **headers):
    response = client.get(URL, **headers)
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def export(client):
    response, body = fetch(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    doc = json.loads(body)
    check_document(doc)
    return doc


def rows_for(doc, table, **match):
    return [r for r in doc[table] if all(r.get(k) == v for k, v in match.items())]


def service_named(doc, name):
    (service,) = rows_for(doc, "service", name=name)
    return service


def test_weekly_meeting_becomes_a_weekly_schedule_with_local_times(client):
    group = make_support_group("Thursday Voices")
    make_meeting(group, weekday=3, start_time=dt.time(17), end_time=dt.time(18))

    doc = export(client)
    service = service_named(doc, "Thursday Voices")
    (sched,) = rows_for(doc, "schedule", service_id=service["id"])

    assert (sched["freq"], sched["interval"], sched["byday"]) == ("WEEKLY", 1, "TH")
    assert sched["timezone"] in (-8, -7)
    offset = f"-0{-sched['timezone']}:00"
    assert (sched["opens_at"], sched["closes_at"]) == ("17:00" + offset, "18:00" + offset)
    assert "America/Los_Angeles" in sched["notes"]
    assert sched["description"].startswith("Thursdays, 5:00–6:00 pm")


def test_monthly_and_every_other_week_meetings_keep_their_rules(client):
    group = make_support_group("Rules")
    make_meeting(group, frequency="monthly", weekday=1, weeks_of_month="2,-1")
    # Anchored on a Wednesday: the first meeting is the Friday after.
    make_meeting(group, frequency="biweekly", weekday=4, start_date=dt.date(2025, 1, 1))

    doc = export(client)
    service = service_named(doc, "Rules")
    schedules = {s["freq"] + str(s["interval"]): s for s in rows_for(doc, "schedule")}

    assert schedules["MONTHLY1"]["byday"] == "2TU,-1TU"
    assert schedules["WEEKLY2"]["byday"] == "FR"
    assert schedules["WEEKLY2"]["dtstart"] == "2025-01-03"
    assert all(s["service_id"] == service["id"] for s in schedules.values())


def test_meeting_by_arrangement_is_a_schedule_in_words_only(client):
    make_meeting(make_support_group("Ask"), frequency="arranged", weekday=None, start_time=None)

    (sched,) = export(client)["schedule"]

    assert sched["description"] == "By arrangement"
    assert "freq" not in sched and "opens_at" not in sched


def test_hosted_listing_points_to_its_host_and_others_are_their_own_organization(client):
    host = make_organization("Voices Network", summary="A network")
    make_support_group("Hosted", host=host)
    make_support_group("Independent", summary="We meet on our own")

    doc = export(client)
    hosted = service_named(doc, "Hosted")
    independent = service_named(doc, "Independent")

    (host_row,) = rows_for(doc, "organization", id=hosted["organization_id"])
    (own_row,) = rows_for(doc, "organization", id=independent["organization_id"])
    assert host_row["name"] == "Voices Network"
    assert own_row["name"] == "Independent"
    assert own_row["description"] == "We meet on our own"


def test_hybrid_listing_has_a_physical_and_a_virtual_location(client):
    tree = make_region_tree()
    make_support_group(
        "Both",
        attendance="hybrid",
        venue="Library",
        address="1 Main St, Boston",
        region=tree["massachusetts"],
        join_url="https://meet.example.org/j/1",
    )

    doc = export(client)
    service = service_named(doc, "Both")
    links = rows_for(doc, "service_at_location", service_id=service["id"])
    locations = {
        loc["location_type"]: loc
        for link in links
        for loc in rows_for(doc, "location", id=link["location_id"])
    }

    assert locations["physical"]["name"] == "Library"
    assert locations["virtual"]["url"] == "https://meet.example.org/j/1"
    # One line is not the parts HSDS requires: the line describes the place, no address row.
    assert locations["physical"]["description"] == "1 Main St, Boston"
    assert doc["address"] == []


def test_online_listing_without_a_published_link_has_no_virtual_location(client):
    make_support_group("Linkless", attendance="online", join_url="")

    doc = export(client)
    service = service_named(doc, "Linkless")

    assert rows_for(doc, "service_at_location", service_id=service["id"]) == []


@pytest.mark.parametrize(
    ("status", "hsds"), [("closed", "defunct"), ("paused", "temporarily closed")]
)
def test_closed_and_paused_services_have_no_schedule(client, status, hsds):
    make_meeting(make_support_group("Not Meeting", status=status))

    doc = export(client)
    service = service_named(doc, "Not Meeting")

    assert service["status"] == hsds
    assert rows_for(doc, "schedule", service_id=service["id"]) == []


def test_only_public_contact_details_are_exported(client):
    make_support_group(
        "Private",
        attendance="online",
        join_url="https://meet.example.org/secret",
        join_url_public=False,
        email="hidden@example.org",
        phone="+44 20 7946 0000",
        contact_name="Sam",
        contact_name_public=False,
    )
    make_support_group(
        "Public", email="open@example.org", email_public=True, phone="555", phone_public=True
    )

    response, body = fetch(client)
    doc = json.loads(body)

    assert b"secret" not in body and b"hidden@example.org" not in body and b"7946" not in body
    assert b'"Sam"' not in body
    public = service_named(doc, "Public")
    assert public["email"] == "open@example.org"
    assert rows_for(doc, "phone", service_id=public["id"])[0]["number"] == "555"
    assert rows_for(doc, "contact", service_id=public["id"])[0]["email"] == "open@example.org"


def test_types_and_languages_are_linked_to_services(client):
    voices = make_type("Hearing Voices", slug="hearing-voices")
    make_support_group("Typed", types=[voices], languages=[make_language("nl", "Dutch")])

    doc = export(client)
    service = service_named(doc, "Typed")
    (term,) = rows_for(doc, "taxonomy_term", code="hearing-voices")
    (attribute,) = rows_for(doc, "attribute", link_id=service["id"])
    (language,) = rows_for(doc, "language", service_id=service["id"])

    assert attribute["taxonomy_term_id"] == term["id"]
    assert (language["code"], language["name"]) == ("nl", "Dutch")


def test_status_maps_to_hsds_service_status(client):
    make_support_group("Paused", status=SupportGroup.Status.PAUSED)
    make_support_group("Closed", status=SupportGroup.Status.CLOSED)

    doc = export(client)

    assert service_named(doc, "Paused")["status"] == "temporarily closed"
    assert service_named(doc, "Closed")["status"] == "defunct"


def test_unpublished_listings_are_not_exported(client):
    make_support_group("Waiting", moderation=SupportGroup.Moderation.PENDING)
    make_meeting(make_support_group("Archived", moderation=SupportGroup.Moderation.ARCHIVED))

    doc = export(client)

    assert doc["service"] == [] and doc["schedule"] == []


def test_ids_are_the_same_in_every_export(client):
    make_meeting(make_support_group("Stable"))

    assert export(client) == export(client)


def test_unchanged_export_answers_304(client):
    make_support_group()
    first, _ = fetch(client)

    again, body = fetch(client, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304 and body == b""
    assert "max-age=300" in again["Cache-Control"]
    assert first["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("count", [2, 40])
def test_export_takes_the_same_number_of_queries_for_any_number_of_listings(
    client, django_assert_num_queries, count
):
    voices, english = make_type(), make_language()
    host = make_organization()
    for index in range(count):
        group = make_support_group(
            types=[voices],
            languages=[english],
            host=host if index % 2 else None,
            attendance="hybrid",
            address="1 Main St",
            join_url="https://meet.example.org/j/1",
            phone="555",
            phone_public=True,
        )
        make_meeting(group)

    # 1 freshness aggregate, 1 directory generation (the kept file's key), then one query per
    # table: host organizations, host-less listings, services, locations, service_at_location,
    # schedules, phones, contacts, languages, taxonomy terms, attributes (no address rows: see
    # groups.feeds.hsds).
    with django_assert_num_queries(13):
        doc = export(client)

    assert len(doc["service"]) == count
    assert len(doc["service_at_location"]) == 2 * count


LISTINGS_FILE = Path(settings.BASE_DIR) / "fixtures" / "listings.json"


@pytest.mark.skipif(not LISTINGS_FILE.exists(), reason="no seed listings yet")
def test_seed_export_is_valid_and_has_the_family_alliance_on_thursdays(client):
    call_command("load_seed", stdout=io.StringIO())

    doc = export(client)
    service = service_named(doc, "Family Alliance for Humane Mental Health Care (FAHMHC)")
    (sched,) = rows_for(doc, "schedule", service_id=service["id"])

    assert (sched["freq"], sched["byday"]) == ("WEEKLY", "TH")
    assert sched["opens_at"] in ("17:00-07:00", "17:00-08:00")
    assert len(doc["service"]) == SupportGroup.objects.published().count()


def test_region_and_since_filters_take_part_of_the_export(client):
    tree = make_region_tree()
    host = make_organization("Scots Host")
    edinburgh = make_support_group("Edinburgh", region=tree["lothians"], host=host)
    make_meeting(edinburgh)
    make_meeting(
        make_support_group("Boston", region=tree["massachusetts"], host=make_organization("US"))
    )
    SupportGroup.objects.filter(name="Boston").update(
        updated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    )

    for query in ({"region": "scotland"}, {"since": "2025-06-01"}):
        response = client.get(URL, query)
        doc = json.loads(b"".join(response.streaming_content))
        check_document(doc)
        assert [s["name"] for s in doc["service"]] == ["Edinburgh"], query
        assert [o["name"] for o in doc["organization"]] == ["Scots Host"], query
        assert len(doc["schedule"]) == 1


def test_export_answers_head_and_bad_filters_clearly(client):
    assert client.head(URL).status_code == 200
    response = client.get(URL, {"region": "atlantis"})
    assert response.status_code == 400 and "There is no region" in response.content.decode()
