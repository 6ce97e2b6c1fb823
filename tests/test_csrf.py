"""CSRF on every POST route, and forms submitted twice creating one object.

The POST routes come from the access matrix (tests/test_access_matrix.py), which must classify
every URL pattern: each route where some role's POST does real work is posted as that role
with CSRF checks on, once without a token (403, the calm CSRF page) and once with a valid one
(the matrix's answer, never 403).
"""

import pytest
from django.conf import settings
from django.db import transaction
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.models import Claim
from groups.models import ContactMessage, Report, SupportGroup
from tests.posts import listing_post
from tests.test_access_matrix import (
    ADMIN_MODELS,
    LOGIN,
    MATRIX,
    ROLES,
    admin_route_name,
    admin_rows,
    build_world,
    routes_by_key,
    variants,
)

pytestmark = pytest.mark.django_db

NOT_WORK = {405, 403, 404, LOGIN}


def post_cases():
    """(route key, row, role): for each route and row, the first role whose POST does work."""
    cases = []
    rows = [(key, row) for key, entry in MATRIX.items() for row in variants(entry)]
    for model_key in ADMIN_MODELS:
        rows += [(admin_route_name(model_key, v), r) for v, r in admin_rows(model_key).items()]
    for key, row in rows:
        for role in ROLES:
            if set(row.post[role]) - NOT_WORK:
                cases.append((key, row, role))
                break
    return cases


CASES = post_cases()


@pytest.fixture
def world():
    return build_world()


def csrf_client(world, role):
    """A client with CSRF checks on, logged in as `role`, holding a valid CSRF cookie."""
    client = Client(enforce_csrf_checks=True)
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    request = RequestFactory().get("/")
    token = get_token(request)
    client.cookies[settings.CSRF_COOKIE_NAME] = request.META["CSRF_COOKIE"]
    return client, token


def test_there_are_post_routes_to_check():
    keys = {key for key, _, _ in CASES}
    for expected in ("account_login", "groups:report", "groups:contact", "accounts:edit"):
        assert expected in keys
    assert len(CASES) >= 30


@pytest.mark.parametrize(
    ("key", "row", "role"), CASES, ids=[f"{k}-{r}-{i}" for i, (k, _, r) in enumerate(CASES)]
)
def test_post_without_a_csrf_token_is_refused_and_with_one_is_accepted(world, key, row, role):
    url = row.url(routes_by_key()[key], world)
    client, token = csrf_client(world, role)
    with transaction.atomic():
        refused = client.post(url, {})
        transaction.set_rollback(True)
    assert refused.status_code == 403, f"{url} as {role} without a token"
    with transaction.atomic():
        accepted = client.post(url, {"csrfmiddlewaretoken": token})
        transaction.set_rollback(True)
    # With a token the post is no longer empty (an admin delete then deletes, say), so only
    # "not refused" is asserted here; the matrix pins the statuses.
    assert accepted.status_code != 403, f"{url} as {role} with a token"
    assert accepted.status_code < 500


def test_the_csrf_failure_page_is_calm_and_keeps_nothing_secret(world):
    reports_before = Report.objects.count()
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/groups/{world.group.slug}/report/", {"reason": "other"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "/help-now/" in html  # the crisis link, as on every page
    assert "Traceback" not in html and "CSRF verification failed. Request aborted." not in html
    assert Report.objects.count() == reports_before


# --- The same form submitted twice --------------------------------------------------------------


def test_a_report_submitted_twice_is_saved_once(client, world):
    data = {"reason": "wrong_time_or_place", "details": "It moved to Fridays.", "homepage": ""}
    first = client.post(f"/groups/{world.group.slug}/report/", data)
    second = client.post(f"/groups/{world.group.slug}/report/", data)
    assert first.status_code == second.status_code == 302
    assert Report.objects.filter(details="It moved to Fridays.").count() == 1


def test_a_message_submitted_twice_is_relayed_once(client, world):
    data = {"sender_name": "Sam", "reply_to": "", "body": "Is there room?", "homepage": ""}
    first = client.post(f"/groups/{world.group.slug}/contact/", data)
    second = client.post(f"/groups/{world.group.slug}/contact/", data)
    assert first.status_code == second.status_code == 302
    assert ContactMessage.objects.filter(body="Is there room?").count() == 1


def test_a_claim_submitted_twice_is_one_claim(client, world):
    client.force_login(world.other)
    data = {"role": "Facilitator", "evidence": "Ask Sam at the centre", "message": ""}
    first = client.post(f"/organizer/groups/{world.unowned.slug}/claim/", data)
    second = client.post(f"/organizer/groups/{world.unowned.slug}/claim/", data)
    assert first.status_code == second.status_code == 302
    assert Claim.objects.filter(user=world.other, group=world.unowned).count() == 1


def test_a_new_group_submitted_twice_is_one_listing(client, world):
    client.force_login(world.other)
    data = {
        **listing_post(world.group),
        "name": "Twice Submitted Group",
        "meetings-TOTAL_FORMS": "1",
        "meetings-INITIAL_FORMS": "0",
        "meetings-0-frequency": "weekly",
        "meetings-0-weekday": "2",
        "meetings-0-start_time": "18:00",
        "meetings-0-end_time": "19:30",
        "meetings-0-timezone": "Europe/London",
    }
    data = {k: v for k, v in data.items() if k != "meetings-0-id"}
    first = client.post("/organizer/groups/new/", data)
    second = client.post("/organizer/groups/new/", data)
    assert first.status_code == 302
    assert second.status_code in (200, 302)
    assert SupportGroup.objects.filter(name="Twice Submitted Group").count() == 1


def test_still_meeting_clicked_twice_confirms_once(client, world):
    group = world.group
    SupportGroup.objects.filter(pk=group.pk).update(last_confirmed=None)
    client.force_login(world.owner)
    history_before = group.history.count()
    today = timezone.localdate()
    first = client.post(f"/organizer/groups/{group.slug}/still-meeting/")
    second = client.post(f"/organizer/groups/{group.slug}/still-meeting/")
    assert first.status_code == second.status_code == 302
    group.refresh_from_db()
    assert group.last_confirmed in {today, timezone.localdate()}  # the clicks may cross midnight
    assert group.history.count() - history_before <= 1
