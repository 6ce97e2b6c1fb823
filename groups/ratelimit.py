"""Rate limits: one mechanism for the whole site, ours and allauth's pages alike.

Counting is atomic and comes first: `consume()` claims one of `limit` numbered slots in the
shared (database) cache (or, for a count each process may keep alone, its memory) with `add`, which only one request can win for a given slot, and
only then does the caller decide. Twelve parallel posts with three slots left get three through,
never four. A counted event that turns out not to count (a form with errors, a right password)
gives its slot back with `Slot.release()`.

Who is counted: the account where there is one (`account_hash`), else the client
(`client_hash`): a keyed hash of the client's IP address (of its /64 for IPv6), so no address is
ever stored. Behind proxies, TRUSTED_PROXY_COUNT (settings, from the environment) says how many
X-Forwarded-For entries our own proxies add; allauth reads the same number and asks
`client_ip()` too.

Login failures count per client and per account *and client* (`login_attempt()`), never per
account alone: whoever guesses at an account from elsewhere cannot lock its owner out, and the
right password from a client that has not failed is always accepted.
"""

import functools
import ipaddress
import logging
import time
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = n the address the n-th proxy from us saw.

    With fewer X-Forwarded-For entries than proxies the request did not come through them all:
    REMOTE_ADDR is then the client.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if not proxies and "X-Forwarded-For" in request.headers:
        _warn_once_about_proxies()
    if proxies:
        forwarded = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


@functools.cache
def _warn_once_about_proxies() -> None:
    logger.warning(
        "Requests arrive through a proxy (X-Forwarded-For) but TRUSTED_PROXY_COUNT is 0: rate "
        "limits count the proxy as one client for everyone. Set TRUSTED_PROXY_COUNT (README, Deploy)."
    )


