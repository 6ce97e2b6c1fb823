import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from groups.search import refresh_search_document, refresh_week_minutes
from groups.vocabulary import current as vocabulary
from tests.clock import at
from tests.factories import (
    make_audience,
    make_language,
    make_meeting,
    make_region_tree,
    make_support_group,
    make_type,
    make_user,
)

pytestmark = pytest.mark.django_db

LIST = reverse("groups:list")


@pytest.fixture
def world():
    regions = make_region_tree()
    hv = make_type("Hearing Voices", slug="hearing-voices", synonyms="voice hearers")
    ats = make_type("Alternatives to Suicide", slug="alternatives-to-suicide")
    family = make_audience("Family and friends", slug="family")
    spanish = make_language("es", "Spanish")
    edinburgh = make_support_group(
        "Edinburgh Hearing Voices",
        types=[hv],
        region=regions["lothians"],
        attendance="in_person",
    )
    make_meeting(
        edinburgh,
        weekday=3,
        start_time=dt.time(19, 0),
        end_time=dt.time(20, 30),
        timezone="Europe/London",
    )
    pacific = make_support_group(
        "Pacific Online Alternatives",
        types=[ats],
        region=regions["united-states"],
        attendance="online",
        audiences=[family],
        languages=[spanish],
    )
    # Thursday 5 pm in Los Angeles is Friday 1 am in London.
    make_meeting(pacific, weekday=3, start_time=dt.time(17, 0), timezone="America/Los_Angeles")
    boston = make_support_group(
        "Boston Voices Circle",
        types=[hv],
        region=regions["massachusetts"],
        attendance="hybrid",
    )
    make_meeting(
        boston,
        weekday=0,
        start_time=dt.time(10, 0),
        end_time=dt.time(11, 0),
        timezone="America/New_York",
    )
    pending = make_support_group("Pending Hearing Voices", types=[hv], moderation="pending")
    refresh_search_document()
    return {
        "edinburgh": edinburgh,
        "pacific": pacific,
        "boston": boston,
        "pending": pending,
        "regions": regions,
        "hv": hv,
        "ats": ats,
    }


