import pytest
from django.db import IntegrityError, transaction

from groups.models import RegionTree, SupportGroup
from tests.factories import make_region_tree, make_support_group

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
    edinburgh = make_support_group("Lothians history group", region=regions["lothians"])
    make_support_group("Northampton group", region=regions["massachusetts"])
    ids = RegionTree.load().descendant_ids(regions["europe"].id)
    assert list(SupportGroup.objects.in_region(ids)) == [edinburgh]


def test_database_rejects_unknown_attendance():
    group = make_support_group()
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportGroup.objects.filter(pk=group.pk).update(attendance="telepathy")


def test_database_rejects_duplicate_slug():
    make_support_group(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_support_group(slug="same")


def test_a_javascript_url_saved_behind_the_forms_back_is_never_a_link(client):
    from tests.factories import make_organization

    host = make_organization("Host", website="javascript:alert(1)")
    group = make_support_group(
        website="javascript:alert(1)",
        join_url="JavaScript:alert(2)",
        host=host,
        website_public=True,
        join_url_public=True,
    )
    assert group.public_contacts() == {}
    for url in (group.get_absolute_url(), host.get_absolute_url()):
        html = client.get(url).content.decode().lower()
        assert 'href="javascript:' not in html


def test_http_urls_stay_links(client):
    group = make_support_group(website="https://example.org/group", website_public=True)
    assert (
        'href="https://example.org/group"' in client.get(group.get_absolute_url()).content.decode()
    )