def client_network(ip: str) -> str:
    """What one client controls: an IPv4 address, or an IPv6 address's /64.

    A home, phone or server gets a whole /64 and may use any address in it: counted one by one,
    a script stepping through its own /64 met no limit at all (the probe sent 12 messages from
    one /64 where 5 is the limit).
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_hash(request: HttpRequest) -> str:
    return salted_hmac("peerdir.client", client_network(client_ip(request))).hexdigest()[:32]


def account_hash(identifier: object) -> str:
    """A keyed hash of a login name, so cache keys never hold an email address."""
    return salted_hmac("peerdir.account", str(identifier).strip().lower()).hexdigest()[:32]


@dataclass(frozen=True)
class Slot:
    key: str
    store: str = "default"

    def release(self) -> None:
        """Give the counted event back (it turned out not to count)."""
        caches[self.store].delete(self.key)


def _keys(action: str, who: str | int, limit: int, period: int) -> list[str]:
    """The slot keys of the current window, then those of the window before it."""
    window = int(time.time() // period)
    return [f"rl:{action}:{who}:{w}:{n}" for w in (window, window - 1) for n in range(1, limit + 1)]


def consume(
    action: str, who: str | int, limit: int, period: int, store: str = "default"
) -> Slot | None:
    """Count one event for `who`; its Slot if it is within `limit` per `period` seconds, else None.

    Events of the previous window still count against this one, so a burst across a window's
    edge gets no second allowance (five guesses at 10:54:59 and five more at 10:55:00): in any
    `period` there are at most `limit` events, and just after a full window there are none.
    """
    cache = caches[store]
    keys = _keys(action, who, limit, period)
    current, earlier = keys[:limit], keys[limit:]
    taken = cache.get_many(keys)
    free = limit - sum(key in taken for key in earlier)
    for key in current[:free]:
        # add() is atomic: of two requests racing for a free slot, one gets it, one tries the next.
        if key not in taken and cache.add(key, 1, timeout=2 * period):
            return Slot(key, store)
    return None


def first_time(key: str, seconds: int) -> bool:
    """True the first time `key` is seen within `seconds` (an atomic cache add): a double-submit guard."""
    return caches["default"].add(f"once:{key}", 1, timeout=seconds)


def forget(key: str) -> None:
    caches["default"].delete(f"once:{key}")


# Logins -----------------------------------------------------------------------------------------

LOGIN_FAILURES_PER_CLIENT = 10
LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT = 5
LOGIN_PERIOD = 5 * 60


@dataclass(frozen=True)
class Attempt:
    slots: tuple[Slot, ...]

    def succeeded(self) -> None:
        """A right password is not a failure: give its slots back."""
        for slot in self.slots:
            slot.release()


def login_attempt(request: HttpRequest, login: str, action: str = "login") -> Attempt | None:
    """Count a password attempt before checking it; an Attempt, or None if it is refused.

    Call `succeeded()` on the Attempt when the password was right. Used by every place that
    checks a password: allauth's login and reauthentication, the admin login, deleting an account.
    """
    client = client_hash(request)
    pair = account_hash(f"{login}\x1f{client}")
    by_client = consume(f"{action}-fail-client", client, LOGIN_FAILURES_PER_CLIENT, LOGIN_PERIOD)
    if by_client is None:
        return None
    by_pair = consume(
        f"{action}-fail-account", pair, LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT, LOGIN_PERIOD
    )
    if by_pair is None:
        by_client.release()
        return None
    return Attempt((by_client, by_pair))


# Pages ------------------------------------------------------------------------------------------

Who = Literal["client", "email", "user"]

# POSTs to these pages (URL names; allauth's among them), counted by RateLimitMiddleware before
# the view runs: (who, limit, seconds). "email" is the address in the form, hashed; "user" the
# signed-in account. allauth's own limiter is switched off (ACCOUNT_RATE_LIMITS = False).
PAGE_LIMITS: dict[str, list[tuple[Who, int, int]]] = {
    "account_login": [("client", 30, 60)],
    "account_signup": [("client", 20, 60), ("client", 60, 60 * 60)],
    "account_reset_password": [("client", 20, 60), ("email", 3, 60 * 60)],
    "account_reset_password_from_key": [("client", 20, 60)],
    "account_confirm_email": [("client", 20, 60)],
    "account_email": [("user", 5, 60)],
    "account_change_password": [("user", 10, 60 * 60)],
    "account_reauthenticate": [("user", 10, 60 * 60)],
}


def _who(request: HttpRequest, kind: Who) -> str:
    if kind == "user":
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return account_hash(f"user:{user.pk}")
        return client_hash(request)
    if kind == "email":
        return account_hash(request.POST.get("email", ""))
    return client_hash(request)


def page_limit_reached(request: HttpRequest, url_name: str) -> bool:
    """Count this POST against its page's limits; True when one of them is reached."""
    slots: list[Slot] = []
    for kind, limit, period in PAGE_LIMITS.get(url_name, ()):
        slot = consume(f"page:{url_name}:{kind}:{period}", _who(request, kind), limit, period)
        if slot is None:
            for taken in slots:
                taken.release()
            return True
        slots.append(slot)
    return False


# Searches ---------------------------------------------------------------------------------------

# Directory pages that search when the URL has words (`q`): each such request costs a worker
# 12-83 ms, where a page without words usually comes from the page cache. A person searching
# and changing filters fast sends a few a second at most; a script sends hundreds.
SEARCH_VIEWS = frozenset({"groups:list", "groups:region", "groups:type", "groups:search_calendar"})


def searches(request: HttpRequest) -> bool:
    """This GET would compute a search: a directory page with words to search for."""
    match = request.resolver_match
    return (
        match is not None
        and match.view_name in SEARCH_VIEWS
        and any(words.strip() for words in request.GET.getlist("q"))
    )


def search_limit_reached(request: HttpRequest) -> bool:
    """Count one search for the client; True past SEARCH_LIMIT per SEARCH_LIMIT_SECONDS.

    SEARCH_LIMIT = 0 turns the limit off (bench/run.sh: wrk sends everything from 127.0.0.1).
    The key is the client's keyed hash (behind proxies, the address our outermost proxy saw):
    neither the address nor the words are stored. Counted in this process's memory ("local"),
    not the shared database cache: that cost each search 6 queries and about 1 ms (5% of a
    search page), and a limit per worker still bounds what one client makes the workers do.
    """
    limit = settings.SEARCH_LIMIT
    if limit <= 0:
        return False
    period = settings.SEARCH_LIMIT_SECONDS
    return consume("search", client_hash(request), limit, period, store="local") is None
