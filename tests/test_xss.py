"""Stored XSS: markup typed into any free-text field comes out as text, on every page that shows
it, in the calendar feed (no injected iCalendar lines), in JSON-LD (no early </script>), in the
sitemap (valid XML) and in the admin."""

import json
import xml.etree.ElementTree as ET

import icalendar
import pytest

from tests.factories import (
    make_audience,
    make_language,
    make_meeting,
    make_organization,
    make_region,
    make_superuser,
    make_support_group,
    make_type,
    make_user,
)
from tests.pagescan import scan

pytestmark = pytest.mark.django_db

# Every payload closes whatever context it lands in and then tries to run script.
LONG = (
    '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    "</script><script>alert(2)</script>'><svg onload=alert(3)>"
)
SHORT = "<script>alert(1)</script><img src=x onerror=alert(1)>"  # for 80-character fields
JS_URL = "javascript:alert(1)"
# Passes URLValidator (anything but whitespace after the host), so organizers can save it.
QUOTE_URL = 'https://example.org/?a="><script>alert(1)</script><img src=x onerror=alert(1)>'

ICS_INJECTION = "Evil\r\nBEGIN:VEVENT\r\nSUMMARY:injected\r\nEND:VEVENT\r\nX-EVIL:1"
MARKUP_SIGNS = ("<script>alert(", "<img src=x onerror", "<svg onload")


def assert_inert(html, where):
    """No payload became markup: only external or JSON-LD scripts, no handlers, no js: URLs."""
    for sign in MARKUP_SIGNS:
        assert sign not in html, f"{where}: unescaped {sign!r}"
    page = scan(html)
    assert page.handlers == [], f"{where}: event handler attributes {page.handlers}"
    for attrs, text in page.scripts:
        if attrs.get("type") == "application/ld+json":
            json.loads(text)  # a payload that closed the element early leaves broken JSON
        else:
            assert attrs.get("src") and not text.strip(), f"{where}: inline script {text[:80]!r}"
    for tag, attr, value in page.urls:
        assert (
            not value.strip().lower().startswith(("javascript:", "data:text/html", "vbscript:"))
        ), f"{where}: {tag}[{attr}]={value!r}"
    return page


@pytest.fixture
def hostile():
    """A listing, its meeting, organisation, region, type, audience and language, every text
    field holding a payload."""
    region = make_region(name=SHORT, slug="evil-region")
    group_type = make_type(name=SHORT, slug="evil-type", synonyms=LONG)
    group_type.description = LONG
    group_type.save()
    audience = make_audience(name=SHORT, slug="evil-audience")
    language = make_language(code="xx", name=SHORT)
    org = make_organization(
        name=LONG[:200], slug="evil-org", summary=LONG, website=QUOTE_URL, region=region
    )
    owner = make_user(email="owner@example.org")
    group = make_support_group(
        name=LONG[:200],
        slug="evil-group",
        summary=LONG[:200],
        description=LONG,
        types=[group_type],
        audiences=[audience],
        languages=[language],
        owners=[owner],
        region=region,
        host=org,
        service_area=SHORT,
        venue=LONG[:200],
        address=LONG[:300],
        website=QUOTE_URL,
        join_url=QUOTE_URL,
        contact_name=SHORT,
        contact_name_public=True,
        how_to_join=LONG,
        accessibility=LONG,
        source_document=SHORT,
        source_excerpt=LONG[:300],
        attendance="in_person",
    )
    make_meeting(group, notes=LONG[:300])
    from accounts.models import Claim
    from groups.audit import record
    from groups.models import ContactMessage, OwnerNotice, Report

    Report.objects.create(group=group, reason="other", details=LONG, reporter_email="r@example.org")
    ContactMessage.objects.create(group=group, sender_name=SHORT, body=LONG)
    # Failed, so the moderation queue lists it too.
    OwnerNotice.objects.create(
        group=group, decision="archived", reason=LONG, send_attempts=1, last_error=SHORT
    )
    Claim.objects.create(group=group, user=owner, role=SHORT, evidence=LONG, message=LONG)
    record(owner, "edited", group, LONG)
    injected = make_support_group(
        name=ICS_INJECTION, slug="ics-group", summary=ICS_INJECTION, types=[group_type]
    )
    make_meeting(injected, notes=ICS_INJECTION)
    return {"group": group, "owner": owner, "org": org, "region": region, "type": group_type}


