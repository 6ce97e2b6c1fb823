"""HSDS 3.0's rules for the export, as checks: test_hsds and test_feed_validators hold the
export to them."""

import datetime as dt
import re
import uuid

from django.conf import settings

TABLES = [
    "organization",
    "service",
    "location",
    "address",
    "service_at_location",
    "schedule",
    "phone",
    "contact",
    "language",
    "taxonomy",
    "taxonomy_term",
    "attribute",
]
# "required" plus "tabular_required" from HSDS 3's schema/*.json.
REQUIRED = {
    "organization": {"id", "name", "description"},
    "service": {"id", "name", "status", "organization_id"},
    "location": {"id", "location_type"},
    "address": {
        "id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    },
    "service_at_location": {"id", "service_id", "location_id"},
    "schedule": {"id"},
    "phone": {"id", "number"},
    "contact": {"id"},
    "language": {"id"},
    "taxonomy": {"id", "name", "description"},
    "taxonomy_term": {"id", "name", "description"},
    "attribute": {"id", "link_id", "taxonomy_term_id", "link_entity"},
}
ENUMS = {
    ("service", "status"): {"active", "inactive", "defunct", "temporarily closed"},
    ("location", "location_type"): {"physical", "postal", "virtual"},
    ("address", "address_type"): {"physical", "postal", "virtual"},
    ("schedule", "freq"): {"WEEKLY", "MONTHLY"},
}
# HSDS 3: "HH:MM ... including an offset from UTC (e.g. 09:00-05:00), or Z for UTC".
HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9](Z|[+-][01][0-9]:[0-5][0-9])$")
WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BYDAY = re.compile(r"^(-?[1-5]?(MO|TU|WE|TH|FR|SA|SU))(,-?[1-5]?(MO|TU|WE|TH|FR|SA|SU))*$")
# Foreign keys that must point at a row of the named table.
REFERENCES = [
    ("service", "organization_id", "organization"),
    ("location", "organization_id", "organization"),
    ("address", "location_id", "location"),
    ("service_at_location", "service_id", "service"),
    ("service_at_location", "location_id", "location"),
    ("schedule", "service_id", "service"),
    ("phone", "service_id", "service"),
    ("contact", "service_id", "service"),
    ("language", "service_id", "service"),
    ("taxonomy_term", "taxonomy_id", "taxonomy"),
    ("attribute", "link_id", "service"),
    ("attribute", "taxonomy_term_id", "taxonomy_term"),
]


def check_document(doc):
    assert list(doc) == ["about", *TABLES]
    assert doc["about"]["version"] == "3.0" and doc["about"]["shape"] == "tabular"
    ids = {}
    for table in TABLES:
        rows = doc[table]
        assert isinstance(rows, list)
        ids[table] = set()
        for row in rows:
            missing = REQUIRED[table] - row.keys()
            assert not missing, f"{table} row lacks {missing}: {row}"
            empty = [key for key, value in row.items() if value in ("", None, [])]
            assert not empty, f"{table} row sends {empty} empty rather than leaving them out"
            assert str(uuid.UUID(row["id"])) == row["id"], "ids are UUIDs"
            assert uuid.UUID(row["id"]).version == 8, "ids are the version the docs name"
            if table == "location" and row["location_type"] == "virtual":
                assert row["url"].startswith("https://"), "a virtual location has its url"
            assert row["id"] not in ids[table], f"duplicate {table} id"
            ids[table].add(row["id"])
            for (enum_table, field), allowed in ENUMS.items():
                if enum_table == table and field in row:
                    assert row[field] in allowed, f"{table}.{field}={row[field]}"
            if table == "schedule":
                check_schedule(row)
            if table == "service" and "url" in row:
                assert row["url"].startswith(settings.SITE_URL + "/")
    for table, field, target in REFERENCES:
        for row in doc[table]:
            if field in row:
                assert row[field] in ids[target], f"{table}.{field} points nowhere"


def check_schedule(row):
    if "interval" in row:
        assert isinstance(row["interval"], int) and row["interval"] >= 1
    if "byday" in row:
        assert BYDAY.match(row["byday"])
    for key in ("opens_at", "closes_at"):
        if key in row:
            assert HHMM.match(row[key])
    if "timezone" in row:
        assert isinstance(row["timezone"], int | float) and -12 <= row["timezone"] <= 14
    for key in ("dtstart", "valid_from", "valid_to"):
        if key in row:
            assert DATE.match(row[key])
    if "dtstart" in row and row.get("freq") == "WEEKLY":
        weekday = dt.date.fromisoformat(row["dtstart"]).weekday()
        assert row["byday"] == WEEKDAY_CODES[weekday], "dtstart falls on the schedule's day"
    if "opens_at" in row:
        assert "timezone" in row
    if row.get("interval", 1) > 1:
        assert "dtstart" in row, "every other week or month without its first date"
