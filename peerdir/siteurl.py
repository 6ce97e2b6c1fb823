"""Absolute links (emails, calendars, canonical URLs): the one place they are built.

Production sets SITE_URL and every link uses it. In development SITE_URL is usually unset and the
site runs wherever someone started it (a container, another port, a tunnel): links then follow the
host that served the current request, so a link in a mail opened from that run works.
"""

from contextvars import ContextVar

from django.conf import settings

_request_origin: ContextVar[str | None] = ContextVar("request_origin", default=None)


def site_url(path: str = "") -> str:
    """SITE_URL + path; in development without SITE_URL, the current request's origin + path."""
    if settings.SITE_URL_FROM_REQUEST:
        origin = _request_origin.get()
        if origin:
            return origin + path
    return settings.SITE_URL + path


class RequestOriginMiddleware:
    """Remembers the request's scheme and host for site_url(), only when links follow requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.SITE_URL_FROM_REQUEST:
            return self.get_response(request)
        # get_host() validates against ALLOWED_HOSTS: a forged Host header never reaches a link.
        token = _request_origin.set(f"{request.scheme}://{request.get_host()}")
        try:
            return self.get_response(request)
        finally:
            _request_origin.reset(token)
