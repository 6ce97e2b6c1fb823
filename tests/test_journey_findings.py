"""What walking the visitor's and the organizer's journeys in a browser found wrong, each fixed and
pinned here as the person saw it."""

import re

from django.urls import reverse

from groups.search import refresh_search_document
from tests.factories import make_support_group
from tests.posts import edit_url


def first_meeting_block_labels(html):
    """The labels of the first meeting time's fields, as a reader sees them."""
    labels = re.findall(r'<label for="id_meetings-0-[^"]*">(.*?)</label>', html, re.S)
    return [re.sub(r"<[^>]+>", "", label).strip() for label in labels]


def test_meeting_time_block_shows_no_stray_group_label(client, cast):
    """Each meeting block ended with a bold "Group" label over nothing (the formset's hidden link
    to the listing), on the edit and the new-group pages alike."""
    client.force_login(cast.organizer)
    for url in (edit_url(cast.listing), reverse("accounts:new_group")):
        labels = first_meeting_block_labels(client.get(url).content.decode())
        assert "Group" not in labels, (url, labels)
        assert "Starts at" in labels


def quick_choices(html):
    block = re.search(r'<ul class="quick plain-list"[^>]*>(.*?)</ul>', html, re.S)
    return re.findall(r"<a [^>]*>([^<]*)</a>", block.group(1)) if block else []


def test_quick_choices_never_lead_to_an_empty_page(client, cast):
    """A search for a place with no groups offered "Online", "In person" and "Evenings", each
    narrowing nothing to nothing. The cast's listings are online and meet on Tuesday evenings,
    none in person."""
    refresh_search_document()  # the meeting times the day and time counts read
    page = client.get("/groups/").content.decode()
    assert quick_choices(page) == ["Online", "Evenings"]

    empty = client.get("/groups/?q=Lagos").content.decode()
    assert "0 groups found" in empty
    assert quick_choices(empty) == []
    assert "No groups match all of these choices." in empty
    assert 'href="/help-now/"' in empty.split('id="results"')[1]


def test_a_listing_with_no_way_to_reach_it_does_not_say_contact_the_group(client, db):
    """ "No regular meeting times are listed. Contact the group to ask." stood above "The
    organizers have not published contact details.": advice the page gave no way to follow."""
    unreachable = make_support_group(name="Somewhere Voices")
    page = client.get(unreachable.get_absolute_url()).content.decode()
    assert "No regular meeting times are listed." in page
    assert "The organizers have not published contact details." in page
    assert "Contact the group to ask" not in page

    reachable = make_support_group(
        name="Reachable Voices", email="voices@example.org", email_public=True
    )
    page = client.get(reachable.get_absolute_url()).content.decode()
    assert "No regular meeting times are listed. Contact the group to ask." in page


def ways_out(html):
    block = re.search(r'<div class="no-results">(.*?)</div>', html, re.S).group(1)
    return [re.sub(r"\s+", " ", text) for text in re.findall(r"<li><a [^>]*>([^<]*)</a>", block)]


def test_a_search_for_a_place_without_groups_offers_each_way_out_once(client, cast):
    """It offered 'Remove “Search: “Lagos””: 3 groups' and then 'Clear everything and see every
    group: 3 groups', the same page twice."""
    html = client.get("/groups/?q=Lagos").content.decode()
    assert ways_out(html) == [
        "Search without the words “Lagos”: 3 groups",
        "Show online groups from anywhere, without the search words: 3 groups",
    ]
    two = client.get("/groups/?q=Lagos&day=fri").content.decode()
    assert "Clear everything and see every group: 3 groups" in ways_out(two)


def test_the_moderators_address_ends_its_sentence_without_a_stray_space(client, db, settings):
    """'Please write to the volunteers who run the site (help@…) .': the link's template ended
    in a newline, on seven account pages."""
    html = client.get(reverse("account_reset_password")).content.decode()
    assert f"({settings.CONTACT_EMAIL})." in html


def test_right_after_a_claim_the_dashboard_does_not_ask_to_claim_again(client, cast):
    """Sending a claim led to "Find your group in the directory and choose 'Claim this
    listing'", above the request just sent."""
    client.force_login(cast.visitor)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "choose “Claim this listing”" in html

    client.post(
        reverse("accounts:claim", args=[cast.unowned_listing.slug]),
        {"role": "Facilitator", "evidence": "Ask the centre manager"},
    )
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Requests waiting for a moderator" in html
    assert "a moderator will check your request below and email you" in html
    assert "choose “Claim this listing”" not in html


def test_the_login_page_offers_forgot_your_password_once(client, db):
    """Once under the password label (allauth's help text) and again below the form."""
    html = client.get(reverse("account_login")).content.decode()
    assert html.count(f'href="{reverse("account_reset_password")}"') == 1
    assert "Forgot your password?" in html
