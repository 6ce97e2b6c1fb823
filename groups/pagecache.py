"""Whole public pages, kept a minute per process for visitors who are not signed in.

Most visitors are anonymous and ask for the same pages (the first pages of the directory, a
region, a popular group). Their HTML depends only on the host, URL, language and data, so a
page is kept under a key made of those and the directory generation (groups/generation.py): any
change to public data makes every kept page unreachable: at once in the process that made it,
within DIRECTORY_GENERATION_TTL (a second) elsewhere. The minute only bounds what
depends on the clock (a group's next meeting dates, "may be out of date").

Never kept:
- pages for anyone with a session or a messages cookie (signed-in people, flash messages);
- pages of a search (`q`): a page holds the words in clear, and the shared level is on disk
  (the directory index does keep the last searches' matches, in this process's memory only,
  under a sha256 of the words, until the data changes: groups/directory/search.py); nor a
  listing page whose "Back to results" link (`back`) carries a search, for the same reason;
- anything but a 200, or a response that sets a cookie or used a CSRF token;
- a list page answered from a directory index older than the data (see groups/directory/process.py).

Two levels: this process's memory ("pages"), then files shared by the workers of the machine
("pages_shared"), so each page is computed once per machine, not once per worker. A kept page
carries its expiry, so a copy taken from the shared level does not outlive the original.

The key is a sha256 of the parts; `PAGE_CACHE_SECONDS = 0` turns this off.

`X-Page-Cache: hit|miss` says whether a page was kept, only with PAGE_CACHE_HEADER on (tests,
the bench, development): in production it would tell anyone that someone else opened that URL
in the last minute (a listing's page, a region with one group).
"""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import QueryDict
from django.utils.translation import get_language

from groups import generation

CACHE = "pages"
SHARED = "pages_shared"
HIT_HEADER = "X-Page-Cache"


def _seconds():
    return getattr(settings, "PAGE_CACHE_SECONDS", 60)


def _cacheable_request(request):
    if request.method not in ("GET", "HEAD") or _seconds() <= 0:
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return False
    return "q" not in request.GET and "q" not in QueryDict(request.GET.get("back", ""))


def _key(request, current):
    parts = [
        str(current),
        # A page may name the host it was asked on; Django has checked it against ALLOWED_HOSTS.
        request.get_host(),
        request.path,
        request.META.get("QUERY_STRING", ""),
        get_language() or "",
        request.headers.get("X-Directory-Partial", ""),
    ]
    return "page:v2:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def do_not_keep(request):
    """This response must not be kept (e.g. built from a directory index older than the data)."""
    request._page_cache_skip = True


def _cacheable_response(request, response):
    return (
        not getattr(request, "_page_cache_skip", False)
        and response.status_code == 200
        and not response.cookies
        and not getattr(response, "streaming", False)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        # Reading the (empty) session to find an anonymous user is fine; writing to it is not.
        and not getattr(getattr(request, "session", None), "modified", False)
    )


def cache_anonymous_page(view):
    """Serve `view` from the page cache for anonymous visitors (see the module's docstring)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key(request, generation.of(request))
        kept = _get(key)
        if kept is not None:
            if settings.PAGE_CACHE_HEADER:
                kept[HIT_HEADER] = "hit"
            return kept
        response = view(request, *args, **kwargs)
        if _cacheable_response(request, response):
            _set(key, response, _seconds())
            if settings.PAGE_CACHE_HEADER:
                response[HIT_HEADER] = "miss"
        return response

    return wrapper


def _get(key):
    now = time.time()
    kept = caches[CACHE].get(key)
    if kept is None and SHARED in settings.CACHES:
        kept = caches[SHARED].get(key)
        if kept is not None and kept[0] > now:
            caches[CACHE].set(key, kept, kept[0] - now)
    if kept is None or kept[0] <= now:
        return None
    return kept[1]


def _set(key, response, seconds):
    kept = (time.time() + seconds, response)
    caches[CACHE].set(key, kept, seconds)
    if SHARED in settings.CACHES:
        caches[SHARED].set(key, kept, seconds)


def clear():
    for name in (CACHE, SHARED):
        if name in settings.CACHES:
            caches[name].clear()
