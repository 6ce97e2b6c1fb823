"""The search index never disagrees with the listings, whatever changed them; reading a query.

Every write path a listing's text can change by is tried: the organizer's edit form, the admin,
a CSV import, `load_seed`, deleting a listing. On SQLite the FTS5 index must also pass its own
integrity check against the table after each.
"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from groups import generation, places, textindex, vocabulary
from groups.directory import search
from groups.models import SearchWord, SupportGroup
from groups.search import refresh_search_document
from tests.factories import (
    make_moderator,
    make_region_tree,
    make_support_group,
    make_type,
    make_user,
)
from tests.posts import admin_change_post, edit_url, listing_post
from tests.test_csv_import import confirm, upload

pytestmark = pytest.mark.django_db

LIST = reverse("groups:list")


def found(client, q):
    """Names of the listings the results page shows for `q`."""
    return [card.group.name for card in client.get(LIST, {"q": q}).context["page_obj"].object_list]


def assert_index_agrees():
    if connection.vendor == "postgresql":
        # The narrow table the directory index searches: exactly the published listings' vectors.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT group_id, vector::text FROM {textindex.PG_TABLE} ORDER BY 1")
            side = cursor.fetchall()
            cursor.execute(
                "SELECT id, search_vector::text FROM groups_supportgroup "
                "WHERE moderation = 'published' ORDER BY 1"
            )
            assert side == cursor.fetchall()
        return
    with connection.cursor() as cursor:
        # Raises if the index and the table it indexes differ in any way.
        cursor.execute(
            f"INSERT INTO {textindex.FTS_TABLE}({textindex.FTS_TABLE}, rank) VALUES ('integrity-check', 1)"
        )


@pytest.fixture
def owned():
    owner = make_user(name="Alex")
    group = make_support_group(
        name="Leith Circle",
        summary="A friendly circle",
        types=[make_type(name="Hearing voices")],
        owners=[owner],
        last_confirmed=dt.date(2020, 1, 1),
    )
    refresh_search_document([group.pk])
    return owner, group


def test_an_organizers_edit_is_found_at_once_and_the_old_words_are_not(client, owned):
    owner, group = owned
    assert found(client, "friendly") == ["Leith Circle"]
    client.force_login(owner)
    response = client.post(edit_url(group), listing_post(group, summary="A kaleidoscope evening"))
    assert response.status_code == 302
    client.logout()
    assert found(client, "kaleidoscope") == ["Leith Circle"]
    assert found(client, "friendly") == []
    assert found(client, "kaleidoscpe") == ["Leith Circle"]  # its words join the vocabulary
    assert_index_agrees()


def test_a_moderators_edit_in_the_admin_is_found(client):
    group = make_support_group(name="Bramble circle", summary="Weekly walks")
    refresh_search_document([group.pk])
    client.force_login(make_moderator())
    url, data = admin_change_post(client, group)
    data.update(name="Marigold circle", types=[make_type().pk])
    assert client.post(url, data).status_code == 302
    client.logout()
    assert found(client, "marigold") == ["Marigold circle"]
    assert found(client, "bramble") == []
    assert_index_agrees()


def test_listings_imported_from_csv_are_found(client):
    from tests.factories import make_language, make_superuser

    make_region_tree()
    make_language("en", "English")
    make_type("Hearing Voices", slug="hearing-voices")
    client.force_login(make_superuser())
    row = (
        "thursday-voices,Thursday Voices,A hearing voices group,meeting_group,hearing-voices,"
        "online,en,lothians,weekly thu 17:00-18:00 America/Los_Angeles,sam@example.org,no"
    )
    assert confirm(client, upload(client, row)).status_code == 302
    # Imported listings wait for moderation: searched among all listings, as the admin would.
    matches = search.search(SupportGroup.objects.all(), "thursday")
    assert list(matches.values_list("name", flat=True)) == ["Thursday Voices"]
    assert_index_agrees()


def test_loading_the_seed_twice_keeps_the_index_in_step(client):
    call_command("load_seed", verbosity=0)
    call_command("load_seed", verbosity=0)
    assert "Freedom Center support groups" in found(client, "withdrawl")
    assert SupportGroup.objects.filter(search_document__icontains="withdrawal").count() >= 2
    assert_index_agrees()


def test_a_deleted_listing_is_no_longer_found(client):
    gone = make_support_group(name="Lantern circle")
    make_support_group(name="Lantern walk")
    refresh_search_document()
    assert sorted(found(client, "lantern")) == ["Lantern circle", "Lantern walk"]
    gone.delete()
    assert found(client, "lantern") == ["Lantern walk"]
    assert_index_agrees()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index only")
def test_an_index_whose_triggers_a_migration_dropped_is_rebuilt_after_migrate():
    group = make_support_group(name="Heron circle")
    refresh_search_document([group.pk])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {textindex.FTS_TABLE}_update")
        cursor.execute(f"DROP TRIGGER {textindex.FTS_TABLE}_insert")
    make_support_group(name="Heron walk")  # no trigger saw it
    assert textindex.install_sqlite_index() is True  # what post_migrate runs
    assert_index_agrees()
    assert textindex.install_sqlite_index() is False  # nothing missing: nothing to do
    names = search.search(SupportGroup.objects.published(), "heron").values_list("name", flat=True)
    assert sorted(names) == ["Heron circle"]  # "Heron walk" has no search text yet


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's search table only")
def test_the_postgresql_search_table_follows_moderation_and_is_refilled_after_migrate():
    group = make_support_group(name="Heron circle")
    refresh_search_document([group.pk])
    assert_index_agrees()
    SupportGroup.objects.filter(pk=group.pk).update(moderation="pending")
    assert_index_agrees()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER peerdir_search_update ON groups_supportgroup")
    SupportGroup.objects.filter(pk=group.pk).update(moderation="published")  # unseen
    assert textindex.install_postgres_index() is True  # what post_migrate runs
    assert_index_agrees()
    assert textindex.install_postgres_index() is False


# --- reading a query --------------------------------------------------------------------------


def test_a_misspelling_is_corrected_towards_a_word_listings_use():
    vocabulary.remember_words({"withdrawal", "voices", "hearing", "choices"})
    words = vocabulary.current()
    assert words.correct("withdrawl") == "withdrawal"
    assert words.correct("voises") == "voices"  # same first letter beats "choices"
    assert words.correct("hering") == "hearing"
    assert words.correct("voices") is None  # known words stay as typed
    assert words.correct("zzzzzz") is None


def test_edit_distance_counts_a_swap_once():
    assert vocabulary.edit_distance("hte", "the") == 1
    assert vocabulary.edit_distance("kitten", "sitting") == 3 > 2  # capped at limit + 1


def test_stop_words_alone_search_for_nothing_in_particular():
    reading = search.read_query("help me find a group")
    assert reading.terms == [] and not reading.searches


def test_visitors_words_become_the_type_they_mean_and_say_so():
    make_type("Family and parents", synonyms="parents, son, daughter, my kid")
    reading = search.read_query("my kid")
    assert [t.label for t in reading.terms] == ["family and parents"]
    assert search.notice(reading).showing == "Showing results for family and parents"
    assert not search.notice(search.read_query("family and parents"))


def test_a_city_outside_our_regions_is_read_as_its_region():
    regions = make_region_tree()
    reading = search.read_query("hearing voices glasgow")
    assert reading.place.region == regions["scotland"]
    assert [t.label for t in reading.terms] == ["hearing", "voices"]
    assert reading.place.name == "Glasgow"


def test_a_city_in_a_region_without_groups_is_read_as_the_nearest_region_with_some():
    from tests.factories import make_region

    america = make_region("North America", kind="continent")
    canada = make_region("Canada", parent=america, kind="country")
    make_region("Ontario", parent=canada, kind="state")
    make_support_group(name="Mad Society", region=canada)
    reading = search.read_query("toronto")
    assert reading.place.region == canada
    assert search.notice(reading).place.startswith("Toronto is in Canada: showing groups in Canada")


def test_our_own_region_names_and_words_listings_use_stay_words():
    make_region_tree()
    assert search.read_query("scotland").place is None
    vocabulary.remember_words({"reading"})
    generation.bump()  # as the listing that brought the word would have
    assert search.read_query("reading").place is None  # Reading, England: 318,000 people


def test_the_biggest_city_of_a_name_wins():
    city = places.gazetteer().cities[("boston",)]
    assert (city.country, city.division) == ("US", "MA")


def test_vocabulary_table_fills_from_refreshed_listings():
    make_support_group(name="Otter circle", description="Quiet riverside walks")
    refresh_search_document()
    assert SearchWord.objects.filter(word__in=["otter", "riverside", "quiet"]).count() == 3
