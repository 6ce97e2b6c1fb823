"""After a save the organizer sees what changed, whether visitors see it yet, and one link to
the page: before, a save landed on the dashboard with "Saved. Your changes are live now.",
even for a listing no visitor could see, and nothing said what had been saved."""

import re

import pytest
from django.urls import reverse

from groups.models import GroupType
from tests.cast import ALEX_PHONE
from tests.factories import make_user
from tests.posts import edit_url, listing_post

pytestmark = pytest.mark.django_db


def save(client, group, **changes):
    return client.post(edit_url(group), listing_post(group, **changes), follow=True)


def rows(html):
    """The "What you changed" table as (what, before, now), as a reader sees it."""
    table = html.split('class="changes"')[1].split("</table>")[0]
    found = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>(.*?)</td><td>(.*?)</td></tr>", table)
    return [tuple(re.sub(r"\s+", " ", cell).strip() for cell in row) for row in found]


def test_a_save_shows_what_changed_that_it_is_live_and_the_public_page(client, cast):
    client.force_login(cast.organizer)
    response = save(
        client,
        cast.listing,
        summary="A calmer summary",
        attendance="hybrid",
        **{"meetings-0-start_time": "19:30", "meetings-0-end_time": "21:00"},
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:saved", args=["leith-voices"])
    html = response.content.decode()
    assert "Saved. Your changes are live now." in html
    assert (
        f'<a class="button" href="{cast.listing.get_absolute_url()}">View the public page' in html
    )
    changed = rows(html)
    assert ("Attendance", "Online", "In person and online") in changed
    assert ("One-line summary", "Leith Voices: a peer support group", "A calmer summary") in changed
    assert (
        "Meeting",
        "Tuesdays, 7:00–8:30 pm UK time",
        "Tuesdays, 7:30–9:00 pm UK time",
    ) in changed
    # Only what this save changed: not the bookkeeping every save touches.
    assert [row[0] for row in changed if row[0] in ("Last confirmed", "Version")] == []


def test_a_save_that_changed_nothing_says_so(client, cast):
    client.force_login(cast.organizer)
    html = save(client, cast.listing).content.decode()
    assert "Nothing was different from before." in html
    assert 'class="changes"' not in html


def test_changed_ticked_lists_are_named_with_what_they_hold_now(client, cast):
    peer = GroupType.objects.create(name="Peer respite", slug="peer-respite")
    client.force_login(cast.organizer)
    html = save(client, cast.listing, types=[str(cast.group_type.pk), str(peer.pk)]).content
    assert ("Group types", "(changed)", "Hearing voices, Peer respite") in rows(html.decode())


def test_saving_a_listing_nobody_has_published_says_visitors_do_not_see_it_yet(client, cast):
    client.force_login(cast.organizer)
    html = save(client, cast.pending_listing, summary="Still waiting").content.decode()
    assert "Saved. Visitors see the listing once a moderator publishes it." in html
    assert "live now" not in html
    assert "See the page as it will look" in html


def test_a_moderator_saving_a_pending_listing_gets_no_link_that_would_be_a_404(client, cast):
    client.force_login(cast.moderator)
    html = save(client, cast.pending_listing, summary="Tidied").content.decode()
    assert "Saved. Visitors see the listing once a moderator publishes it." in html
    assert f'href="{cast.pending_listing.get_absolute_url()}"' not in html
    assert client.get(cast.pending_listing.get_absolute_url()).status_code == 404


def test_a_later_co_organizer_never_sees_the_phone_number_that_was_private_before_them(
    client, cast
):
    newcomer = make_user(email="kim@example.org")
    cast.listing.ownerships.create(user=newcomer)
    client.force_login(newcomer)
    html = save(client, cast.listing, phone="+44 7700 900999").content.decode()
    assert ("Phone", "(private at the time)", "+44 7700 900999") in rows(html)
    assert ALEX_PHONE not in html


def test_the_edit_page_says_whether_a_save_goes_live(client, cast):
    client.force_login(cast.organizer)
    live = client.get(edit_url(cast.listing)).content.decode()
    pending = client.get(edit_url(cast.pending_listing)).content.decode()
    assert "Changes go live as soon as you save." in live
    assert "Live as soon as you save" in live
    assert "Changes go live" not in pending
    assert "Only you and the moderators see this listing until a moderator publishes it." in pending


def test_the_saved_page_runs_a_fixed_number_of_queries(client, cast, django_assert_num_queries):
    client.force_login(cast.organizer)
    save(client, cast.listing, summary="One", **{"meetings-0-start_time": "19:30"})
    url = reverse("accounts:saved", args=[cast.listing.slug]) + "?lists=types&lists=languages"
    # session, user, the listing with since-when the viewer owns it, the newest save's time,
    # the two history tables, region names, may the viewer open the page, the two lists.
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