PUBLIC_PAGES = [
    "/",
    "/groups/",
    "/groups/?q=script",
    "/groups/?q=alert&type=evil-type&region=evil-region&audience=evil-audience&language=xx",
    "/groups/evil-group/",
    "/regions/evil-region/",
    "/types/evil-type/",
    "/organizations/evil-org/",
    "/groups/evil-group/report/",
    "/groups/evil-group/contact/",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_payloads_in_every_text_field_come_out_escaped_on_public_pages(client, hostile, path):
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert_inert(response.content.decode(), path)


def test_the_group_page_shows_the_payloads_as_text(client, hostile):
    """So the page really rendered the fields the other tests check."""
    html = client.get("/groups/evil-group/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_url_fields_with_quotes_stay_inside_their_href(client, hostile):
    for path in ("/groups/evil-group/", "/organizations/evil-org/"):
        page = assert_inert(client.get(path).content.decode(), path)
        assert ("a", "href", QUOTE_URL) in page.urls, path


def test_javascript_urls_are_refused_by_the_organizer_form(client, hostile):
    from tests.posts import listing_post

    group = hostile["group"]
    group.website = group.join_url = "https://example.org/"
    group.save()
    client.force_login(hostile["owner"])
    for field in ("website", "join_url"):
        data = {**listing_post(group), field: JS_URL}
        response = client.post(f"/organizer/groups/{group.slug}/edit/", data)
        assert response.status_code in (200, 400)
        group.refresh_from_db()
        assert getattr(group, field) == "https://example.org/"


def test_javascript_urls_are_refused_by_the_admin(client, hostile):
    from django.contrib.admin import site
    from django.test import RequestFactory

    from groups.models import Organization

    request = RequestFactory().get("/")
    request.user = make_superuser()
    form_class = site._registry[Organization].get_form(request, hostile["org"])
    form = form_class(
        data={"name": "Org", "slug": "org-x", "website": JS_URL}, instance=hostile["org"]
    )
    assert not form.is_valid()
    assert "website" in form.errors


def test_json_ld_cannot_be_closed_by_a_payload(client, hostile):
    html = client.get("/groups/evil-group/").content.decode()
    page = scan(html)
    blocks = [text for attrs, text in page.scripts if attrs.get("type") == "application/ld+json"]
    assert blocks, "the group page has JSON-LD"
    for text in blocks:
        assert "</script" not in text.lower()
        data = json.loads(text)
        assert "<script>alert(1)</script>" in json.dumps(data, ensure_ascii=False)


def test_organizer_dashboard_and_edit_page_escape_payloads(client, hostile):
    client.force_login(hostile["owner"])
    for path in (
        "/organizer/",
        "/organizer/groups/evil-group/edit/",
        "/organizer/groups/evil-group/history/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(response.content.decode(), path)


ADMIN_PAGES = [
    "/admin/groups/supportgroup/",
    "/admin/groups/supportgroup/?q=script",
    "/admin/groups/organization/",
    "/admin/groups/region/",
    "/admin/groups/grouptype/",
    "/admin/groups/report/",
    "/admin/groups/contactmessage/",
    "/admin/groups/ownernotice/",
    "/admin/groups/auditentry/",
    "/admin/accounts/claim/",
    "/admin/moderation/",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_changelists_escape_payloads(client, hostile, path):
    client.force_login(make_superuser())
    response = client.get(path)
    if response.status_code == 404:
        pytest.skip(f"{path} is not an admin page here")
    assert response.status_code == 200
    html = response.content.decode()
    for sign in MARKUP_SIGNS:
        assert sign not in html, f"{path}: unescaped {sign!r}"
    assert scan(html).handlers == []


def test_admin_change_page_escapes_payloads(client, hostile):
    client.force_login(make_superuser())
    response = client.get(f"/admin/groups/supportgroup/{hostile['group'].pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    for sign in MARKUP_SIGNS:
        assert sign not in html
    assert scan(html).handlers == []


@pytest.mark.parametrize(
    "path", ["/groups/ics-group/calendar.ics", "/groups/calendar.ics?type=evil-type"]
)
def test_calendar_line_breaks_cannot_inject_events(client, hostile, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    calendar = icalendar.Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert len(events) >= 1
    assert all("injected" != str(e.get("SUMMARY")) for e in events)
    assert not any("X-EVIL" in e for e in events)
    # Only the feed's own events start a component (a folded line starts with a space).
    lines = body.split("\r\n")
    assert sum(line == "BEGIN:VEVENT" for line in lines) == len(events)
    for line in lines:
        assert not line.startswith(("SUMMARY:injected", "X-EVIL"))


def test_group_calendar_carries_payload_text_only_as_escaped_text(client, hostile):
    body = client.get("/groups/evil-group/calendar.ics").content.decode()
    calendar = icalendar.Calendar.from_ical(body)
    assert len(calendar.walk("VEVENT")) == 1


def test_sitemap_is_valid_xml_with_hostile_names(client, hostile):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    locations = [el.text for el in root.iter() if el.tag.endswith("loc")]
    assert any(loc.endswith("/groups/evil-group/") for loc in locations)


@pytest.mark.parametrize("path", ["/api/meeting-guide.json", "/api/hsds.json"])
def test_feeds_are_valid_json_with_hostile_text(client, hostile, path):
    response = client.get(path)
    assert response.status_code == 200
    data = json.loads(response.getvalue())
    assert "<script>alert(1)</script>" in json.dumps(data, ensure_ascii=False)
    assert response["Content-Type"].startswith("application/json")
    assert response.get("X-Content-Type-Options") == "nosniff"
