"""An unknown Host header is a calm 400, never a 500; one host's kept page is never served on
another."""

import pytest
from django.test import Client

from groups import pagecache
from groups.pagecache import HIT_HEADER
from tests.factories import make_support_group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_page_cache():
    pagecache.clear()
    yield
    pagecache.clear()


@pytest.mark.parametrize("path", ["/", "/groups/", "/organizer/", "/admin/", "/nowhere/"])
def test_an_unknown_host_gets_the_400_page(path):
    response = Client(raise_request_exception=False).get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Something was wrong with that request" in html
    assert "evil.example" not in html


def test_the_feed_link_names_the_site_not_the_requested_host(client, settings):
    settings.SITE_URL = "https://peerdirectory.example.org"
    html = client.get("/").content.decode()
    assert 'href="https://peerdirectory.example.org/api/meeting-guide.json"' in html


def test_a_page_kept_for_one_host_is_not_served_on_another(settings):
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    settings.PAGE_CACHE_SECONDS = 60
    group = make_support_group()
    first = Client().get(group.get_absolute_url(), HTTP_HOST="one.example")
    again = Client().get(group.get_absolute_url(), HTTP_HOST="one.example")
    other = Client().get(group.get_absolute_url(), HTTP_HOST="two.example")
    assert (first[HIT_HEADER], again[HIT_HEADER]) == ("miss", "hit")
    assert other[HIT_HEADER] == "miss"
