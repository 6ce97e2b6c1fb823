"""One rate-limit mechanism (groups.ratelimit): atomic counting, per account where there is one,
per client otherwise, behind TRUSTED_PROXY_COUNT proxies; a lock-out never refuses the right
password from a client that has not failed."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from groups import ratelimit
from groups.models import Report, SupportGroup
from tests.factories import PASSWORD, make_support_group, make_user
from tests.posts import report_post, report_url

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def behind_proxy(visitor):
    """A browser at `visitor`, reaching the app through our one proxy (which appends the
    address it saw to X-Forwarded-For)."""
    return Client(REMOTE_ADDR=PROXY, headers={"x-forwarded-for": f"198.51.100.77, {visitor}"})


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def hashes(monkeypatch):
    """How many times a password was hashed (the expensive step)."""
    calls = []
    hasher = type(get_hasher())
    encode = hasher.encode
    monkeypatch.setattr(
        hasher, "encode", lambda self, *a, **kw: calls.append(1) or encode(self, *a, **kw)
    )
    return calls


def login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# The mechanism ----------------------------------------------------------------------------------


def test_consume_counts_first_and_refuses_past_the_limit():
    slots = [ratelimit.consume("t", "who", 3, 60) for _ in range(4)]
    assert [s is not None for s in slots] == [True, True, True, False]
    slots[0].release()
    assert ratelimit.consume("t", "who", 3, 60) is not None
    assert ratelimit.consume("t", "someone-else", 3, 60) is not None


def test_a_burst_across_a_window_edge_gets_no_second_allowance(monkeypatch):
    """The probe's five guesses at 10:54:59 and five more at 10:55:00: the second five are refused."""
    clock = [300 * 1000 - 1.0]  # one second before a five-minute window ends
    # Only the limiter's clock moves; the cache's expiry keeps real time.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: clock[0]))
    assert all(ratelimit.consume("edge", "who", 5, 300) for _ in range(5))
    clock[0] += 2  # the next window has begun
    assert ratelimit.consume("edge", "who", 5, 300) is None
    clock[0] += 300  # a whole quiet window later, guesses count again
    assert ratelimit.consume("edge", "who", 5, 300) is not None


def test_racers_that_all_read_the_same_count_still_get_only_the_slots_left(monkeypatch):
    """Twelve requests that each read the counter before any of them wrote (the race the
    probe hit: 12 parallel reports, 3 left, 4 through) get exactly the 3 slots left."""
    for _ in range(2):
        ratelimit.consume("race", "who", 5, 60)
    snapshot = cache.get_many(ratelimit._keys("race", "who", 5, 60))
    monkeypatch.setattr(cache, "get_many", lambda keys: dict(snapshot))
    won = [ratelimit.consume("race", "who", 5, 60) for _ in range(12)]
    assert sum(slot is not None for slot in won) == 3


# Behind the proxy the README requires -----------------------------------------------------------


def test_behind_one_proxy_each_visitor_has_their_own_report_limit(one_proxy):
    group = make_support_group()
    noisy = behind_proxy("203.0.113.1")
    for n in range(6):
        noisy.post(report_url(group), report_post(details=f"report {n}"))
    assert noisy.post(report_url(group), report_post(details="more")).status_code == 429
    other = behind_proxy("203.0.113.2")
    assert other.post(report_url(group), report_post(details="hello")).status_code == 302
    assert Report.objects.count() == 6


def test_behind_one_proxy_one_visitor_cannot_block_everyones_logins(one_proxy):
    make_user(email="owner@example.org")
    attacker = behind_proxy("203.0.113.1")
    for _ in range(12):
        login(attacker, "someone@example.org", "wrong")
    assert "Too many" in login(attacker, "someone@example.org", "wrong").content.decode()
    owner = behind_proxy("203.0.113.2")
    login(owner, "owner@example.org", PASSWORD)
    assert "_auth_user_id" in owner.session


def test_allauth_sees_the_same_client_address_as_our_limits(one_proxy, rf):
    from allauth.account.adapter import get_adapter

    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    assert get_adapter().get_client_ip(request) == "203.0.113.5"
    assert ratelimit.client_ip(request) == "203.0.113.5"


def test_without_the_setting_forwarded_addresses_are_ignored(rf):
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert ratelimit.client_ip(request) == PROXY


# Lock-outs -------------------------------------------------------------------------------------


def test_wrong_guesses_from_elsewhere_never_lock_the_owner_out(one_proxy):
    make_user(email="owner@example.org")
    attacker = behind_proxy("203.0.113.1")
    for _ in range(5):
        login(attacker, "owner@example.org", "wrong")
    assert "_auth_user_id" not in attacker.session
    owner = behind_proxy("203.0.113.2")
    login(owner, "owner@example.org", PASSWORD)
    assert "_auth_user_id" in owner.session


