"""The directory's URL, read by its FilterSet: what it keeps, what it drops and says so."""

import pytest
from django.http import QueryDict

from groups.directory import taxonomy as taxonomies
from groups.directory.filterset import MAX_VALUES, DirectoryFilter
from tests.factories import make_region_tree, make_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def taxonomy():
    make_region_tree()
    make_type("Hearing Voices", slug="hearing-voices")
    make_type("Alternatives to Suicide", slug="alternatives-to-suicide")
    return taxonomies.Taxonomy.load("test")


def state(taxonomy, query, preset=None):
    return DirectoryFilter(QueryDict(query), taxonomy=taxonomy, preset=preset).state()


def test_known_values_are_kept_in_order_once(taxonomy):
    found = state(
        taxonomy, "type=alternatives-to-suicide&type=hearing-voices&type=hearing-voices&day=mon"
    )
    assert found.values["type"] == ["alternatives-to-suicide", "hearing-voices"]
    assert found.values["day"] == ["mon"]
    assert found.ignored == []
    assert found.filter_count == 3


def test_unknown_values_are_dropped_and_named(taxonomy):
    found = state(
        taxonomy, "type=nope&type=hearing-voices&day=someday&sort=sideways&tz=Mars/Base&page=x"
    )
    assert found.values["type"] == ["hearing-voices"]
    assert found.values["day"] == []
    assert (found.sort, found.tz, found.page) == ("", "", 1)
    assert found.ignored == ["Type of group", "Day", "Sort by", "Time zone", "Page"]


def test_one_region_at_most_and_no_more_than_the_cap(taxonomy):
    found = state(taxonomy, "region=scotland&region=europe")
    assert found.values["region"] == ["scotland"]
    assert found.ignored == ["Where"]
    many = "&".join(["type=hearing-voices"] * (MAX_VALUES + 1))
    assert state(taxonomy, many).ignored == ["Type of group"]


def test_a_landing_pages_preset_applies_only_when_the_url_has_no_value(taxonomy):
    assert state(taxonomy, "", preset={"region": "scotland"}).values["region"] == ["scotland"]
    chosen = state(taxonomy, "region=europe", preset={"region": "scotland"})
    assert chosen.values["region"] == ["europe"]


def test_search_words_are_cleaned_and_a_long_search_is_cut_and_said_so(taxonomy):
    assert state(taxonomy, "q=%20hearing%0A%00voices%20").q == "hearing voices"
    long = state(taxonomy, "q=" + "word " * 100)
    assert len(long.q) == 200 and long.q_truncated


def test_every_link_is_the_state_in_one_parameter_order(taxonomy):
    found = state(taxonomy, "tz=Europe/London&day=mon&q=voices&type=hearing-voices&page=3")
    assert found.urlencode() == "q=voices&type=hearing-voices&day=mon&tz=Europe%2FLondon"
    assert (
        found.link(drop_value=("day", "mon"))
        == "/groups/?q=voices&type=hearing-voices&tz=Europe%2FLondon"
    )
    assert found.link(without="q", override={"attendance": ["online"]}) == (
        "/groups/?type=hearing-voices&attendance=online&day=mon&tz=Europe%2FLondon"
    )
