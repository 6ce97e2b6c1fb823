"""The Meeting Guide feed's spec (code4recovery/spec) as checks: test_meeting_guide and
test_feed_validators hold the feed to them."""

import re
import zoneinfo

from django.conf import settings

HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
UPDATED = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DIALABLE = re.compile(r"^[+]?\d{1,15}(?:[,*#]\d+)*$")

# The spec's field rules (code4recovery/spec README and schema/meeting.schema.json), as checks.
STRING_FIELDS = {
    "name",
    "slug",
    "time",
    "end_time",
    "timezone",
    "formatted_address",
    "location",
    "region",
    "conference_url",
    "conference_phone",
    "notes",
    "updated",
    "group",
    "group_notes",
    "url",
    "attendance_option",
    "approximate",
    "contact_1_name",
    "contact_1_email",
    "contact_1_phone",
}
STRING_FIELDS |= {"feedback_url", "entity", "entity_url", "website"}
LIST_FIELDS = {"types", "regions"}
ALLOWED = STRING_FIELDS | LIST_FIELDS | {"day"}


def check_entry(entry):
    """Raise AssertionError naming the first rule an entry breaks."""
    assert {"name", "slug"} <= entry.keys(), "name and slug are required"
    assert set(entry) <= ALLOWED, f"unexpected fields {set(entry) - ALLOWED}"
    for key in STRING_FIELDS & entry.keys():
        assert isinstance(entry[key], str) and entry[key], f"{key} must be a non-empty string"
    for key in LIST_FIELDS & entry.keys():
        assert all(isinstance(item, str) for item in entry[key]), f"{key} holds strings"
    assert len(entry["name"]) <= 255
    assert len(entry["slug"]) <= 64 and re.match(r"^[a-z0-9-]+$", entry["slug"])
    if "day" in entry or "time" in entry:
        assert isinstance(entry["day"], int) and 0 <= entry["day"] <= 6, "day is 0-6"
        assert HHMM.match(entry["time"]), "time is HH:MM"
    if "end_time" in entry:
        assert HHMM.match(entry["end_time"])
    if "timezone" in entry:
        zoneinfo.ZoneInfo(entry["timezone"])  # a valid IANA name, or this raises
    assert entry.get("attendance_option", "in_person") in {
        "in_person",
        "online",
        "hybrid",
        "inactive",
    }
    assert entry.get("approximate", "no") in {"yes", "no"}
    if "conference_phone" in entry:
        assert DIALABLE.match(entry["conference_phone"])
    assert UPDATED.match(entry["updated"])
    assert entry["url"].startswith(settings.SITE_URL + "/")
