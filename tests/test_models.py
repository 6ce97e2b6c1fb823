import pytest
from django.db import IntegrityError, transaction

from groups.models import RegionTree, SupportGroup
from tests.factories import make_group, make_region_tree

pytestmark = pytest.mark.django_db


def test_europe_contains_lothians_but_not_massachusetts():
    regions = make_region_tree()
    tree = RegionTree.load()
    europe = regions["europe"].id
    assert tree.contains(europe, regions["lothians"].id)
    assert not tree.contains(europe, regions["massachusetts"].id)
    assert regions["lothians"].id in tree.descendant_ids(europe)


def test_group_in_region_filters_by_containment():
    regions = make_region_tree()
    edinburgh = make_group("Lothians history group", region=regions["lothians"])
    make_group("Northampton group", region=regions["massachusetts"])
    ids = RegionTree.load().descendant_ids(regions["europe"].id)
    assert list(SupportGroup.objects.in_region(ids)) == [edinburgh]


def test_database_rejects_unknown_attendance():
    group = make_group()
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportGroup.objects.filter(pk=group.pk).update(attendance="telepathy")


def test_database_rejects_duplicate_slug():
    make_group(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_group(slug="same")
