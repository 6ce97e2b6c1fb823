"""The cast: the people most tests need, and the listings they own (healthchecks' alice, bob and
charlie in hc/test.py). Ask for the `cast` fixture (tests/conftest.py) and use its members by
role, rather than building another organizer and listing in each module:

    def test_second_organizer_cannot_edit_the_first_ones_listing(client, cast):
        client.force_login(cast.second_organizer)
        assert client.get(edit_url(cast.listing)).status_code == 404

The people (every account has a verified address and the password tests.factories.PASSWORD):
- `organizer` (Alex, alex@example.org) owns `listing` and submitted `pending_listing`.
- `second_organizer` (Sam, sam@example.org) owns `second_listing`, and nothing of Alex's.
- `moderator` (Morgan, morgan@example.org): staff in the Moderators group, with exactly the
  permissions moderators have in production (the group comes from a data migration).
- `visitor` (Robin, robin@example.org): an account that owns nothing and is not staff.

The listings (published unless said otherwise; all of type `group_type`, in `region`):
- `listing`: "Leith Voices", Tuesdays 19:00-20:30 London time (`meeting`), with a phone
  number and email Alex chose NOT to publish: a page that shows them leaks personal data.
- `pending_listing`: "Portobello Voices", submitted by Alex, awaiting moderation.
- `second_listing`: "Glasgow Voices", Sam's.
- `unowned_listing`: "Dundee Voices": nobody owns it yet (claims start here).

Add to the cast only what many modules need; a module's own variations belong in the module,
built with tests/factories.py.
"""

import datetime as dt
from dataclasses import dataclass

from groups.models import GroupType, Meeting, Region, SupportGroup
from tests.factories import (
    make_meeting,
    make_moderator,
    make_region,
    make_support_group,
    make_type,
    make_user,
)

ALEX_PHONE = "+44 7700 900123"
ALEX_EMAIL_PRIVATE = "alex.private@example.org"


@dataclass
class Cast:
    organizer: object
    second_organizer: object
    moderator: object
    visitor: object
    listing: SupportGroup
    pending_listing: SupportGroup
    second_listing: SupportGroup
    unowned_listing: SupportGroup
    meeting: Meeting
    region: Region
    group_type: GroupType


def build_cast():
    """Everyone and everything above, saved; a fresh set for each test that asks."""
    organizer = make_user(email="alex@example.org", name="Alex")
    second_organizer = make_user(email="sam@example.org", name="Sam")
    moderator = make_moderator(email="morgan@example.org", name="Morgan")
    visitor = make_user(email="robin@example.org", name="Robin")
    region = make_region(name="Lothians", slug="lothians")
    group_type = make_type(name="Hearing voices", slug="hearing-voices")
    listing = make_support_group(
        name="Leith Voices",
        slug="leith-voices",
        types=[group_type],
        owners=[organizer],
        region=region,
        email=ALEX_EMAIL_PRIVATE,
        email_public=False,
        phone=ALEX_PHONE,
        phone_public=False,
    )
    meeting = make_meeting(
        listing,
        weekday=1,
        start_time=dt.time(19, 0),
        end_time=dt.time(20, 30),
        timezone="Europe/London",
    )
    pending_listing = make_support_group(
        name="Portobello Voices",
        slug="portobello-voices",
        types=[group_type],
        owners=[organizer],
        region=region,
        submitted_by=organizer,
        moderation=SupportGroup.Moderation.PENDING,
    )
    second_listing = make_support_group(
        name="Glasgow Voices",
        slug="glasgow-voices",
        types=[group_type],
        owners=[second_organizer],
        region=region,
    )
    unowned_listing = make_support_group(
        name="Dundee Voices", slug="dundee-voices", types=[group_type], region=region
    )
    return Cast(
        organizer=organizer,
        second_organizer=second_organizer,
        moderator=moderator,
        visitor=visitor,
        listing=listing,
        pending_listing=pending_listing,
        second_listing=second_listing,
        unowned_listing=unowned_listing,
        meeting=meeting,
        region=region,
        group_type=group_type,
    )
