"""The "not confirmed" status: listed and found like an active group, never claiming it meets."""

import pytest
from django.urls import reverse

from groups.models import SupportGroup
from groups.search import refresh_search_document
from tests.factories import make_region_tree, make_support_group, make_type

pytestmark = pytest.mark.django_db

LIST = reverse("groups:list")
MIA_POST = "000_38e6eaa1bcffabc5.txt"


@pytest.fixture
def voices():
    return make_type("Hearing Voices", slug="hearing-voices")


def test_a_listing_from_a_dated_document_says_how_old_the_document_is(client, voices):
    group = make_support_group(
        "Parents circle", types=[voices], status="unconfirmed", source_document=MIA_POST
    )
    label = (
        "Not confirmed: known only from “New Online Support Groups Forming”, Mad in America "
        "(2018 or later), which does not say whether it still runs."
    )
    assert label in client.get(group.get_absolute_url()).content.decode()
    refresh_search_document()
    assert label in client.get(LIST).content.decode()


def test_a_listing_not_confirmed_without_a_known_source_says_so_plainly(client, voices):
    group = make_support_group("Tuesday circle", types=[voices], status="unconfirmed")
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Not confirmed: not known to be still running" in page
    # An organizer's or moderator's listing never shows a file name it does not have.
    assert "known only from" not in page


def test_listings_not_confirmed_are_found_like_active_ones_and_listed_after_them(client, voices):
    regions = make_region_tree()
    make_support_group(
        "Alpha circle", types=[voices], status="unconfirmed", region=regions["scotland"]
    )
    make_support_group("Zeta circle", types=[voices], status="active", region=regions["scotland"])
    make_support_group("Beta circle", types=[voices], status="forming", region=regions["scotland"])
    make_support_group("Gone circle", types=[voices], status="closed", region=regions["scotland"])
    refresh_search_document()
    for params in ({}, {"type": "hearing-voices"}, {"region": "scotland"}, {"q": "circle"}):
        html = client.get(LIST, params).content.decode()
        names = [n for n in ("Zeta", "Alpha", "Beta", "Gone") if f"{n} circle" in html]
        assert names == ["Zeta", "Alpha", "Beta", "Gone"], params
        assert sorted(names, key=html.index) == names, params
    assert "Alpha circle" in client.get(reverse("groups:region", args=["europe"])).content.decode()


def test_the_database_accepts_the_new_status_and_still_refuses_an_unknown_one(voices):
    group = make_support_group("Check circle", types=[voices], status="unconfirmed")
    group.full_clean()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SupportGroup.objects.filter(pk=group.pk).update(status="maybe")
