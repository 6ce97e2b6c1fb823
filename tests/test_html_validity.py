"""Every kind of page is valid HTML by the W3C Nu HTML Checker (vnu), the validator browsers' and
assistive technologies' makers test against: a stray end tag or a duplicate id is what breaks a
screen reader's reading of a page long before a visitor sees anything wrong.

The checker is a Java program from npm (`vnu-jar`): `.ci/checks/html.sh` installs it and runs
this module with VNU_JAR set. Without it these tests are skipped, unless HTML_CHECK_REQUIRED=1.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import make_meeting, make_organization, make_support_group
from tests.posts import edit_url, listing_post, report_post, report_url

pytestmark = pytest.mark.django_db


def vnu_command():
    jar = os.environ.get("VNU_JAR", "")
    java = shutil.which("java")
    if jar and Path(jar).is_file() and java:
        return [java, "-Xss1m", "-jar", jar]
    reason = "the Nu HTML Checker is not installed (run .ci/checks/html.sh, or set VNU_JAR)"
    if os.environ.get("HTML_CHECK_REQUIRED", "") in {"1", "true", "yes"}:
        pytest.fail(f"HTML_CHECK_REQUIRED=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def page(client, url, status=200, method="get", data=None):
    response = getattr(client, method)(url, data or {})
    assert response.status_code == status, f"{url}: {response.status_code}, expected {status}"
    return response.content.decode()


def public_pages(client, cast):
    org = make_organization(name="Leith Peer Centre", slug="leith-peer-centre")
    cast.listing.host = org
    cast.listing.save()
    make_meeting(cast.second_listing, weekday=3)
    online = make_support_group(
        name="Voices Online", types=[cast.group_type], join_url="https://meet.example.org/v"
    )
    make_meeting(online, weekday=4, timezone="America/New_York")
    listing_url = cast.listing.get_absolute_url()
    return {
        "home": page(client, "/"),
        "list-with-filters": page(client, "/groups/?type=hearing-voices&day=tue&time=evening"),
        "search-with-no-results": page(client, "/groups/?q=nothing+like+this+anywhere"),
        "search-in-a-place": page(client, "/groups/?q=voices+glasgow&tz=America/New_York"),
        "region-landing": page(client, cast.region.get_absolute_url()),
        "type-landing": page(client, reverse("groups:type", args=[cast.group_type.slug])),
        "group": page(client, listing_url),
        "online-group": page(client, online.get_absolute_url() + "?tz=Asia/Tokyo"),
        "organization": page(client, org.get_absolute_url()),
        "crisis": page(client, reverse("crisis")),
        "about": page(client, reverse("about")),
        "report-form": page(client, report_url(cast.listing)),
        "report-form-with-errors": page(
            client, report_url(cast.listing), method="post", data={"reason": "", "details": ""}
        ),
        "contact-form": page(client, reverse("groups:contact", args=[cast.listing.slug])),
        "not-found": page(client, "/groups/no-such-group/", status=404),
        "signup": page(client, reverse("account_signup")),
        "signup-with-errors": page(
            client, reverse("account_signup"), method="post", data={"email": "not an address"}
        ),
        "login": page(client, reverse("account_login")),
    }


def too_many_pages(client, cast):
    for n in range(6):
        client.post(report_url(cast.second_listing), report_post(details=f"report {n}"))
    report = page(
        client,
        report_url(cast.second_listing),
        status=429,
        method="post",
        data=report_post(details="one more"),
    )
    wrong = {"login": "alex@example.org", "password": "wrong"}
    for _ in range(30):
        client.post(reverse("account_login"), wrong)
    login = page(client, reverse("account_login"), status=429, method="post", data=wrong)
    return {"too-many-reports": report, "too-many-logins": login}


def organizer_pages(client, cast):
    client.force_login(cast.organizer)
    pages = {
        "dashboard": page(client, reverse("accounts:dashboard")),
        "edit-form": page(client, edit_url(cast.listing)),
        "edit-form-with-errors": page(
            client,
            edit_url(cast.listing),
            status=400,
            method="post",
            data=listing_post(cast.listing, name=""),
        ),
        "new-group-form": page(client, reverse("accounts:new_group")),
        "claim-form": page(client, reverse("accounts:claim", args=[cast.unowned_listing.slug])),
        "history": page(client, reverse("accounts:history", args=[cast.listing.slug])),
    }
    # After a save, with a table of what it changed.
    client.post(edit_url(cast.listing), listing_post(cast.listing, summary="Saved words"))
    saved = reverse("accounts:saved", args=[cast.listing.slug])
    return {**pages, "saved": page(client, f"{saved}?lists=types")}


def validate(pages, folder):
    """vnu's errors per page, read from its JSON report (one Java start for every page)."""
    for name, html in pages.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    run = subprocess.run(
        [*vnu_command(), "--errors-only", "--format", "json", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(run.stderr or run.stdout)
    errors = {}
    for message in report["messages"]:
        name = Path(message.get("url", "")).stem or "?"
        line = message.get("lastLine", "?")
        errors.setdefault(name, []).append(f"line {line}: {message['message']}")
    return errors


def test_every_kind_of_page_is_valid_html(client, cast, tmp_path):
    vnu_command()
    pages = {**public_pages(client, cast), **too_many_pages(client, cast)}
    pages.update(organizer_pages(client, cast))
    errors = validate(pages, tmp_path)
    assert not errors, "\n".join(
        f"{name}: {message}" for name, messages in errors.items() for message in messages
    )


def test_the_checker_finds_errors_when_there_are_some(tmp_path):
    """The check above cannot pass by reading the report wrong."""
    vnu_command()
    broken = "<!doctype html><html lang=en><title>x</title><p id=a>one<p id=a>two</div>"
    errors = validate({"broken": broken}, tmp_path)
    assert len(errors["broken"]) >= 2
