"""Cross-cutting middleware: a request id and one access-log line per request, and the
Permissions-Policy header. Both apply to every response, whichever view (or none) made it."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.utils.encoding import escape_uri_path

from peerdir.logging import request_id_var

access_log = logging.getLogger("peerdir.request")

# An incoming id (from a load balancer or proxy) is kept only if it cannot forge log lines or
# carry personal data in any realistic way: short, and made of token characters only.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")


def request_id_from(request):
    incoming = request.headers.get("X-Request-ID", "")
    if SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """Assigns ``request.id`` (echoed as ``X-Request-ID``) and logs one line per request.

    The line has the method, the path (percent-encoded) WITHOUT its query string (search terms
    are personal data), the status and the duration. Place it first in MIDDLEWARE so the duration covers
    everything, static files included, and the status is the one the client saw.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = request_id_from(request)
        token = request_id_var.set(request.id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            duration_ms = (time.perf_counter() - started) * 1000
            access_log.info(
                "%s %s %s %.1fms",
                request.method,
                # Percent-encoded as it came: a %0A in the path must not start a forged line.
                escape_uri_path(request.path),
                response.status_code,
                duration_ms,
                extra={"status": response.status_code, "duration_ms": round(duration_ms, 1)},
            )
            return response
        finally:
            request_id_var.reset(token)


class PermissionsPolicyMiddleware:
    """Turns off browser features the site never uses, so no embedded content can ask for them."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "PERMISSIONS_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class RateLimitMiddleware:
    """Counts POSTs to the pages in groups.ratelimit.PAGE_LIMITS, and searches (GET), and
    answers 429 past a limit.

    After AuthenticationMiddleware (limits per account need request.user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.shortcuts import render

        from groups import ratelimit

        match = request.resolver_match
        if request.method in ("GET", "HEAD"):
            if ratelimit.searches(request) and ratelimit.search_limit_reached(request):
                # The page names no search words: the visitor can still browse without them.
                response = render(request, "429.html", {"searches": True}, status=429)
                response["Retry-After"] = str(2 * settings.SEARCH_LIMIT_SECONDS)
                return response
            return None
        if request.method != "POST" or match is None or match.url_name not in ratelimit.PAGE_LIMITS:
            return None
        if ratelimit.page_limit_reached(request, match.url_name):
            return render(request, "429.html", status=429)
        return None


class RequestSizeMiddleware:
    """Refuses (413) a request body larger than any form here needs, before anything reads it,
    and (414) a web address longer than any page here makes.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves file parts out, so without this a 10 MB upload
    to the report form was accepted and spooled to disk. The admin's CSV import takes up to
    1 MB (groups/csv_io.py MAX_BYTES), so the admin gets a larger allowance.

    Addresses: gunicorn lets request lines through up to 8190 bytes (gunicorn.conf.py), as
    much as the proxy in front does, so that one too long is refused here, with the site's page
    and security headers, rather than with gunicorn's bare one. URI_LIMIT stays under gunicorn's
    old limit (4094 bytes for the whole request line): what worked before still works.
    """

    LIMIT = 1024 * 1024
    ADMIN_LIMIT = 3 * 1024 * 1024
    URI_LIMIT = 4000

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if len(request.get_full_path()) > self.URI_LIMIT:
            from django.shortcuts import render

            return render(request, "414.html", status=414)
        try:
            length = int(request.headers.get("content-length") or 0)
        except ValueError:
            length = 0
        limit = self.ADMIN_LIMIT if request.path.startswith("/admin/") else self.LIMIT
        if length > limit:
            from django.shortcuts import render

            return render(request, "413.html", status=413)
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Pages for someone signed in say `Cache-Control: private, no-store`: no shared cache (a
    proxy, a CDN) may keep an organizer's dashboard or edit form and hand it to the next visitor,
    and no browser keeps it on disk either, where the next person at a shared computer (a
    library, a drop-in centre) could read the organizer's private phone and email."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and user is not None
            and user.is_authenticated
        ):
            from django.utils.cache import patch_cache_control

            patch_cache_control(response, private=True, no_store=True)
        return response


class CompressPagesMiddleware(GZipMiddleware):
    """gzip for pages and data (HTML, JSON, XML, calendars, text) when the client accepts it.

    Static files are not touched: WhiteNoise serves them precompressed (gzip and brotli).

    Why this is safe from BREACH (a size oracle on compressed responses that hold a secret and
    reflect attacker-chosen text): the only secret in our pages is the CSRF token, which Django
    masks with a new random value in every response, so its compressed size cannot be narrowed
    down byte by byte; GZipMiddleware also pads each response with random bytes (Django >= 4.2).
    Session cookies travel in headers, which gzip does not compress. The directory pages that
    reflect search words carry no form token at all. Pages for a signed-in person (which show
    their own email address and listings) are not compressed: small, and nothing to guess.
    """

    TYPES = ("text/html", "application/json", "application/xml", "text/calendar", "text/plain")

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").split(";", 1)[0].strip()
        if content_type not in self.TYPES:
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        return super().process_response(request, response)
