"""The synthetic data generator behind `make bench`: realistic, deterministic, fast, removable."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bench import synthetic
from groups.directory.search import search
from groups.models import GroupType, Meeting, Region, SupportGroup
from groups.search import FTS_INDEX, TRIGRAM_INDEX, refresh_search_document
from groups.vocabulary import vocabulary_words
from tests.factories import make_support_group

pytestmark = pytest.mark.django_db


def synthetic_names():
    return list(synthetic.synthetic_groups().order_by("slug").values_list("name", flat=True))


def test_same_seed_gives_the_same_listings_again():
    synthetic.generate(200, seed=1)
    first = synthetic_names()
    synthetic.delete_synthetic()
    synthetic.generate(200, seed=1)

    assert synthetic_names() == first
    assert len(first) == 200
    assert len(set(first)) > 150  # names vary


def test_another_seed_gives_other_listings():
    synthetic.generate(50, seed=1)
    first = synthetic_names()
    synthetic.delete_synthetic()
    synthetic.generate(50, seed=2)

    assert synthetic_names() != first


def test_listings_have_types_regions_meetings_and_languages():
    synthetic.generate(200, seed=1, batch_size=64)

    groups = synthetic.synthetic_groups()
    assert groups.count() == 200
    assert all(slug.startswith("syn-") for slug in groups.values_list("slug", flat=True))
    assert not groups.filter(types=None).exists()
    assert not groups.filter(languages=None).exists()
    assert not groups.filter(region=None).exists()
    assert groups.filter(moderation=SupportGroup.Moderation.PUBLISHED).count() > 150
    assert {"in_person", "online"} <= set(groups.values_list("attendance", flat=True))
    frequencies = set(Meeting.objects.filter(group__in=groups).values_list("frequency", flat=True))
    assert {"weekly", "biweekly", "monthly", "arranged"} <= frequencies
    # The real vocabulary of the field, not "Type 1".
    assert GroupType.objects.filter(slug="hearing-voices", name="Hearing voices").exists()
    assert GroupType.objects.filter(slug="psychiatric-drug-withdrawal").exists()
    assert not groups.filter(owners__isnull=False).exists()  # nobody owns a synthetic listing


def test_region_tree_spans_continents_countries_states_and_cities_with_zones():
    synthetic.generate(10, seed=1)

    assert 180 <= Region.objects.count() <= 260
    kinds = set(Region.objects.values_list("kind", flat=True))
    assert kinds == {"world", "continent", "country", "state", "area"}
    boston = Region.objects.get(slug="boston")
    assert [r.slug for r in _ancestors(boston)] == [
        "worldwide",
        "north-america",
        "united-states",
        "massachusetts",
        "boston",
    ]
    zones = {p.zone for p in synthetic.ensure_regions()}
    assert {"America/Los_Angeles", "Europe/London", "Australia/Perth"} <= zones


def _ancestors(region):
    chain = []
    while region is not None:
        chain.append(region)
        region = region.parent
    return list(reversed(chain))


def test_generator_reuses_existing_taxonomy_and_regions():
    synthetic.generate(20, seed=1)
    types, regions = GroupType.objects.count(), Region.objects.count()
    synthetic.generate(20, seed=2)

    assert GroupType.objects.count() == types
    assert Region.objects.count() == regions
    assert synthetic.synthetic_groups().count() == 40


def test_search_columns_equal_what_the_directory_refresh_computes():
    synthetic.generate(120, seed=4)
    groups = synthetic.synthetic_groups()
    before = {g.pk: (g.search_document, g.search_names) for g in groups}
    meetings = {m.pk: (m.minute_of_week, m.utc_minute_of_week) for m in Meeting.objects.all()}
    assert any(document for document, _ in before.values())
    assert any(minute is not None for minute, _ in meetings.values())

    refresh_search_document(list(before))

    assert {g.pk: (g.search_document, g.search_names) for g in groups} == before
    assert {m.pk: (m.minute_of_week, m.utc_minute_of_week) for m in Meeting.objects.all()} == (
        meetings
    )


def test_generated_words_join_the_vocabulary_misspellings_are_corrected_towards():
    from groups.models import SearchWord

    synthetic.generate(30, seed=5)
    words = set(SearchWord.objects.values_list("word", flat=True))
    for document in synthetic.synthetic_groups().values_list("search_document", flat=True):
        assert vocabulary_words(document) <= words


def test_delete_removes_synthetic_listings_only():
    real = make_support_group(name="Leeds Hearing Voices Group")
    synthetic.generate(30, seed=1)

    call_command("generate_synthetic_groups", "--delete", verbosity=0)

    assert not synthetic.synthetic_groups().exists()
    assert not Meeting.objects.filter(group__slug__startswith="syn-").exists()
    assert SupportGroup.objects.filter(pk=real.pk).exists()


def test_command_reports_what_it_created_and_refuses_a_duplicate_seed(capsys):
    call_command("generate_synthetic_groups", "--count", "25", "--seed", "3")
    assert "Created 25 synthetic listings" in capsys.readouterr().out

    with pytest.raises(CommandError, match="--delete"):
        call_command("generate_synthetic_groups", "--count", "5", "--seed", "3")
    assert synthetic.synthetic_groups().count() == 25


def test_command_rejects_a_count_below_one():
    with pytest.raises(CommandError, match="positive"):
        call_command("generate_synthetic_groups", "--count", "0")


@pytest.mark.postgres
def test_large_load_rebuilds_the_text_indexes_and_search_finds_listings(monkeypatch):
    monkeypatch.setattr(synthetic, "SET_ASIDE_INDEXES_FROM", 0)
    synthetic.generate(300, seed=5, batch_size=100)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s",
            [SupportGroup._meta.db_table],
        )
        indexes = {row[0] for row in cursor.fetchall()}
    assert {FTS_INDEX, TRIGRAM_INDEX} <= indexes
    found = search(SupportGroup.objects.published(), "voices")
    assert found.filter(slug__startswith="syn-").exists()


def test_benchmark_baseline_view_is_not_served_unless_benchmarking(client):
    assert client.get("/bench/baseline").status_code == 404
