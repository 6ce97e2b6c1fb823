import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_in_chromium_has_crisis_link(live_server, page):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name="Need help now?", exact=True)).to_be_visible()
    page.get_by_role("link", name="Need help now?", exact=True).click()
    expect(page.get_by_role("heading", name="Need help now?", exact=True)).to_be_visible()
