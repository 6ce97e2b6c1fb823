"""Generated input (Hypothesis) against the directory and every form: never a 5xx, never markup
echoed unescaped, never a half-saved form.

Reproducible in CI: the "ci" Hypothesis profile (tests/conftest.py) is derandomized. Example
counts come from the environment so a developer can run more (or fewer):
FUZZ_QUERY_EXAMPLES (default 2000 query strings in total over the GET targets) and
FUZZ_FORM_EXAMPLES (default 200 per form). HYPOTHESIS_PROFILE=dev explores new inputs.

Each test sets up its small dataset once (function-scoped fixtures are shared by all the
examples of one test); every form example runs in a savepoint that is rolled back, with the
cache cleared, so rate limits and double-submit guards see each example as a fresh visitor.
"""

import json
import os
import re
from urllib.parse import quote, quote_from_bytes

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Claim
from groups.models import ContactMessage, Meeting, Report, SupportGroup
from tests.factories import (
    make_audience,
    make_language,
    make_meeting,
    make_organization,
    make_region,
    make_support_group,
    make_type,
    make_user,
)
from tests.pagescan import body_of
from tests.posts import MEETING_FIELDS, listing_post

QUERY_EXAMPLES = int(os.environ.get("FUZZ_QUERY_EXAMPLES", "2000"))
FORM_EXAMPLES = int(os.environ.get("FUZZ_FORM_EXAMPLES", "200"))

# --- Strategies ---------------------------------------------------------------------------------

SQL = ["' OR 1=1 --", '" OR ""="', "1; DROP TABLE groups_supportgroup; --", "' UNION SELECT 1--"]
TEMPLATE = [
    "zz{{7*7}}zz",
    "zz{{ 1234567|add:1 }}zz",
    "{% debug %}",
    "{{ settings.SECRET_KEY }}",
    "${7*7}",
    "#{7*7}",
    "{% load log %}{% get_admin_log 10 as log %}",
]
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</script><script>alert(1)</script>",
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "</title><script>alert(1)</script>",
]
# Values the directory knows, so generated queries also reach the filtered code paths.
KNOWN = [
    "hearing-voices",
    "lothians",
    "family",
    "en",
    "online",
    "in_person",
    "mon",
    "thu",
    "evening",
    "morning",
    "relevance",
    "next",
    "name",
    "updated",
    "Europe/London",
    "America/Los_Angeles",
    "Mars/Olympus_Mons",
    "-1",
    "0",
    "2",
    "99999999999999999999",
    "1e9",
    "NaN",
    "/groups/?q=x",
    "//evil.example/",
    "https://evil.example/",
    "../../etc/passwd",
]
PAYLOADS = SQL + TEMPLATE + MARKUP
KEYS = [
    "q",
    "type",
    "attendance",
    "region",
    "day",
    "time",
    "audience",
    "language",
    "sort",
    "page",
    "tz",
    "back",
    "partial",
    "format",
]

