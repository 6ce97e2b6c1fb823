"""Privacy: hidden contact details and account emails never reach a public response, and no
public page makes the visitor's browser contact another site.

The public pages are not listed by hand: every route the access matrix
(tests/test_access_matrix.py, which must classify every URL pattern) lets an anonymous visitor
GET with a 200 is rendered and scanned, so a page added tomorrow is scanned tomorrow.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings

from groups.models import ContactMessage, Report
from tests.pagescan import body_of, scan
from tests.test_access_matrix import (
    MATRIX,
    build_world,
    routes_by_key,
    variants,
)

pytestmark = pytest.mark.django_db

HIDDEN_EMAIL = "private-organizer@example.net"
HIDDEN_PHONE = "+44 7700 900123"
REPORTER_EMAIL = "reporter-secret@example.com"
REPLY_TO = "visitor-secret@example.com"
# Extra pages that are not a route of their own: searches, filters, the 404 page.
EXTRA_PAGES = [
    "/groups/?q=voices",
    "/groups/?q=leith&attendance=online&type=hearing-voices&region=lothians",
    "/groups/calendar.ics?q=voices",
    "/groups/no-such-listing/",
    "/no-such-page/",
    "/groups/leith-voices/?back=q%3Dgroup",
]


@pytest.fixture
def private_world():
    world = build_world()
    group = world.group
    group.phone = HIDDEN_PHONE
    group.phone_public = False
    group.email = HIDDEN_EMAIL
    group.email_public = False
    group.contact_name = "Hidden Person"
    group.contact_name_public = False
    group.save()
    for other in (world.unowned, world.pending):
        other.email, other.phone = f"x-{other.slug}@example.net", "+1 555 0100 999"
        other.email_public = other.phone_public = False
        other.save()
    Report.objects.create(
        group=group, reason="other", details="moved", reporter_email=REPORTER_EMAIL
    )
    ContactMessage.objects.create(group=group, body="hello", reply_to=REPLY_TO)
    return world


def secrets_of(world):
    from django.contrib.auth import get_user_model

    emails = set(get_user_model().objects.values_list("email", flat=True))
    emails |= {HIDDEN_EMAIL, REPORTER_EMAIL, REPLY_TO}
    emails |= {f"x-{g.slug}@example.net" for g in (world.unowned, world.pending)}
    phones = {HIDDEN_PHONE, "+1 555 0100 999"}
    return emails, phones


def digits(text):
    return re.sub(r"\D", "", text)


def public_urls(world):
    """Every URL the matrix says an anonymous visitor may GET with a 200, plus EXTRA_PAGES."""
    routes = routes_by_key()
    urls = []
    for key, entry in MATRIX.items():
        if key.startswith("admin:") or key not in routes:
            continue
        for row in variants(entry):
            if 200 in row.get["anonymous"]:
                urls.append(row.url(routes[key], world))
    return sorted(set(urls)) + EXTRA_PAGES


def test_no_hidden_contact_or_account_email_appears_on_any_public_page(client, private_world):
    emails, phones = secrets_of(private_world)
    phone_digits = {digits(p) for p in phones}
    scanned, leaks = 0, []
    for url in public_urls(private_world):
        response = client.get(url)
        assert response.status_code < 500, url
        body = body_of(response)
        scanned += 1
        lowered = body.lower()
        leaks += [f"{url}: {e}" for e in emails if e.lower() in lowered]
        # Phone numbers in any formatting: compare digit runs.
        body_digits = {digits(run) for run in re.findall(r"[\d][\d ()+.\-]{6,}\d", body)}
        leaks += [f"{url}: phone {p}" for p in phone_digits if p in body_digits]
        # Headers too (Content-Disposition, Link, ...).
        for name, value in response.items():
            leaks += [f"{url}: header {name}" for e in emails if e.lower() in value.lower()]
    assert leaks == []
    assert scanned >= 25, f"only {scanned} public pages scanned"


def test_public_contacts_do_appear_when_the_organizer_publishes_them(client, private_world):
    """The scan above is meaningful: the same page shows the details once they are public."""
    group = private_world.group
    group.email_public = group.phone_public = True
    group.save()
    html = client.get(group.get_absolute_url()).content.decode()
    assert HIDDEN_EMAIL in html
    assert digits(HIDDEN_PHONE) in {digits(r) for r in re.findall(r"[\d][\d ()+.\-]{6,}\d", html)}


# --- No requests to other sites -------------------------------------------------------------------

FETCHING_LINK_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "preload",
    "prefetch",
    "modulepreload",
    "manifest",
    "dns-prefetch",
    "preconnect",
    "mask-icon",
}
FETCHING_TAGS = {"script", "img", "iframe", "source", "video", "audio", "embed", "object", "track"}
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.I)


def off_site(url):
    """True for a URL that would make the browser contact another host."""
    url = url.strip()
    if url.startswith("//"):
        return True
    parts = urlsplit(url)
    if parts.scheme in ("", "data") and not parts.netloc:
        return False
    own = {"testserver", urlsplit(django_settings.SITE_URL).hostname}
    return parts.hostname not in own


class ResourceScan:
    """Every URL a page makes the browser fetch by itself (plain <a> links are fine)."""

    def __init__(self, html):
        from html.parser import HTMLParser

        self.fetched = []
        self.styles = []
        outer = self

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):
                attrs = dict(attrs)
                if attrs.get("style"):
                    outer.styles.append(attrs["style"])
                if tag == "link":
                    rels = set((attrs.get("rel") or "").lower().split())
                    if rels & FETCHING_LINK_RELS and attrs.get("href"):
                        outer.fetched.append(("link", attrs["href"]))
                if tag in FETCHING_TAGS:
                    for name in ("src", "data", "poster"):
                        if attrs.get(name):
                            outer.fetched.append((tag, attrs[name]))
                    for part in (attrs.get("srcset") or "").split(","):
                        if part.strip():
                            outer.fetched.append((tag, part.split()[0]))
                if tag == "form" and attrs.get("action"):
                    outer.fetched.append(("form", attrs["action"]))
                if tag in ("button", "input") and attrs.get("formaction"):
                    outer.fetched.append((tag, attrs["formaction"]))
                if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
                    target = (attrs.get("content") or "").partition("url=")[2]
                    if target:
                        outer.fetched.append(("meta", target))

        parser = Parser()
        parser.feed(html)
        parser.close()
        self.styles += scan(html).styles
        for css in self.styles:
            self.fetched += [("style", u) for u in CSS_URL.findall(css)]


def test_no_public_page_makes_the_browser_contact_another_site(client, private_world):
    offenders = []
    pages = 0
    for url in public_urls(private_world):
        response = client.get(url)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages += 1
        found = ResourceScan(body_of(response)).fetched
        offenders += [f"{url}: <{tag}> {u}" for tag, u in found if off_site(u)]
    assert offenders == []
    assert pages >= 15


def test_the_stylesheets_and_scripts_load_nothing_from_other_sites():
    static = Path(django_settings.BASE_DIR) / "static"
    offenders = []
    for path in [*static.rglob("*.css"), *static.rglob("*.js")]:
        text = path.read_text(errors="replace")
        if path.suffix == ".css":
            offenders += [f"{path.name}: {u}" for u in CSS_URL.findall(text) if off_site(u)]
        else:
            # fetch()/XMLHttpRequest/import of an absolute URL to another host.
            for match in re.findall(r"""["'`](https?:)?//[^"'`\s]+""", text):
                offenders.append(f"{path.name}: {match}")
    assert offenders == []


def test_the_off_site_check_recognises_external_resources():
    html = (
        '<link rel="stylesheet" href="https://cdn.example/x.css">'
        '<link rel="canonical" href="https://elsewhere.example/">'
        '<script src="//cdn.example/x.js"></script><img src="/static/a.png">'
        '<div style="background: url(https://img.example/a.png)"></div>'
        '<a href="https://elsewhere.example/">a link is fine</a>'
    )
    found = [u for _, u in ResourceScan(html).fetched if off_site(u)]
    assert found == [
        "https://cdn.example/x.css",
        "//cdn.example/x.js",
        "https://img.example/a.png",
    ]


# --- Flash messages travel in a cookie: they name no address -----------------------------------


def messages_in_cookie(response):
    """The flash messages a response stores in the `messages` cookie: signed, not encrypted,
    so anyone who sees the cookie (a proxy's log, the browser's profile) can read them."""
    from django.contrib.messages.storage.cookie import MessageSerializer
    from django.core import signing

    morsel = response.cookies.get("messages")
    if morsel is None or not morsel.value:
        return []
    signer = signing.get_cookie_signer(salt="django.contrib.messages")
    return [str(m) for m in signer.unsign_object(morsel.value, serializer=MessageSerializer)]


def test_no_flash_message_puts_an_address_in_the_messages_cookie(client, mailoutbox):
    from django.urls import reverse

    from tests.factories import PASSWORD, make_user

    make_user(email="jo.private@example.org", password=PASSWORD)
    seen = []
    # Sign up (a confirmation mail sent), sign in, add an address and confirm it.
    signup = client.post(
        reverse("account_signup"),
        {"email": "new.person@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    seen += messages_in_cookie(signup)
    client.cookies.pop("messages", None)
    login = client.post(
        reverse("account_login"), {"login": "jo.private@example.org", "password": PASSWORD}
    )
    seen += messages_in_cookie(login)
    added = client.post(
        reverse("account_email"), {"action_add": "", "email": "jo.other@example.org"}
    )
    seen += messages_in_cookie(added)
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mailoutbox[-1].body)
    confirmed = client.post(link.group(1))
    seen += messages_in_cookie(confirmed)
    assert len(seen) >= 4, seen  # every step above left a message
    assert "You are signed in." in seen
    assert not [m for m in seen if "@" in m or "example.org" in m], seen
