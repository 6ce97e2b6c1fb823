"""The in-memory directory index gives exactly what SQL gives (tests/directory/oracle.py): the
counts of every facet option, the rows of every page, in every order; and it is rebuilt after
every change, in the request or in the background.
"""

import datetime as dt
import itertools
import time

import pytest
from django.core.cache import caches
from django.urls import reverse

from groups import vocabulary
from groups.directory import process
from groups.directory import taxonomy as taxonomies
from groups.directory.index import nth_set_bits
from groups.models import REMOTE, SupportGroup
from groups.pagecache import HIT_HEADER
from groups.search import refresh_search_document
from tests.directory import oracle
from tests.factories import make_meeting, make_support_group, make_type

pytestmark = pytest.mark.django_db

LIST = reverse("groups:list")


STATES = [
    "",
    "type=hearing-voices",
    "type=hearing-voices&type=drug-withdrawal",
    "attendance=online",
    "attendance=in_person&attendance=phone",
    "region=europe",
    "region=massachusetts&type=alternatives-to-suicide",
    "day=mon",
    "day=thu&day=fri&time=evening",
    "time=morning",
    "time=afternoon&attendance=hybrid",
    "day=sat&tz=Europe/London",
    "day=fri&time=evening&tz=America/Los_Angeles",
    "day=sun&day=mon&tz=Asia/Tokyo&attendance=online",
    "time=morning&tz=Pacific/Auckland",
    "audience=family&language=es",
    "audience=youth&day=wed",
    "language=en&region=scotland",
    "region=united-states",
    "region=united-kingdom&attendance=online",
    "region=worldwide",
    "q=voices",
    "q=voices&type=hearing-voices&day=tue",
    "q=circle",
    "q=nothing-matches-this",
]


@pytest.mark.parametrize("state", STATES)
def test_the_index_counts_exactly_what_sql_counts(directory_world, state):
    assert oracle.indexed(state).counts() == oracle.counts(state)


@pytest.mark.parametrize(
    "state",
    [
        "",
        "sort=name",
        "sort=updated",
        "q=voices",
        "q=voices&sort=name",
        "q=voices&sort=updated&attendance=online",
        "type=hearing-voices&day=thu&day=fri&time=evening",
        "region=europe&tz=Europe/London",
        "region=massachusetts",
    ],
)
def test_the_index_gives_the_same_pages_as_sql(directory_world, state):
    directory = oracle.indexed(state)
    total = directory.total()
    assert total > 0
    for start, count in [(0, 5), (5, 5), (3, 20), (max(0, total - 2), 5), (total + 10, 5)]:
        assert directory.page_ids(start, count) == oracle.page(
            state, start, count, directory.now
        ), start


@pytest.mark.parametrize("state", ["sort=next", "sort=next&type=hearing-voices&tz=Asia/Tokyo"])
@pytest.mark.parametrize("moment", ["2026-11-23T00:00Z", "2026-11-26T13:47Z", "2026-11-29T23:59Z"])
def test_the_next_meeting_order_is_the_same_as_sqls(directory_world, state, moment):
    when = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    directory = oracle.indexed(state)
    directory.now = when
    total = directory.total()
    assert directory.page_ids(0, total) == oracle.page(state, 0, total, when)


def test_nth_set_bits_finds_positions_at_any_depth():
    bits = 0
    positions = [0, 3, 64, 65, 1000, 4095, 4096, 99_999]
    for p in positions:
        bits |= 1 << p
    for start, count in itertools.product(range(len(positions) + 2), [1, 3, 20]):
        assert nth_set_bits(bits, start, count) == positions[start : start + count]
    assert nth_set_bits(0, 0, 5) == []


@pytest.mark.parametrize(
    "state", ["region=united-states", "region=lothians&sort=name", "region=scotland&tz=Asia/Tokyo"]
)
def test_the_online_groups_anyone_can_join_are_the_same_from_the_index_and_sql(
    directory_world, state
):
    directory = oracle.indexed(state)
    by_index = directory.anyone_online(50)
    top = directory.taxonomy.anyone_region_ids
    data = directory.state.querydict(without="region")
    found = oracle.results(data).filter(attendance__in=REMOTE, region_id__in=top)
    ids = list(
        oracle.ordered(found, directory.sort, False, directory.now).values_list("pk", flat=True)
    )
    assert by_index == (len(ids), ids)
    assert by_index[0] > 0


def test_the_region_rule_lists_wider_regions_but_not_the_top(directory_world):
    regions = directory_world["regions"]
    taxonomy = taxonomies.Taxonomy.load(None)
    serving = taxonomy.serving_region_ids(regions["united-states"].id)
    assert regions["north-america"].id in serving  # a group for the US and Canada
    assert regions["massachusetts"].id in serving
    assert regions["worldwide"].id not in serving  # its online groups: a section of their own
    assert regions["europe"].id not in serving


