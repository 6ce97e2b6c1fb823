"""A visitor's journey through the directory and a listing: places, times, ways out, joining."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.search import refresh_search_document
from tests.clock import WINTER, at
from tests.factories import (
    make_meeting,
    make_organization,
    make_region_tree,
    make_support_group,
    make_type,
)

pytestmark = pytest.mark.django_db

LIST = reverse("groups:list")


@pytest.fixture
def places():
    regions = make_region_tree()
    hv = make_type("Hearing Voices", slug="hearing-voices")
    boston = make_support_group(
        "Boston Voices Circle", types=[hv], region=regions["massachusetts"], attendance="in_person"
    )
    make_meeting(
        boston, weekday=0, start_time=dt.time(10, 0), end_time=None, timezone="America/New_York"
    )
    wide = make_support_group(
        "Parents support group (US and Canada)",
        types=[hv],
        region=regions["north-america"],
        attendance="online",
    )
    make_meeting(
        wide, weekday=3, start_time=dt.time(17, 0), end_time=None, timezone="America/Los_Angeles"
    )
    anyone = make_support_group(
        "Voices online worldwide", types=[hv], region=regions["worldwide"], attendance="online"
    )
    make_meeting(
        anyone, weekday=2, start_time=dt.time(19, 0), end_time=None, timezone="Europe/London"
    )
    make_support_group(
        "Edinburgh Hearing Voices", types=[hv], region=regions["lothians"], attendance="in_person"
    )
    refresh_search_document()
    return regions


# Thursday 5 pm in Los Angeles is Friday 1 am in London in WINTER (and in summer). From the second
# Sunday of March to the last one, and from the last Sunday of October to the first of November,
# only the US has changed its clocks: it is then midnight.
ONLY_THE_US_ON_SUMMER_TIME = dt.datetime(2027, 3, 20, 12, 0, tzinfo=dt.UTC)


def sections(response):
    """(names in the results, names in the 'anyone can join' section)."""
    html = response.content.decode()
    results, _, anyone = html.split('id="results"', 1)[1].partition('id="anyone-results"')
    pattern = r'<h3><a href="[^"]+">([^<]+)</a></h3>'
    return set(re.findall(pattern, results)), set(re.findall(pattern, anyone))


def get(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response


def test_a_country_lists_groups_filed_at_the_wider_region_that_contains_it(client, places):
    response = get(client, region="united-states")
    results, anyone = sections(response)
    assert results == {"Boston Voices Circle", "Parents support group (US and Canada)"}
    # Online groups open to anyone: labelled, never silently mixed in or dropped.
    assert anyone == {"Voices online worldwide"}
    assert "Online groups anyone can join" in response.content.decode()
    # The count beside the option follows the same rule.
    assert re.search(
        r'<option value="united-states" selected>[^<]*United States \(2\)',
        response.content.decode(),
    )


def test_the_whole_world_has_no_separate_section(client, places):
    results, anyone = sections(get(client, region="worldwide"))
    assert "Voices online worldwide" in results and anyone == set()


def test_every_suggestion_on_an_empty_result_leads_to_results(client, places):
    response = get(client, q="voices", region="lothians", attendance="online")
    html = response.content.decode()
    assert "No groups match all of these choices." in html
    links = re.findall(r'<li><a href="(/groups/[^"]*)">([^<]+): (\d+) groups?</a></li>', html)
    assert links, html
    for url, label, n in links:
        url = url.replace("&amp;", "&")
        followed = client.get(url).content.decode()
        assert f"{n} group" in followed, (label, url)
        assert "No groups match all of these choices." not in followed, (label, url)


def test_the_time_zone_can_be_chosen_without_javascript(client, places):
    html = get(client).content.decode()
    assert '<select id="f-tz" name="tz" data-tz>' in html
    # Common zones first, by the names people use.
    assert '<option value="Europe/London">UK time (London)</option>' in html
    assert '<option value="America/Los_Angeles">Pacific Time (Los Angeles)</option>' in html
    chosen = get(client, tz="Europe/London").content.decode()
    assert '<option value="Europe/London" selected>' in chosen


def test_cards_show_the_visitors_time_first_for_groups_one_joins_from_anywhere(client, places):
    with at(WINTER):
        html = get(client, tz="Europe/London", region="north-america").content.decode()
    assert re.search(
        r'<strong class="your-time">Fridays, 1:00 am UK time</strong> \(your time\) · '
        r'<span class="own-time">Thursdays, 5:00 pm Pacific Time</span>',
        html,
    )
    # In-person groups keep their own local time, as the day and time filters do.
    assert "Mondays, 10:00 am Eastern Time" in html
    assert "Mondays, 3:00 pm UK time" not in html


def test_a_card_follows_the_weeks_when_only_one_of_the_two_zones_has_changed_its_clocks(
    client, places
):
    with at(ONLY_THE_US_ON_SUMMER_TIME):
        html = get(client, tz="Europe/London", region="north-america").content.decode()
    assert re.search(
        r'<strong class="your-time">Fridays, 12:00 am UK time</strong> \(your time\) · '
        r'<span class="own-time">Thursdays, 5:00 pm Pacific Time</span>',
        html,
    )


def test_quick_choices_are_plain_links_offered_until_chosen(client, places):
    html = get(client, q="voices").content.decode()
    assert '<a href="/groups/?q=voices&amp;attendance=online">Online</a>' in html
    chosen = get(client, q="voices", attendance="online").content.decode()
    assert ">Online</a>" not in chosen
    assert 'href="/groups/?q=voices&amp;attendance=in_person">In person</a>' in chosen
    assert 'aria-label="Remove How it meets: Online"' in chosen


def test_filters_fold_behind_a_control_that_counts_them(client, places):
    html = get(client, attendance="online", time="evening").content.decode()
    assert '<details class="filter-panel" id="filter-panel">' in html
    assert "Filters (2)" in html


# --- a listing -----------------------------------------------------------------------------------


@pytest.fixture
def listing():
    regions = make_region_tree()
    group = make_support_group(
        "Pacific Hearing Voices",
        types=[make_type("Hearing Voices", slug="hearing-voices")],
        region=regions["united-states"],
        host=make_organization("Voices Network", slug="voices-network"),
        attendance="online",
        join_url="https://meet.example.org/voices",
        source_document="upload_2024_17.txt",
        source_excerpt="Meets Thursdays at 5 pm Pacific.",
        last_confirmed=None,
    )
    make_meeting(
        group,
        weekday=3,
        start_time=dt.time(17, 0),
        end_time=dt.time(18, 0),
        timezone="America/Los_Angeles",
    )
    return group


def detail(client, group, **params):
    response = client.get(group.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_listing_says_how_to_join_first_with_the_joining_link(client, listing):
    html = detail(client, listing)
    box = html.split('<section class="join-box"', 1)[1].split("</section>", 1)[0]
    assert (
        '<a class="button" href="https://meet.example.org/voices" rel="noopener nofollow">Join the meeting</a>'
        in box
    )
    assert "Next meeting:" in box and "Pacific Time" in box
    assert "Last confirmed: not yet" in " ".join(box.split())
    assert html.index("join-box") < html.index("When it meets")


def test_without_a_link_the_box_offers_the_next_best_way(client, listing):
    listing.join_url = ""
    listing.phone, listing.phone_public = "555 0100", True
    listing.save()
    assert '<a class="button" href="tel:5550100">Call 555 0100</a>' in detail(client, listing)
    listing.phone = ""
    listing.save()
    assert 'href="/organizations/voices-network/">Ask Voices Network, who run it' in detail(
        client, listing
    )
    listing.host = None
    listing.save()
    assert "Ask the organizers how to join" in detail(client, listing)


def test_with_no_way_to_reach_the_group_the_box_gives_the_listings_own_words_once(client, listing):
    listing.join_url, listing.host = "", None
    listing.how_to_join = "No contact details are known yet."
    listing.save()
    box = detail(client, listing).split('<section class="join-box"', 1)[1].split("</section>")[0]
    assert "No contact details are known yet." in box
    # Not said twice in other words just above it.
    assert "Ask the organizers how to join" not in box


def test_the_listing_shows_times_in_the_visitors_zone_first(client, listing):
    with at(WINTER):
        html = detail(client, listing, tz="Europe/London")
    assert re.search(
        r'<strong class="your-time">Fridays, 1:00–2:00 am UK time</strong> \(your time\)', html
    )
    assert '<strong class="your-time">Friday 4 December, 1:00 am UK time</strong>' in html
    assert '<option value="Europe/London" selected>' in html


def test_the_listing_follows_the_weeks_when_only_the_us_has_changed_its_clocks(client, listing):
    with at(ONLY_THE_US_ON_SUMMER_TIME):
        html = detail(client, listing, tz="Europe/London")
    assert re.search(
        r'<strong class="your-time">Fridays, 12:00–1:00 am UK time</strong> \(your time\)', html
    )
    assert '<strong class="your-time">Friday 26 March, 12:00 am UK time</strong>' in html
    # The group's own time does not move.
    assert "Thursdays, 5:00–6:00 pm Pacific Time" in html


def test_an_unknown_zone_is_ignored(client, listing):
    html = detail(client, listing, tz="Mars/Olympus")
    assert 'class="your-time"' not in html


def test_calendar_links_subscribe_google_and_outlook(client, listing):
    html = detail(client, listing)
    ics = f"/groups/{listing.slug}/calendar.ics"
    assert f'href="webcal://127.0.0.1:8000{ics}">Subscribe in your calendar app' in html
    google = re.search(r'href="(https://calendar\.google\.com/calendar/render\?[^"]+)"', html)
    assert google and "recur=RRULE%3AFREQ%3DWEEKLY%3BBYDAY%3DTH" in google.group(1)
    assert "ctz=America%2FLos_Angeles" in google.group(1)
    assert re.search(r'href="https://outlook\.live\.com/calendar/0/deeplink/compose\?[^"]+"', html)
    assert f'href="{ics}">Download a calendar file' in html


def test_sources_are_named_for_visitors_never_by_file_name(client, listing):
    html = detail(client, listing)
    assert "upload_2024_17.txt" not in html
    assert "Information published by Voices Network" in html
    assert "Meets Thursdays at 5 pm Pacific." in html


def test_a_listing_never_confirmed_is_not_called_out_of_date_until_a_year_has_passed(
    client, listing
):
    assert "may be out of date" not in detail(client, listing)
    listing.created_at = timezone.now() - dt.timedelta(days=400)
    listing.save()
    assert "may be out of date" in detail(client, listing)
    listing.last_confirmed = timezone.localdate()
    listing.save()
    html = detail(client, listing)
    assert "may be out of date" not in html
    assert "Last confirmed:" in html


# --- the site frame ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        ("about", "How listings are checked"),
        ("privacy", "Your searches are not stored."),
        ("contact", 'href="mailto:moderators@example.org"'),
    ],
)
def test_about_privacy_and_contact_pages_are_linked_from_every_footer(client, settings, name, text):
    settings.CONTACT_EMAIL = "moderators@example.org"
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert text in response.content.decode()
    home = client.get(reverse("groups:home")).content.decode()
    footer = home.split('<footer class="site-footer">', 1)[1]
    assert f'href="{reverse(name)}"' in footer


def test_the_privacy_page_says_how_long_messages_are_kept(client):
    assert "for 30 days" in client.get(reverse("privacy")).content.decode()


# The JSON feeds compress themselves (groups/feeds/views.py, gzip_page): the middleware leaves
# a response that already has a Content-Encoding alone.
@pytest.mark.parametrize("path", ["/", "/groups/", "/about/"])
def test_pages_and_data_are_sent_compressed_to_clients_that_accept_it(client, places, path):
    import gzip

    plain = client.get(path)
    squeezed = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert plain.status_code == squeezed.status_code == 200
    assert "Content-Encoding" not in plain
    assert squeezed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in squeezed["Vary"]

    packed = squeezed.getvalue()
    unpacked = gzip.decompress(packed)
    assert len(packed) < len(unpacked)
    assert unpacked == plain.getvalue()


def test_pages_for_a_signed_in_person_are_not_compressed(client):
    from tests.factories import make_user

    client.force_login(make_user("organizer@example.org"))
    response = client.get(reverse("groups:home"), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "Content-Encoding" not in response


def test_by_default_the_next_meeting_from_now_comes_first(client, places):
    monday_9am_boston = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)
    with at(monday_9am_boston):
        html = get(client).content.decode()
    order = re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', html.split('id="results"')[1])
    # Boston Monday 10 am (in an hour), then Wednesday London, Thursday Pacific; no times last.
    assert order == [
        "Boston Voices Circle",
        "Voices online worldwide",
        "Parents support group (US and Canada)",
        "Edinburgh Hearing Voices",
    ]


def test_an_online_meeting_about_to_start_says_so(client, places):
    # Wednesday 18:30 in London: the worldwide group meets at 19:00 London time.
    before = dt.datetime(2026, 12, 2, 18, 30, tzinfo=dt.UTC)
    with at(before):
        html = get(client, tz="Europe/London").content.decode()
    assert "Starts within the hour, at 7:00 pm UK time" in html
    during = dt.datetime(2026, 12, 2, 19, 20, tzinfo=dt.UTC)
    with at(during):
        assert "Meeting now" in get(client, q="worldwide").content.decode()


def test_a_seed_source_is_named_by_its_title_publisher_and_age(client, listing):
    listing.source_document = "000_38e6eaa1bcffabc5.txt"
    listing.save()
    html = detail(client, listing)
    assert "“New Online Support Groups Forming”, Mad in America (2018 or later)" in html
    assert "000_38e6eaa1bcffabc5.txt" not in html
