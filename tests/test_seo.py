import re

import pytest

from tests.factories import make_organization, make_region_tree, make_support_group, make_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    regions = make_region_tree()
    hv = make_type("Hearing Voices", slug="hearing-voices")
    make_type("Unused Type", slug="unused")
    org = make_organization("Voices Network", slug="voices-network")
    make_organization("Empty Org", slug="empty-org")
    published = make_support_group(
        "Public Group", slug="public-group", types=[hv], host=org, region=regions["scotland"]
    )
    make_support_group("Pending Group", slug="pending-group", moderation="pending", types=[hv])
    return published


def test_sitemap_lists_published_groups_and_landing_pages_on_the_public_url(client, site):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    locs = set(re.findall(r"<loc>([^<]+)</loc>", xml))
    base = "http://127.0.0.1:8000"
    assert f"{base}/groups/public-group/" in locs
    assert f"{base}/groups/pending-group/" not in locs
    assert f"{base}/types/hearing-voices/" in locs
    assert f"{base}/types/unused/" not in locs
    assert f"{base}/regions/scotland/" in locs
    assert f"{base}/organizations/voices-network/" in locs
    assert f"{base}/organizations/empty-org/" not in locs
    assert {f"{base}/", f"{base}/groups/", f"{base}/help-now/"} <= locs


def test_robots_txt_keeps_first_match_parsers_out_of_private_areas(client):
    from urllib.robotparser import RobotFileParser

    parser = RobotFileParser()
    parser.parse(client.get("/robots.txt").content.decode().splitlines())

    for path in ("/admin/", "/accounts/login/", "/organizer/"):
        assert not parser.can_fetch("*", "http://127.0.0.1:8000" + path), path
    for path in ("/", "/groups/", "/groups/public-group/", "/api/meeting-guide.json"):
        assert parser.can_fetch("*", "http://127.0.0.1:8000" + path), path


def test_robots_txt_allows_all_but_private_areas_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for line in [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /organizer/",
        "Sitemap: http://127.0.0.1:8000/sitemap.xml",
    ]:
        assert line in text.splitlines()


@pytest.mark.parametrize(
    "path,canonical",
    [
        ("/", "/"),
        ("/groups/", "/groups/"),
        ("/groups/?sort=name&page=1", "/groups/"),
        ("/groups/public-group/", "/groups/public-group/"),
        ("/groups/public-group/?back=type%3Dx", "/groups/public-group/"),
        ("/regions/scotland/", "/regions/scotland/"),
        ("/groups/?region=scotland", "/regions/scotland/"),
        ("/types/hearing-voices/", "/types/hearing-voices/"),
        ("/organizations/voices-network/", "/organizations/voices-network/"),
    ],
)
def test_every_public_page_names_one_canonical_url(client, site, path, canonical):
    html = client.get(path).content.decode()
    assert html.count('rel="canonical"') == 1
    assert f'<link rel="canonical" href="http://127.0.0.1:8000{canonical}">' in html


def test_listing_and_landing_pages_have_their_own_meta_description(client, site):
    html = client.get("/groups/public-group/").content.decode()
    assert '<meta name="description" content="Public Group: a peer support group">' in html
    html = client.get("/regions/scotland/").content.decode()
    assert '<meta name="description" content="Groups that meet in Scotland' in html
    assert "<title>Peer support groups in Scotland · " in html


def test_search_results_are_not_indexed_but_followed(client, site):
    html = client.get("/groups/", {"q": "voices"}).content.decode()
    assert '<meta name="robots" content="noindex, follow">' in html


def test_host_page_has_structured_data_listing_its_groups(client, site):
    import json

    html = client.get("/organizations/voices-network/").content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    assert data["name"] == "Voices Network"
    assert [g["name"] for g in data["subOrganization"]] == ["Public Group"]