# --- pages use it, and notice changes at once --------------------------------------------------


def test_a_change_shows_on_the_next_list_page(client, directory_world):
    first = client.get(LIST, {"type": "hearing-voices"}).content.decode()
    assert "Leith Peer Group" not in first
    make_support_group("Leith Peer Group", types=[directory_world["types"][0]])
    refresh_search_document()
    again = client.get(LIST, {"type": "hearing-voices"}).content.decode()
    assert "Leith Peer Group" in again
    SupportGroup.objects.filter(name="Leith Peer Group").update(moderation="archived")
    assert "Leith Peer Group" not in client.get(LIST, {"type": "hearing-voices"}).content.decode()


@pytest.mark.django_db(transaction=True)  # the rebuild runs in its own thread and connection
def test_after_a_change_the_index_is_rebuilt_in_the_background(client, settings):
    settings.DIRECTORY_INDEX_REBUILD_SECONDS = 0.01
    process.reset()
    caches["pages"].clear()
    kind = make_type("Alternatives to Suicide", slug="alternatives-to-suicide")
    make_support_group("Old Friends Circle", types=[kind])
    refresh_search_document()
    client.get(LIST)  # the process's first index: built in the request
    built = process.current()
    make_support_group("Brand New Circle", types=[kind])
    refresh_search_document()
    time.sleep(0.02)
    first = client.get(LIST, {"type": "alternatives-to-suicide"})
    # Answered at once from the index it had, and not kept as the page of the new generation.
    assert "Old Friends Circle" in first.content.decode()
    assert "Brand New Circle" not in first.content.decode()
    assert first.get(HIT_HEADER) is None
    process.wait_for_rebuild()
    assert process.current() is not built
    again = client.get(LIST, {"type": "alternatives-to-suicide"}).content.decode()
    assert "Brand New Circle" in again
    assert "2 groups found" in again


def test_search_words_are_not_kept_in_clear(client, directory_world):
    client.get(LIST, {"q": "voices"})
    index = process.current()
    assert index is not None and index.kept_keys()
    assert not any("voices" in repr(key) for key in index.kept_keys())


def test_list_queries_stay_fixed_with_the_index(
    client, directory_world, django_assert_num_queries, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # what computing a page asks (tests/test_page_cache.py)
    # Online, Thursdays 7 pm UK time: an evening in the London visitor's zone below in every
    # season. (The world's few Thursday and Friday evenings in London come from US zones, and
    # leave the window in the weeks when the US has changed its clocks and the UK not yet: page
    # 2 was then empty, and an empty page reads no cards.)
    for i in range(30):
        make_meeting(
            make_support_group(f"Extra {i}", types=[directory_world["types"][0]]),
            start_time=dt.time(19, 0),
            end_time=dt.time(20, 0),
            timezone="Europe/London",
        )
    refresh_search_document()
    process.reset()
    taxonomies.reset()
    vocabulary.current()  # words earlier tests rolled back are forgotten here, not in a request
    # First request of a generation: 1 generation, 4 taxonomy (types, audiences, languages,
    # regions), 5 to build the index (listings, types, audiences, languages, meetings), 3 for
    # the page's cards (rows, types, meetings).
    with django_assert_num_queries(13):
        client.get(LIST)
    state = {"type": "hearing-voices", "day": ["thu", "fri"], "time": "evening", "page": "2"}
    for query in [{}, state, {**state, "tz": "Europe/London", "sort": "name"}]:
        # 1 generation, 3 for the page; the counts are bit operations
        with django_assert_num_queries(4):
            response = client.get(LIST, query)
        assert response.context["page_obj"].object_list, query  # cards were read
    # The "recently updated" order: read once per generation.
    with django_assert_num_queries(5):
        client.get(LIST, {**state, "sort": "updated"})
    with django_assert_num_queries(4):
        client.get(LIST, {"sort": "updated", "page": "3"})
    # A new search: its matches once per word (one here), and once per generation the words
    # listings use; the same search again, any page or filter, from the index.
    with django_assert_num_queries(6):
        client.get(LIST, {"q": "extra"})
    with django_assert_num_queries(4):
        client.get(LIST, {"q": "extra", "page": "2", "type": "hearing-voices"})


@pytest.mark.django_db(transaction=True)
def test_a_new_worker_builds_its_index_before_the_first_request_needs_it(
    client, settings, django_assert_num_queries
):
    settings.DIRECTORY_INDEX_REBUILD_SECONDS = 5
    settings.PAGE_CACHE_SECONDS = 0
    make_support_group("Warm Circle", types=[make_type("Hearing Voices", slug="hearing-voices")])
    refresh_search_document()
    process.reset()
    process.warm_up()
    process.wait_for_rebuild()
    assert process.current() is not None
    # The generation, the taxonomy (first time in this process: 4), then the page's 3.
    with django_assert_num_queries(8):
        assert "Warm Circle" in client.get(LIST).content.decode()