huge = st.sampled_from(["A", "<", "é", "'", "\x00", "𝔘"]).map(lambda c: c * 100_000)
text_values = st.one_of(
    st.sampled_from(PAYLOADS + KNOWN),
    st.text(max_size=40),  # any unicode, control characters and NUL included
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Zs", "Sm", "Po"])),
    st.lists(st.sampled_from(PAYLOADS + KNOWN), min_size=2, max_size=4).map(" ".join),
    huge,
)
# Raw bytes, percent-encoded: invalid UTF-8, lone surrogates (ED A0 80), overlong forms, NULs.
byte_values = st.one_of(
    st.binary(max_size=30),
    st.sampled_from([b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xc0\xaf", b"\xff\xfe", b"\x00", b"%"]),
)


@st.composite
def query_strings(draw):
    """(query string, the decoded values it carries) with repeated keys and odd encodings."""
    pairs, values = [], []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        key = draw(st.one_of(st.sampled_from(KEYS), st.text(max_size=10)))
        if draw(st.booleans()):
            value = draw(text_values)
            values.append(value)
            encoded = quote(value, safe="")
        else:
            encoded = quote_from_bytes(draw(byte_values), safe="")
        pairs.append(f"{quote(key, safe='')}={encoded}")
    if draw(st.integers(0, 9)) == 0:  # the same key many times over
        pairs += [f"type={quote(draw(st.sampled_from(KNOWN)))}"] * draw(st.integers(2, 300))
    if draw(st.integers(0, 9)) == 0:  # unencoded printable ASCII, as a careless client sends
        raw = draw(st.sampled_from(PAYLOADS)).replace("&", "").replace("#", "")
        pairs.append("q=" + raw)
        values.append(raw)
    return "&".join(pairs), values


# --- Checking a response -------------------------------------------------------------------------


def assert_no_unescaped_echo(body, values, content_type):
    """Markup we sent never comes back as markup; template syntax is never evaluated."""
    # The payloads as markup (escaped, "onerror=alert(1)" inside an attribute value is inert).
    assert "<script>alert(1)" not in body
    assert "<img src=x onerror" not in body
    assert "<svg onload" not in body
    assert "zz49zz" not in body
    assert "zz1234568zz" not in body
    assert "sql_queries" not in body  # what {% debug %} would print
    assert django_settings.SECRET_KEY not in body
    if not content_type.startswith("text/html"):
        return  # JSON and iCalendar carry text, not markup; checked by their parsers below
    for value in values:
        for candidate in {value, value.strip(), value.strip()[:200]}:
            if len(candidate) >= 16 and re.search(r"<[A-Za-z/!]", candidate):
                assert candidate not in body, f"echoed unescaped: {candidate[:80]!r}"


def assert_well_formed(response, body):
    content_type = response.get("Content-Type", "")
    if response.status_code != 200:
        return
    if content_type.startswith("application/json") or content_type.startswith("application/ld"):
        json.loads(body)
    elif content_type.startswith("text/calendar"):
        import icalendar

        icalendar.Calendar.from_ical(body)


# --- The directory ---------------------------------------------------------------------------------


@pytest.fixture
def directory(db):
    region = make_region(name="Lothians", slug="lothians")
    voices = make_type(name="Hearing voices", slug="hearing-voices", synonyms="voices")
    audience = make_audience(name="Family", slug="family")
    language = make_language()
    org = make_organization(name="Host", slug="host")
    groups = []
    for i, attendance in enumerate(["online", "in_person", "hybrid"]):
        group = make_support_group(
            name=f"Fuzz group {i}",
            slug=f"fuzz-group-{i}",
            types=[voices],
            audiences=[audience],
            languages=[language],
            region=region,
            host=org,
            attendance=attendance,
        )
        make_meeting(group, weekday=i + 1)
        groups.append(group)
    return groups


# Where the FUZZ_QUERY_EXAMPLES go: the directory itself gets the largest share. One test per
# target, so xdist can spread them over its workers.
TARGET_SHARES = {
    "/groups/": 0.40,
    "/groups/calendar.ics": 0.15,
    "/": 0.10,
    "/api/meeting-guide.json": 0.10,
    "/api/hsds.json": 0.10,
    "/groups/fuzz-group-0/": 0.10,
    "/regions/lothians/": 0.05,
}


@pytest.mark.django_db
@pytest.mark.parametrize("target", list(TARGET_SHARES))
def test_directory_query_strings_never_fail_or_echo_markup(client, directory, target):
    @settings(max_examples=max(round(QUERY_EXAMPLES * TARGET_SHARES[target]), 10))
    @given(generated=query_strings())
    def run(generated):
        query, values = generated
        response = client.get(f"{target}?{query}")
        assert response.status_code < 500, (target, query[:300])
        body = body_of(response)
        assert_no_unescaped_echo(body, values, response.get("Content-Type", ""))
        assert_well_formed(response, body)

    run()


@pytest.mark.django_db
@settings(max_examples=max(FORM_EXAMPLES // 2, 20))
@given(header=st.one_of(st.text(max_size=60), st.sampled_from(PAYLOADS)))
def test_odd_headers_never_fail_the_directory(client, directory, header):
    """Accept-Language, Referer and X-Request-ID come from the visitor too."""
    safe = header.encode("latin-1", errors="replace").decode("latin-1")
    response = client.get(
        "/groups/?q=voices",
        HTTP_ACCEPT_LANGUAGE=safe,
        HTTP_REFERER=safe,
        HTTP_X_REQUEST_ID=safe,
        HTTP_HX_REQUEST=safe,
    )
    assert response.status_code < 500
    assert_no_unescaped_echo(body_of(response), [header], response.get("Content-Type", ""))


# --- Forms -------------------------------------------------------------------------------------------

form_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(PAYLOADS + ["", " ", "ok", "Facilitator", "person@example.org"]),
    st.text(min_size=3990, max_size=4010, alphabet="ab <"),
    st.just("x" * 100_000),
)
maybe_email = st.one_of(
    st.just(""),
    st.emails(),
    st.text(max_size=30),
    st.sampled_from(["a@b", "not an email", "x@example.org\r\nBcc: victim@example.org"]),
)


def run_isolated(callable_):
    """One example = one fresh visitor: rolled back afterwards, rate limits forgotten."""
    cache.clear()
    with transaction.atomic():
        result = callable_()
        transaction.set_rollback(True)
    return result


def assert_form_outcome(response, saved_delta, body):
    """A valid post redirects (saved once, or silently dropped as a double/robot); anything
    else shows the form again with its errors and saves nothing."""
    assert response.status_code < 500
    if response.status_code in (301, 302, 303):
        assert saved_delta in (0, 1)
    else:
        assert response.status_code in (200, 400, 409, 429), response.status_code
        assert saved_delta == 0, "a rejected form saved something"
    assert_no_unescaped_echo(body, [], response.get("Content-Type", "text/html"))


@pytest.fixture
def owned_group(directory):
    owner = make_user(email="owner@example.org")
    group = directory[0]
    group.ownerships.create(user=owner)
    group.email = "hidden@example.org"
    group.email_public = False
    group.save()
    return group, owner


@pytest.mark.django_db
@settings(max_examples=FORM_EXAMPLES)
@given(
    reason=st.one_of(st.sampled_from([c for c, _ in Report.Reason.choices]), st.text(max_size=20)),
    details=form_text,
    email=maybe_email,
    honeypot=st.sampled_from(["", "", "", "http://spam.example"]),
)
def test_report_form_saves_valid_input_or_shows_errors(
    client, owned_group, reason, details, email, honeypot
):
    group, _ = owned_group

    def post():
        before = Report.objects.count()
        response = client.post(
            f"/groups/{group.slug}/report/",
            {"reason": reason, "details": details, "reporter_email": email, "homepage": honeypot},
        )
        after = Report.objects.count()
        if honeypot:
            assert after == before
        if after > before:
            saved = Report.objects.latest("id")
            assert saved.details == details.strip()
            assert saved.reason == reason
        return response, after - before

    response, delta = run_isolated(post)
    assert_form_outcome(response, delta, body_of(response))


@pytest.mark.django_db
@settings(max_examples=FORM_EXAMPLES)
@given(name=form_text, reply_to=maybe_email, body=form_text)
def test_contact_form_saves_valid_input_or_shows_errors(client, owned_group, name, reply_to, body):
    group, _ = owned_group

    def post():
        before = ContactMessage.objects.count()
        response = client.post(
            f"/groups/{group.slug}/contact/",
            {"sender_name": name, "reply_to": reply_to, "body": body, "homepage": ""},
        )
        after = ContactMessage.objects.count()
        if after > before:
            assert ContactMessage.objects.latest("id").body == body.strip()
        return response, after - before

    response, delta = run_isolated(post)
    assert_form_outcome(response, delta, body_of(response))


@pytest.mark.django_db
@settings(max_examples=FORM_EXAMPLES)
@given(role=form_text, evidence=form_text, message=form_text)
def test_claim_form_saves_valid_input_or_shows_errors(client, directory, role, evidence, message):
    group = directory[1]  # nobody owns it
    client.force_login(_claimant())

    def post():
        before = Claim.objects.count()
        response = client.post(
            f"/organizer/groups/{group.slug}/claim/",
            {"role": role, "evidence": evidence, "message": message},
        )
        after = Claim.objects.count()
        if after > before:
            claim = Claim.objects.latest("id")
            assert (claim.role, claim.evidence) == (role.strip(), evidence.strip())
        return response, after - before

    response, delta = run_isolated(post)
    assert_form_outcome(response, delta, body_of(response))


def _claimant():
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(email="claimant@example.org").first()
    return user or make_user(email="claimant@example.org")


# The listing form: a valid baseline, some of whose fields are replaced by generated values.
LISTING_TEXT_FIELDS = [
    "name",
    "summary",
    "description",
    "service_area",
    "venue",
    "address",
    "website",
    "join_url",
    "contact_name",
    "email",
    "phone",
    "how_to_join",
    "accessibility",
]
LISTING_CHOICE_FIELDS = ["kind", "attendance", "status", "cost", "region", "host", "types"]
meeting_values = st.one_of(
    st.sampled_from(
        [
            "",
            "weekly",
            "monthly",
            "biweekly",
            "arranged",
            "0",
            "6",
            "7",
            "-1",
            "1,3",
            "5",
            "2026-02-30",
            "2026-03-01",
            "25:00",
            "17:00",
            "16:00",
            "Europe/London",
            "Not/AZone",
        ]
    ),
    form_text,
)


@st.composite
def listing_changes(draw, meeting_forms=1):
    changes = {}
    for name in draw(st.lists(st.sampled_from(LISTING_TEXT_FIELDS), max_size=4, unique=True)):
        changes[name] = draw(form_text)
    for name in draw(st.lists(st.sampled_from(LISTING_CHOICE_FIELDS), max_size=2, unique=True)):
        changes[name] = draw(st.one_of(st.text(max_size=12), st.sampled_from(["", "0", "999"])))
    for index in range(meeting_forms):
        for name in draw(st.lists(st.sampled_from(MEETING_FIELDS), max_size=4, unique=True)):
            changes[f"meetings-{index}-{name}"] = draw(meeting_values)
    if draw(st.integers(0, 7)) == 0:
        changes["meetings-TOTAL_FORMS"] = draw(st.sampled_from(["", "abc", "-1", "1000", "3"]))
    return changes


def snapshot(group_id):
    """Everything an edit could change, to prove a rejected post changed nothing."""
    group = SupportGroup.objects.get(pk=group_id)
    row = {f.attname: getattr(group, f.attname) for f in SupportGroup._meta.concrete_fields}
    row["types"] = sorted(group.types.values_list("pk", flat=True))
    row["meetings"] = sorted(
        Meeting.objects.filter(group_id=group_id).values_list(
            *[f.attname for f in Meeting._meta.concrete_fields]
        )
    )
    return row


@pytest.mark.django_db
@settings(max_examples=FORM_EXAMPLES)
@given(changes=listing_changes(meeting_forms=2))
def test_edit_form_saves_everything_or_nothing(client, owned_group, changes):
    group, owner = owned_group
    client.force_login(owner)

    def post():
        data = {**listing_post(group), **changes}
        before = snapshot(group.pk)
        response = client.post(f"/organizer/groups/{group.slug}/edit/", data)
        after = snapshot(group.pk)
        if response.status_code in (301, 302, 303):
            assert after["version"] == before["version"] + 1
        else:
            assert after == before, "a rejected edit changed the listing"
        return response

    response = run_isolated(post)
    assert response.status_code < 500
    assert_no_unescaped_echo(body_of(response), [], response.get("Content-Type", ""))


@pytest.mark.django_db
@settings(max_examples=FORM_EXAMPLES)
@given(changes=listing_changes(meeting_forms=2))
def test_new_group_form_creates_a_whole_listing_or_nothing(client, owned_group, changes):
    group, owner = owned_group
    client.force_login(owner)

    def post():
        data = listing_post(group)
        data = {k: v for k, v in data.items() if not k.startswith("meetings-")}
        data.update(
            {
                "meetings-TOTAL_FORMS": "2",
                "meetings-INITIAL_FORMS": "0",
                "meetings-MIN_NUM_FORMS": "0",
                "meetings-MAX_NUM_FORMS": "20",
                "meetings-0-frequency": "weekly",
                "meetings-0-weekday": "3",
                "meetings-0-start_time": "17:00",
                "meetings-0-end_time": "18:00",
                "meetings-0-timezone": "Europe/London",
            }
        )
        data.update(changes)
        groups_before, meetings_before = SupportGroup.objects.count(), Meeting.objects.count()
        response = client.post("/organizer/groups/new/", data)
        groups_delta = SupportGroup.objects.count() - groups_before
        meetings_delta = Meeting.objects.count() - meetings_before
        if response.status_code in (301, 302, 303):
            assert groups_delta == 1
            created = SupportGroup.objects.latest("id")
            assert created.moderation == SupportGroup.Moderation.PENDING
            assert created.meetings.count() == meetings_delta
        else:
            assert (groups_delta, meetings_delta) == (0, 0), "a rejected new group saved rows"
        return response

    response = run_isolated(post)
    assert response.status_code < 500
    assert_no_unescaped_echo(body_of(response), [], response.get("Content-Type", ""))


@pytest.mark.django_db
@settings(max_examples=FORM_EXAMPLES)
@given(email=maybe_email, password1=form_text, same=st.booleans(), password2=form_text)
def test_signup_form_creates_an_account_or_shows_errors(client, email, password1, same, password2):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects

    def post():
        before = users.count()
        response = client.post(
            "/accounts/signup/",
            {"email": email, "password1": password1, "password2": password1 if same else password2},
        )
        return response, users.count() - before

    response, delta = run_isolated(post)
    assert_form_outcome(response, delta, body_of(response))


@pytest.mark.django_db
@settings(max_examples=FORM_EXAMPLES)
@given(login=maybe_email, password=form_text, remember=st.sampled_from(["", "on", "\x00"]))
def test_login_form_never_fails(client, login, password, remember):

    def post():
        return client.post(
            "/accounts/login/", {"login": login, "password": password, "remember": remember}
        )

    response = run_isolated(post)
    assert response.status_code in (200, 302, 400, 429)
    assert_no_unescaped_echo(body_of(response), [], response.get("Content-Type", ""))
