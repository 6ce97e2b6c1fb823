"""Per-client rate limits in the shared (database) cache, keyed by a keyed hash of the client IP.

The IP itself is never stored: `client_hash()` is an HMAC with the site's secret key, so the
value on a Report or in a cache key cannot be turned back into an address without that key.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac


def client_ip(request):
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = n the address the n-th proxy from us saw."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def client_hash(request):
    return salted_hmac("peerdir.client", client_ip(request)).hexdigest()[:32]


def account_hash(identifier):
    """A keyed hash of a login name, so cache keys never hold an email address."""
    return salted_hmac("peerdir.account", identifier.strip().lower()).hexdigest()[:32]


def _key(action, who, period):
    window = int(time.time() // period)
    return f"rl:{action}:{who}:{window}"


def hit(action, who, period):
    """Count one event for `who` in the current window; returns the count so far."""
    key = _key(action, who, period)
    cache.add(key, 0, timeout=period)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)
        return 1


def exceeded(action, who, limit, period):
    """True when `who` already had `limit` events in the current window."""
    return (cache.get(_key(action, who, period)) or 0) >= limit


def first_time(key, seconds):
    """True the first time `key` is seen within `seconds` (an atomic cache add): a double-submit guard."""
    return cache.add(f"once:{key}", 1, timeout=seconds)


def forget(key):
    cache.delete(f"once:{key}")