def names(response):
    html = response.content.decode()
    results = html.split('id="results"', 1)[1]
    return set(re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', results))


def get(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response


def test_directory_lists_only_published_listings(client, world):
    response = get(client)
    assert names(response) == {
        "Edinburgh Hearing Voices",
        "Pacific Online Alternatives",
        "Boston Voices Circle",
    }
    assert "3 groups found" in response.content.decode()


def test_region_filter_includes_groups_in_sub_regions(client, world):
    assert names(get(client, region="europe")) == {"Edinburgh Hearing Voices"}
    assert names(get(client, region="north-america")) == {
        "Pacific Online Alternatives",
        "Boston Voices Circle",
    }
    assert names(get(client, region="lothians")) == {"Edinburgh Hearing Voices"}


def test_day_filter_finds_the_groups_that_meet_on_thursdays(client, world):
    assert names(get(client, day="thu")) == {
        "Edinburgh Hearing Voices",
        "Pacific Online Alternatives",
    }
    assert names(get(client, day="mon")) == {"Boston Voices Circle"}
    assert names(get(client, day=["mon", "thu"])) == {
        "Edinburgh Hearing Voices",
        "Pacific Online Alternatives",
        "Boston Voices Circle",
    }


def test_visitor_in_london_finds_the_thursday_evening_pacific_group_on_friday(client, world):
    friday = get(client, day="fri", tz="Europe/London")
    assert names(friday) == {"Pacific Online Alternatives"}
    assert "Online and phone groups’ times are shown in:" in friday.content.decode()
    # The in-person Edinburgh group keeps its own Thursday; the online group left Thursday.
    assert names(get(client, day="thu", tz="Europe/London")) == {"Edinburgh Hearing Voices"}
    assert names(get(client, day="fri", time="morning", tz="Europe/London")) == {
        "Pacific Online Alternatives"
    }


def test_without_a_time_zone_days_and_times_are_the_groups_own(client, world):
    response = get(client, time="evening")
    assert names(response) == {"Edinburgh Hearing Voices", "Pacific Online Alternatives"}
    html = response.content.decode()
    assert "Times are shown in:" in html
    assert '<option value="">Each group’s own time</option>' in html.split('class="time-note"')[1]
    assert names(get(client, time="morning")) == {"Boston Voices Circle"}


def test_in_person_groups_keep_their_own_time_for_a_visitor_far_away(client, world):
    response = get(client, day="thu", time="evening", tz="Asia/Tokyo")
    assert names(response) == {"Edinburgh Hearing Voices"}


def test_day_and_time_must_hold_for_the_same_meeting(client, world):
    # Boston also meets on Thursday mornings; a Thursday-evening search must not find it.
    make_meeting(world["boston"], weekday=3, start_time=dt.time(9, 0), timezone="America/New_York")
    refresh_search_document([world["boston"].pk])
    assert "Boston Voices Circle" in names(get(client, day="thu"))
    assert "Boston Voices Circle" not in names(get(client, day="thu", time="evening"))


def test_filters_combine(client, world):
    assert names(get(client, type="hearing-voices", region="united-kingdom")) == {
        "Edinburgh Hearing Voices"
    }
    assert names(get(client, type=["hearing-voices", "alternatives-to-suicide"], day="thu")) == {
        "Edinburgh Hearing Voices",
        "Pacific Online Alternatives",
    }
    assert names(get(client, audience="family", language="es")) == {"Pacific Online Alternatives"}
    assert names(get(client, audience="family", region="europe")) == set()


def test_choosing_online_includes_hybrid_groups(client, world):
    assert names(get(client, attendance="online")) == {
        "Pacific Online Alternatives",
        "Boston Voices Circle",
    }
    assert names(get(client, attendance="in_person")) == {
        "Edinburgh Hearing Voices",
        "Boston Voices Circle",
    }


def count_of(html, option_id):
    match = re.search(rf'data-count="{option_id}">\((\d+)\)', html)
    return int(match.group(1))


def test_each_option_shows_how_many_results_choosing_it_would_give(client, world):
    html = get(client, region="europe").content.decode()
    assert count_of(html, "f-type-hearing-voices") == 1
    assert 'id="f-type-alternatives-to-suicide"' not in html  # nothing there in Europe
    # A facet's own choice does not narrow its counts: other regions stay choosable.
    assert re.search(r'value="north-america"[^>]*>\W*North America \(2\)', html)
    assert re.search(r'value="europe" selected>\W*Europe \(1\)', html)
    html = get(client, type="hearing-voices").content.decode()
    assert count_of(html, "f-type-alternatives-to-suicide") == 1
    assert count_of(html, "f-attendance-online") == 1  # Boston, hybrid
    assert count_of(html, "f-attendance-in_person") == 2
    assert count_of(html, "f-day-mon") == 1
    assert count_of(html, "f-time-evening") == 1


@pytest.mark.parametrize("tz", ["", "Europe/London", "Asia/Kolkata", "Pacific/Auckland"])
def test_day_and_time_counts_match_the_results_of_choosing_them(client, world, tz):
    extra = {"tz": tz} if tz else {}
    html = get(client, **extra).content.decode()
    for code in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]:
        assert count_of(html, f"f-day-{code}") == len(names(get(client, day=code, **extra)))
    for bucket in ["morning", "afternoon", "evening"]:
        assert count_of(html, f"f-time-{bucket}") == len(names(get(client, time=bucket, **extra)))


def test_unknown_and_malformed_values_are_ignored_with_a_note(client, world):
    response = get(
        client, type="no-such-type", day="funday", page="abc", sort="sideways", tz="Mars/Base"
    )
    html = response.content.decode()
    assert "We ignored an unknown filter value" in html
    assert len(names(response)) == 3
    assert "no-such-type" not in html.split('id="results"')[1]


def test_hostile_input_is_escaped_never_echoed_raw(client, world):
    html = get(client, q='<script>alert("x")</script>', type="<b>bold</b>").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "<b>bold</b>" not in html


def test_a_huge_search_is_cut_to_200_characters(client, world):
    html = get(client, q="voices " * 100).content.decode()
    assert "only its first 200 characters" in html
    assert re.search(r'name="q" value="([^"]*)"', html).group(1).__len__() <= 200


def test_results_come_twenty_to_a_page_and_a_page_too_far_lands_on_the_last(client):
    for i in range(25):
        make_support_group(f"Group {i:02d}")
    first = get(client)
    assert len(names(first)) == 20
    assert "Page 1 of 2" in first.content.decode()
    last = get(client, page="99")
    assert len(names(last)) == 5
    assert "Page 2 of 2" in last.content.decode()


def test_no_results_says_so_kindly_and_offers_ways_out(client, world):
    html = get(client, region="europe", audience="family").content.decode()
    assert "No groups match all of these choices." in html
    assert 'href="/groups/?audience=family"' in html  # remove the region
    assert 'href="/groups/?region=europe"' in html  # remove the audience
    assert "attendance=online" in html  # try online groups
    assert "Clear everything and see every group" in html
    assert 'href="/help-now/"' in html


def test_every_active_filter_can_be_removed_with_one_link(client, world):
    html = get(client, type="hearing-voices", day=["mon", "thu"]).content.decode()
    assert 'href="/groups/?type=hearing-voices&amp;day=thu"' in html
    assert 'href="/groups/?type=hearing-voices&amp;day=mon"' in html
    assert 'href="/groups/?day=mon&amp;day=thu"' in html


def chips(html):
    row = html.split('<ul class="chips">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)', row)


def test_clear_all_is_offered_only_beside_two_or_more_choices(client, world):
    # Beside one chip it would be that chip's removal a second time.
    one = chips(get(client, type="hearing-voices").content.decode())
    assert [label.strip() for _url, label in one] == ["Type of group: Hearing Voices"]
    two = chips(get(client, type="hearing-voices", day="thu").content.decode())
    assert [label.strip() for _url, label in two][-1] == "Clear all"


def test_clear_all_keeps_the_visitors_time_zone_and_order(client, world):
    html = get(client, q="voices", day="thu", tz="America/New_York", sort="name").content.decode()
    clear_all = dict((label.strip(), url) for url, label in chips(html))["Clear all"]
    assert clear_all == "/groups/?sort=name&amp;tz=America%2FNew_York"


def test_the_results_block_alone_is_sent_to_javascript(client, world):
    response = client.get(LIST, {"type": "hearing-voices"}, HTTP_X_DIRECTORY_PARTIAL="1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="results"' in html and 'id="result-count"' in html
    assert "2 groups found" in html
    assert "X-Directory-Partial" in response["Vary"]


def test_form_works_without_javascript(client, world):
    html = get(client).content.decode()
    assert '<form class="filters" id="filters" method="get" action="/groups/"' in html
    assert '<button type="submit" id="show-results">Show 3 groups</button>' in html
    assert re.search(r'<script src="[^"]*directory\.js" defer>', html)
    assert "<fieldset>" in html and "<legend>Day</legend>" in html
    assert 'aria-live="polite"' in html


def test_list_page_query_count_does_not_grow_with_listings(
    client, world, django_assert_num_queries, settings
):
    """What computing a page asks, whatever the number of listings (tests/directory/test_index.py
    pins the first request of a generation)."""
    settings.PAGE_CACHE_SECONDS = 0
    for i in range(30):
        group = make_support_group(
            f"Extra {i}", types=[world["hv"]], region=world["regions"]["scotland"]
        )
        make_meeting(group)
    refresh_search_document()
    vocabulary()  # words earlier tests rolled back are forgotten here, not in a request
    get(client)  # the generation's taxonomy and index
    # 1 the directory generation, then the page's cards: 2 the listings, 3 their types,
    # 4 their meetings. Every count comes from the index.
    filtered = {
        "type": "hearing-voices",
        "region": "europe",
        "day": ["thu", "fri"],
        "time": "evening",
        "attendance": "in_person",
        "tz": "Europe/London",
        "sort": "next",
        "page": "2",
    }
    with django_assert_num_queries(4):
        get(client)
    with django_assert_num_queries(4):
        get(client, **filtered)
    # A new search word: its matches, and whether listings use words the vocabulary has not
    # seen (both once per generation).
    with django_assert_num_queries(6):
        get(client, q="voices", type="hearing-voices")
    with django_assert_num_queries(4):
        get(client, q="voices", type="hearing-voices", sort="name")


def test_counts_of_another_filter_state_are_not_taken_from_the_cache(client, world):
    assert "3 groups found" in get(client).content.decode()
    assert "1 group found" in get(client, region="scotland").content.decode()
    assert "3 groups found" in get(client, page="2").content.decode()


def test_a_listing_published_after_the_counts_were_cached_is_listed_at_once(client, world):
    assert "3 groups found" in get(client).content.decode()
    make_support_group(
        "Leith Hearing Voices", types=[world["hv"]], region=world["regions"]["lothians"]
    )
    refresh_search_document()
    html = get(client).content.decode()
    assert "Leith Hearing Voices" in html
    assert "4 groups found" in html


def test_region_landing_page_has_its_own_heading_and_canonical_url(client, world):
    response = client.get(reverse("groups:region", args=["scotland"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert ">Peer support groups in Scotland</h1>" in html
    assert names(response) == {"Edinburgh Hearing Voices"}
    assert '<link rel="canonical" href="http://127.0.0.1:8000/regions/scotland/">' in html


def test_a_lone_region_or_type_filter_is_canonical_at_its_landing_page(client, world):
    html = get(client, type="hearing-voices").content.decode()
    assert '<link rel="canonical" href="http://127.0.0.1:8000/types/hearing-voices/">' in html
    html = get(client, type="hearing-voices", day="mon").content.decode()
    assert '<link rel="canonical" href="http://127.0.0.1:8000/groups/">' in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_unknown_landing_pages_are_404(client, world):
    assert client.get(reverse("groups:region", args=["atlantis"])).status_code == 404
    assert client.get(reverse("groups:type", args=["nothing"])).status_code == 404


def test_home_shows_the_number_of_listings_and_ways_to_browse(client, world):
    html = client.get(reverse("groups:home")).content.decode()
    assert "3 listings in the directory." in html
    assert 'href="/types/hearing-voices/">Hearing Voices</a> <span class="muted">(2)</span>' in html
    assert 'href="/regions/europe/">Europe</a> <span class="muted">(1)</span>' in html
    assert 'href="/regions/united-kingdom/">United Kingdom</a>' in html
    assert 'role="search"' in html
    assert 'href="/help-now/"' in html
    assert "Peer support means meeting people" in html


def test_home_page_counts_are_read_once_then_kept_for_a_while(
    client, world, django_assert_num_queries
):
    # The directory generation; then, once per generation, the taxonomy (4) and the index (5):
    # the counts are bit operations on it.
    with django_assert_num_queries(10):
        first = client.get(reverse("groups:home")).content.decode()
    with django_assert_num_queries(1):
        again = client.get(reverse("groups:home")).content.decode()
    assert "3 listings in the directory." in first
    assert "3 listings in the directory." in again


def test_organization_page_lists_its_published_groups(client, world):
    from tests.factories import make_organization

    org = make_organization("Voices Network")
    world["edinburgh"].host = org
    world["edinburgh"].save()
    world["pending"].host = org
    world["pending"].save()
    html = client.get(org.get_absolute_url()).content.decode()
    assert "Edinburgh Hearing Voices" in html
    assert "Pending Hearing Voices" not in html
    assert "1 group listed" in html


def test_pending_listing_is_404_for_the_public_but_visible_to_its_submitter(client, world):
    url = world["pending"].get_absolute_url()
    assert client.get(url).status_code == 404
    submitter = make_user()
    world["pending"].submitted_by = submitter
    world["pending"].save()
    client.force_login(submitter)
    response = client.get(url)
    assert response.status_code == 200
    assert "Only you can see this listing for now" in response.content.decode()
    client.force_login(make_user())
    assert client.get(url).status_code == 404


def test_unknown_group_is_a_404_page_with_a_search_box(client, world):
    response = client.get(reverse("groups:detail", args=["no-such-group"]))
    assert response.status_code == 404
    html = response.content.decode()
    assert 'role="search"' in html
    assert 'href="/help-now/"' in html


def test_result_links_carry_the_filters_back_to_the_results(client, world):
    html = get(client, type="hearing-voices", day="thu").content.decode()
    link = re.search(r'href="(/groups/group-[^"]+\?back=[^"]+)">Edinburgh', html).group(1)
    detail = client.get(link.replace("&amp;", "&")).content.decode()
    assert 'href="/groups/?type=hearing-voices&amp;day=thu">← Back to your results' in detail


# Sunday 14 March 2027, 07:00 UTC: New York goes on summer time, London not for two weeks.
WINTER = dt.datetime(2027, 1, 10, tzinfo=dt.UTC)
NEW_YORK_CHANGED = dt.datetime(2027, 3, 14, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def sunday_noon_new_york():
    group = make_support_group("Sunday noon in New York", attendance="online")
    make_meeting(
        group, weekday=6, start_time=dt.time(12, 0), end_time=None, timezone="America/New_York"
    )
    refresh_search_document(when=WINTER)  # filed at 17:00 UTC: the evening in London
    return group


def test_after_a_zone_changes_its_clocks_its_meetings_move_to_their_new_hour_in_the_filters(
    client, sunday_noon_new_york
):
    def in_londons(time):
        with at(NEW_YORK_CHANGED):
            response = client.get(LIST, {"day": "sun", "time": time, "tz": "Europe/London"})
        results = response.content.decode().split('id="results"')[1]
        return sunday_noon_new_york.get_absolute_url() in results

    assert in_londons("evening") and not in_londons("afternoon")  # as filed in winter
    assert refresh_week_minutes(when=NEW_YORK_CHANGED) == 1
    assert in_londons("afternoon") and not in_londons("evening")  # 16:00 UTC, 4 pm in London
    assert refresh_week_minutes(when=NEW_YORK_CHANGED) == 0  # no change, nothing written


def test_the_hourly_command_moves_the_meetings_of_zones_that_changed_their_clocks(
    sunday_noon_new_york,
):
    out = io.StringIO()
    with at(NEW_YORK_CHANGED):
        call_command("refresh_search", "--week-minutes", stdout=out)
    assert out.getvalue() == "Meetings moved: 1.\n"
    meeting = sunday_noon_new_york.meetings.get()
    assert meeting.utc_minute_of_week == 6 * 1440 + 16 * 60
