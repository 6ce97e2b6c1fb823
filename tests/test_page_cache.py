"""Whole public pages kept for anonymous visitors: what is kept, what never is, and that a change
to the data shows at once."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from groups import pagecache
from groups.models import SupportGroup
from groups.pagecache import HIT_HEADER
from groups.search import refresh_search_document
from tests.factories import make_meeting, make_support_group, make_type, make_user

pytestmark = pytest.mark.django_db

LIST = reverse("groups:list")


@pytest.fixture(autouse=True)
def _empty_page_cache():
    pagecache.clear()
    yield
    pagecache.clear()


@pytest.fixture
def listing():
    group = make_support_group("Calm Waters Peer Circle", types=[make_type("Hearing Voices")])
    make_meeting(group)
    refresh_search_document()
    return group


def test_an_anonymous_visitor_gets_the_kept_page_the_second_time(client, listing):
    first = client.get(listing.get_absolute_url())
    second = client.get(listing.get_absolute_url())
    assert first[HIT_HEADER] == "miss"
    assert second[HIT_HEADER] == "hit"
    assert second.content == first.content
    # Headers the middleware adds are fresh on a kept page too.
    assert second["Content-Security-Policy"]
    assert second["X-Request-ID"] != first["X-Request-ID"]


def test_a_change_to_the_listing_shows_at_once(client, listing):
    client.get(listing.get_absolute_url())
    client.get(LIST)
    SupportGroup.objects.filter(pk=listing.pk).update(summary="Now meeting in the library.")
    page = client.get(listing.get_absolute_url())
    assert page[HIT_HEADER] == "miss"
    assert "Now meeting in the library." in page.content.decode()
    listing.name = "Calm Waters Circle"
    listing.save()
    refresh_search_document()
    assert "Calm Waters Circle" in client.get(LIST).content.decode()


def test_signed_in_people_never_get_or_leave_a_kept_page(client, listing):
    owner = make_user()
    listing.ownerships.create(user=owner)
    client.get(listing.get_absolute_url())  # kept for anonymous visitors
    client.force_login(owner)
    mine = client.get(listing.get_absolute_url())
    assert HIT_HEADER not in mine
    assert "Edit this listing" in mine.content.decode()
    client.logout()
    pagecache.clear()
    client.force_login(owner)
    client.get(listing.get_absolute_url())  # an owner's page is not kept ...
    client.logout()
    anonymous = client.get(listing.get_absolute_url())
    assert anonymous[HIT_HEADER] == "miss"  # ... so a visitor never sees its edit link
    assert "Edit this listing" not in anonymous.content.decode()


def test_searches_are_never_kept(client, listing):
    client.get(LIST, {"q": "calm"})
    again = client.get(LIST, {"q": "calm"})
    assert HIT_HEADER not in again
    assert not any("calm" in key for key in caches["pages"]._cache)


def test_keys_do_not_hold_the_address_in_clear(client, listing):
    client.get(LIST, {"type": "hearing-voices"})
    keys = list(caches["pages"]._cache)
    assert keys
    assert not any("hearing" in key or "/groups" in key for key in keys)


def test_only_successful_pages_are_kept(client, listing):
    missing = reverse("groups:detail", args=["no-such-group"])
    assert client.get(missing).status_code == 404
    assert client.get(missing).status_code == 404
    assert not caches["pages"]._cache


def test_a_visitor_with_a_flash_message_gets_a_fresh_page(client, listing):
    client.get(LIST)
    client.cookies["messages"] = "x"
    assert HIT_HEADER not in client.get(LIST)


def test_the_page_cache_can_be_turned_off(client, listing, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get(LIST)
    assert HIT_HEADER not in client.get(LIST)


def test_the_partial_results_and_the_whole_page_are_kept_apart(client, listing):
    whole = client.get(LIST)
    partial = client.get(LIST, headers={"X-Directory-Partial": "1"})
    assert partial[HIT_HEADER] == "miss"
    assert b"<html" in whole.content and b"<html" not in partial.content
    assert client.get(LIST, headers={"X-Directory-Partial": "1"}).content == partial.content


def test_a_page_computed_by_one_worker_is_served_by_another(client, listing):
    first = client.get(listing.get_absolute_url())
    caches["pages"].clear()  # another worker: its own memory is empty, the files are shared
    second = client.get(listing.get_absolute_url())
    assert second[HIT_HEADER] == "hit"
    assert second.content == first.content


def test_a_kept_page_expires_with_its_original(client, listing, settings, monkeypatch):
    import time

    client.get(listing.get_absolute_url())
    later = time.time() + settings.PAGE_CACHE_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    caches["pages"].clear()
    assert client.get(listing.get_absolute_url())[HIT_HEADER] == "miss"
