"""In a real browser, the home page, the directory and a group page request nothing from any
host but our own: no fonts, CDNs or analytics (every request Chromium makes is recorded)."""

from urllib.parse import urlsplit

import pytest

from tests.factories import make_meeting, make_region, make_support_group, make_type

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_list_and_group_pages_only_contact_the_site_itself(live_server, page):
    group_type = make_type(name="Hearing voices", slug="hearing-voices")
    region = make_region(name="Lothians", slug="lothians")
    group = make_support_group(
        name="Browser Group",
        slug="browser-group",
        types=[group_type],
        region=region,
        website="https://elsewhere.example/",  # a plain link: shown, never fetched
    )
    make_meeting(group)

    requested = []
    page.on("request", lambda request: requested.append(request.url))
    own = urlsplit(live_server.url).netloc
    for path in (
        "/",
        "/groups/",
        "/groups/?q=voices&type=hearing-voices",
        group.get_absolute_url(),
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")

    assert any(urlsplit(u).path.endswith(".css") for u in requested), "the stylesheet loaded"
    foreign = [
        u
        for u in requested
        if urlsplit(u).scheme not in ("data", "blob", "about") and urlsplit(u).netloc != own
    ]
    assert foreign == []