def test_the_guessing_client_is_refused_even_with_the_right_password(one_proxy):
    make_user(email="owner@example.org")
    attacker = behind_proxy("203.0.113.1")
    for _ in range(5):
        login(attacker, "owner@example.org", "wrong")
    response = login(attacker, "owner@example.org", PASSWORD)
    assert "Too many" in response.content.decode()
    assert "_auth_user_id" not in attacker.session


def test_right_passwords_do_not_count_towards_a_lock_out(client):
    user = make_user(email="owner@example.org")
    for _ in range(8):
        login(client, user.email, PASSWORD)
        client.logout()
    login(client, user.email, PASSWORD)
    assert "_auth_user_id" in client.session


def test_a_failed_login_hashes_the_password_once(client, hashes):
    make_user(email="owner@example.org")
    hashes.clear()
    login(client, "owner@example.org", "wrong")
    assert len(hashes) == 1


# Deleting an account asks for the password: counted like a login --------------------------------


def test_delete_account_password_guesses_are_limited_before_any_hashing(client, hashes):
    user = make_user(email="owner@example.org")
    client.force_login(user)
    url = reverse("accounts:delete_account")
    for _ in range(5):
        assert client.post(url, {"password": "wrong"}).status_code == 200
    hashes.clear()
    response = client.post(url, {"password": PASSWORD})
    assert response.status_code == 429
    assert "Please wait a few minutes" in response.content.decode()
    assert hashes == []  # refused without checking
    user.refresh_from_db()
    assert user.is_active


