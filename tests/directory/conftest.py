"""The directory's test world: shared by the modules of tests/directory/."""

import datetime as dt

import pytest

from groups.search import refresh_search_document
from tests.factories import (
    make_audience,
    make_language,
    make_meeting,
    make_region_tree,
    make_support_group,
    make_type,
)


@pytest.fixture
def directory_world():
    """Twenty-odd listings across types, ways of meeting, zones, days and times."""
    regions = make_region_tree()
    types = [
        make_type("Hearing Voices", slug="hearing-voices"),
        make_type("Alternatives to Suicide", slug="alternatives-to-suicide"),
        make_type("Coming off psychiatric drugs", slug="drug-withdrawal"),
    ]
    audiences = [make_audience("Family and friends", slug="family"), make_audience("Youth")]
    languages = [make_language("es", "Spanish"), make_language("en", "English")]
    # North America and Worldwide: wider regions, which the region rule also lists.
    places = ["lothians", "scotland", "united-states", "massachusetts", "europe", "north-america"]
    places += ["worldwide"]
    ways = ["in_person", "online", "hybrid", "phone", ""]
    zones = ["Europe/London", "America/Los_Angeles", "America/New_York", "Asia/Tokyo"]
    statuses = ["active", "active", "forming", "paused"]
    groups = []
    for i in range(24):
        group = make_support_group(
            f"Group {chr(65 + (i * 7) % 26)}{i} voices" if i % 3 else f"Circle {i}",
            types=[types[i % 3]] + ([types[(i + 1) % 3]] if i % 5 == 0 else []),
            audiences=[audiences[i % 2]] if i % 4 else [],
            languages=[languages[i % 2]] if i % 3 == 0 else [],
            region=regions[places[i % len(places)]],
            attendance=ways[i % len(ways)],
            status=statuses[i % len(statuses)],
        )
        if i % 6 != 5:
            make_meeting(
                group,
                weekday=i % 7,
                start_time=dt.time((7 + i * 5) % 24, 30 * (i % 2)),
                end_time=None,
                timezone=zones[i % len(zones)],
            )
        if i % 4 == 1:  # a second meeting; some with a day but no time
            make_meeting(
                group,
                weekday=(i + 3) % 7,
                start_time=None if i % 8 == 1 else dt.time(12, 0),
                end_time=None,
                timezone=zones[(i + 1) % len(zones)],
            )
        groups.append(group)
    make_support_group("Not yet published", types=[types[0]], moderation="pending")
    refresh_search_document()
    return {"regions": regions, "types": types, "groups": groups}
