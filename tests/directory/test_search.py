import logging
import random

import pytest
from django.db import connection
from django.urls import reverse

from groups.directory.search import search
from groups.models import SupportGroup
from groups.search import FTS_INDEX, refresh_search_document
from groups.vocabulary import remember_words, vocabulary_words
from tests.factories import make_organization, make_region_tree, make_support_group, make_type

pytestmark = pytest.mark.django_db

LIST = reverse("groups:list")


@pytest.fixture
def listings():
    regions = make_region_tree()
    hv = make_type("Hearing Voices", slug="hearing-voices", synonyms="voice hearers, HVN")
    drugs = make_type(
        "Coming off psychiatric drugs", slug="coming-off", synonyms="tapering, withdrawal"
    )
    network = make_organization("Lothian Peer Network")
    groups = {
        "voices": make_support_group(
            "Edinburgh Hearing Voices",
            types=[hv],
            region=regions["lothians"],
            host=network,
            description="A friendly group that meets weekly.",
        ),
        "withdrawal": make_support_group(
            "Withdrawal Support Circle",
            types=[drugs],
            region=regions["massachusetts"],
            summary="Support while reducing medication",
        ),
        "other": make_support_group(
            "Family Peer Circle",
            region=regions["united-states"],
            description="Families sometimes mention hearing voices too.",
        ),
    }
    refresh_search_document()
    return groups


def found(client, q):
    html = client.get(LIST, {"q": q}).content.decode()
    return [
        name
        for name in ("Edinburgh Hearing Voices", "Withdrawal Support Circle", "Family Peer Circle")
        if f">{name}</a>" in html
    ]


def test_search_finds_listings_by_words_of_their_name(client, listings):
    assert found(client, "withdrawal support") == ["Withdrawal Support Circle"]


def test_search_matches_the_synonyms_of_a_group_type(client, listings):
    assert found(client, "voice hearers") == ["Edinburgh Hearing Voices"]
    assert found(client, "tapering") == ["Withdrawal Support Circle"]


def test_search_matches_host_and_place_names(client, listings):
    assert found(client, "Lothian Peer Network") == ["Edinburgh Hearing Voices"]
    assert found(client, "Scotland") == ["Edinburgh Hearing Voices"]
    assert found(client, "Massachusetts") == ["Withdrawal Support Circle"]


def test_renaming_a_type_is_searchable_after_refresh(client, listings):
    hv = listings["voices"].types.get()
    hv.name = "Kaleidoscope Circle"
    hv.save()
    assert found(client, "kaleidoscope") == []
    refresh_search_document([listings["voices"].pk])
    assert found(client, "kaleidoscope") == ["Edinburgh Hearing Voices"]


def test_search_terms_are_not_logged_at_info(client, listings, caplog):
    with caplog.at_level(logging.INFO):
        client.get(LIST, {"q": "verysecretsearchterm"})
    assert "verysecretsearchterm" not in caplog.text


def test_searching_ranks_by_relevance_and_offers_the_other_orders(client, listings):
    html = client.get(LIST, {"q": "voices"}).content.decode()
    assert '<option value="relevance" selected>Best match</option>' in html
    assert html.index(">Edinburgh Hearing Voices<") < html.index(">Family Peer Circle<")


def test_stemming_finds_withdrawal_groups_for_withdrawing(client, listings):
    assert found(client, "withdrawing") == ["Withdrawal Support Circle"]
    assert found(client, "reduce medications") == ["Withdrawal Support Circle"]


def test_a_typo_still_finds_hearing_voices_groups(client, listings):
    assert "Edinburgh Hearing Voices" in found(client, "hering voices")
    assert "Edinburgh Hearing Voices" in found(client, "hearing voises")


def test_full_text_matches_are_not_diluted_by_typo_matches_when_there_are_many(listings):
    for i in range(6):
        make_support_group(f"Voices group {i}")
    make_support_group("Vocal Choir")
    refresh_search_document()
    names = set(search(SupportGroup.objects.published(), "voices").values_list("name", flat=True))
    assert "Vocal Choir" not in names
    assert "Edinburgh Hearing Voices" in names


WORDS = (
    "peer support group meets weekly online friendly circle recovery community listening "
    "evening morning family partners carers drop centre library hall coffee walk art music "
    "writing garden women men young people older adults trauma grief anxiety mood"
).split()


def _bulk_listings(count):
    rng = random.Random(7)
    rows = []
    for i in range(count):
        words = " ".join(rng.choice(WORDS) for _ in range(40))
        name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {i}"
        rows.append(
            SupportGroup(
                name=name,
                slug=f"bulk-{i}",
                summary=name,
                kind="meeting_group",
                attendance="online",
                moderation="published",
                search_document=f"{name} {words}",
                search_names=name,
            )
        )
    for row in rows[100:110]:
        row.search_document += " withdrawal tapering"
    rows[17].search_names = "Hearing Voices Withdrawal"
    SupportGroup.objects.bulk_create(rows, batch_size=1000)


@pytest.mark.postgres
def test_search_uses_its_indexes_at_scale():
    _bulk_listings(30_000)
    remember_words(vocabulary_words(" ".join(WORDS) + " withdrawal tapering"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE groups_supportgroup")
    full_text = search(SupportGroup.objects.published(), "withdrawing").values("pk")
    plan = full_text.explain()
    assert f"Bitmap Index Scan on {FTS_INDEX}" in plan, plan
    # A misspelling is corrected towards a word listings use before any SQL: the same index.
    typo = search(SupportGroup.objects.published(), "withdrawl").values("pk")
    assert f"Bitmap Index Scan on {FTS_INDEX}" in typo.explain()
    assert typo.count() == 10
    # A misspelling of nothing any listing says costs no candidates at all.
    assert search(SupportGroup.objects.published(), "qzxvbnm").count() == 0


def test_editing_a_type_in_the_admin_makes_its_new_synonyms_searchable(client, listings):
    from tests.factories import make_superuser

    hv = listings["voices"].types.get()
    client.force_login(make_superuser())
    response = client.post(
        reverse("admin:groups_grouptype_change", args=[hv.pk]),
        {
            "name": hv.name,
            "slug": hv.slug,
            "synonyms": "kaleidoscope",
            "description": "",
            "position": 100,
        },
    )
    assert response.status_code == 302
    client.logout()
    assert found(client, "kaleidoscope") == ["Edinburgh Hearing Voices"]