def test_delete_account_with_the_right_password_still_works(client):
    user = make_user(email="owner@example.org")
    client.force_login(user)
    response = client.post(reverse("accounts:delete_account"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not type(user).objects.filter(pk=user.pk).exists()


# Sign-up does not tell who has an account --------------------------------------------------------


def test_signup_does_the_same_work_for_a_known_address_as_for_a_new_one(client, hashes):
    make_user(email="known@example.org")
    data = {
        "password1": "a long unusual passphrase 42",
        "password2": "a long unusual passphrase 42",
    }
    hashes.clear()
    new = client.post(reverse("account_signup"), {**data, "email": "new@example.org"})
    for_new = len(hashes)
    hashes.clear()
    known = Client().post(reverse("account_signup"), {**data, "email": "known@example.org"})
    assert for_new >= 1
    assert len(hashes) == for_new
    assert (new.status_code, new["Location"]) == (known.status_code, known["Location"])


# Invitations -----------------------------------------------------------------------------------


def test_invitations_are_limited_per_account_per_day(client):
    owner = make_user()
    group = make_support_group(owners=[owner])
    client.force_login(owner)
    url = reverse("accounts:invite", args=[group.slug])
    statuses = [
        client.post(url, {"email": f"stranger{n}@example.org"}).status_code for n in range(12)
    ]
    assert statuses == [302] * 5 + [429] * 7
    assert group.invitations.count() == 5


def test_a_listing_nobody_has_published_cannot_send_invitations(client):
    owner = make_user()
    group = make_support_group(owners=[owner], moderation=SupportGroup.Moderation.PENDING)
    client.force_login(owner)
    url = reverse("accounts:invite", args=[group.slug])
    assert 'name="email"' not in client.get(url).content.decode()
    assert client.post(url, {"email": "stranger@example.org"}).status_code == 403
    assert group.invitations.count() == 0


def test_invitation_subject_is_plain_text_not_html_escaped(
    client, django_capture_on_commit_callbacks
):
    owner = make_user()
    group = make_support_group(name='Tom & Jerry "Friends" <group>', owners=[owner])
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:invite", args=[group.slug]), {"email": "a@example.org"})
    (message,) = mail.outbox
    assert 'Tom & Jerry "Friends" <group>' in message.subject
    assert "&quot;" not in message.subject and "&amp;" not in message.subject


# Password reset mail ---------------------------------------------------------------------------


def test_password_reset_for_an_unknown_address_sends_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_mails_to_one_address_are_limited(client):
    make_user(email="owner@example.org")
    for n in range(6):
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(
            reverse("account_reset_password"), {"email": "owner@example.org"}
        )
    assert len(mail.outbox) == 3


# The setting -----------------------------------------------------------------------------------


def test_trusted_proxy_count_comes_from_the_environment_for_ours_and_allauths(tmp_path):
    from tests.processes import run_python

    code = (
        "from peerdir import settings as s; "
        "print(s.TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_PROXY_COUNT, s.ACCOUNT_ADAPTER)"
    )
    result = run_python(code, tmp_path, TRUSTED_PROXY_COUNT="1")
    assert result.stdout.split() == ["1", "1", "accounts.adapters.AccountAdapter"], result.stderr
    assert run_python(code, tmp_path).stdout.split()[:2] == ["0", "0"]


@pytest.mark.parametrize("value", ["one", "-1", "1.5"])
def test_a_bad_trusted_proxy_count_stops_start_up_with_a_clear_message(tmp_path, value):
    from tests.processes import import_settings

    result = import_settings(tmp_path, TRUSTED_PROXY_COUNT=value)
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be a whole number" in result.stderr


def test_a_proxy_without_the_setting_is_reported_in_the_log(rf, caplog):
    ratelimit._warn_once_about_proxies.cache_clear()
    ratelimit.client_ip(rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5"))
    ratelimit.client_ip(rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.6"))
    warnings = [r for r in caplog.records if "TRUSTED_PROXY_COUNT is 0" in r.getMessage()]
    assert len(warnings) == 1


# Searches -----------------------------------------------------------------------------------------


@pytest.fixture
def search_limit(settings, production_settings):
    """Production's search limit (the other tests search without one), with this process's
    counts forgotten: they live in memory, which no test's database rollback clears."""
    from django.core.cache import caches

    caches["local"].clear()
    settings.SEARCH_LIMIT = production_settings["SEARCH_LIMIT"]
    assert settings.SEARCH_LIMIT > 0
    return settings.SEARCH_LIMIT


def search(client, words, **params):
    return client.get(reverse("groups:list"), {"q": words, **params})


def test_a_person_searching_and_filtering_fast_never_meets_the_search_limit(client, search_limit):
    make_support_group(name="Leith Voices")
    # Twenty searches and filter changes within a few seconds: far faster than anyone reads.
    for n in range(20):
        response = search(client, f"voices {n}", attendance="online" if n % 2 else "")
        assert response.status_code == 200, n
    assert client.get(reverse("groups:list")).status_code == 200


def test_a_script_searching_gets_the_calm_page_and_its_words_are_echoed_nowhere(
    client, search_limit, caplog
):
    make_support_group(name="Leith Voices")
    for n in range(search_limit):
        assert search(client, f"probe {n}").status_code == 200
    refused = search(client, "scriptedsecretword")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "20"
    html = refused.content.decode()
    assert "Please wait a moment" in html
    assert "scriptedsecretword" not in html
    assert "scriptedsecretword" not in caplog.text
    # The calendar of a search is a search too; the directory without words is not.
    calendar = client.get(reverse("groups:search_calendar"), {"q": "another"})
    assert calendar.status_code == 429
    assert client.get(reverse("groups:list")).status_code == 200
    assert search(client, "  ").status_code == 200  # no words: nothing to search
    # Someone else, elsewhere, is not held back.
    assert search(Client(REMOTE_ADDR="203.0.113.9"), "voices").status_code == 200


def test_the_search_limit_counts_each_visitor_behind_the_proxy(search_limit, one_proxy):
    script = behind_proxy("203.0.113.20")
    for n in range(search_limit):
        assert search(script, f"probe {n}").status_code == 200
    assert search(script, "one more").status_code == 429
    # The script inventing an X-Forwarded-For of its own changes only the entries we ignore.
    spoofed = Client(
        REMOTE_ADDR=PROXY, headers={"x-forwarded-for": "192.0.2.1, 198.51.100.77, 203.0.113.20"}
    )
    assert search(spoofed, "one more").status_code == 429
    # Another person behind the same proxy searches on.
    assert search(behind_proxy("203.0.113.21"), "voices").status_code == 200


def test_the_bench_turns_the_search_limit_off_and_the_page_cache_header_on():
    # wrk sends thousands of searches a minute from 127.0.0.1; measure.py counts kept pages by
    # X-Page-Cache. Both are production defaults the bench must override, explicitly.
    from pathlib import Path

    run_sh = (Path(__file__).resolve().parent.parent / "bench" / "run.sh").read_text()
    assert "\nexport SEARCH_LIMIT=0\n" in run_sh
    assert "\nexport PAGE_CACHE_HEADER=1\n" in run_sh


def test_an_ipv6_client_is_counted_by_its_64_so_stepping_through_it_does_not_help(one_proxy):
    # A /64 is one home, phone or server; the probe sent 12 messages from one where 5 is the limit.
    group = make_support_group()
    statuses = [
        behind_proxy(f"2001:db8:1:2::{n:x}")
        .post(report_url(group), report_post(details=f"Report {n}"))
        .status_code
        for n in range(7)
    ]
    assert statuses.count(302) == 5 and statuses[-1] == 429, statuses
    # The next /64 is someone else.
    assert behind_proxy("2001:db8:1:3::1").post(report_url(group), report_post()).status_code == 302


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", True),
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("::ffff:203.0.113.5", "203.0.113.5", True),
        ("203.0.113.5", "203.0.113.6", False),
    ],
)
def test_clients_are_told_apart_by_the_network_they_control(one, other, same):
    assert (ratelimit.client_network(one) == ratelimit.client_network(other)) is same
