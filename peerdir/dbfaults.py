"""When the database is unreachable, answer 503 with a calm static page instead of a 500.

The page is rendered without a request context (no context processors, so nothing that could
touch the database again), carries `Retry-After`, and includes the crisis numbers inline:
someone in distress must still find them while the directory is down. Nothing is cached about
the fault, so the site recovers by itself as soon as the database answers again (Django drops
the broken connection at the end of the request, and CONN_HEALTH_CHECKS tests reused ones).

Two paths lead here. A view (or a template rendered by it) raising OperationalError or
InterfaceError reaches `process_exception`. An error raised inside another middleware (the
session saved in a response phase, say) is turned into a 500 by Django's per-middleware
exception wrapper before it could reach us; `got_request_exception` marks the request so that
`__call__` can swap that 500 for the 503 page.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import get_template

logger = logging.getLogger(__name__)

DB_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
_MARK = "_peerdir_db_fault"

# Last resort if the template itself cannot be rendered (a missing static manifest, say).
FALLBACK_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Peer Directory is briefly unavailable</title></head>
<body><main><h1>The directory is briefly unavailable</h1>
<p>Please try again in a minute. Nothing you did caused this.</p>
<p>If you need to talk to someone now: in the US and Canada call or text 988;
in the UK and Ireland call Samaritans on 116 123; in Europe the emergency number is 112.</p>
<p><a href="/help-now/">Need help now? Crisis lines</a></p></main></body></html>
"""


def unavailable_response():
    try:
        body = get_template("503.html").render({})
    except Exception:  # the page must be served whatever else is broken
        logger.exception("503.html could not be rendered; serving the built-in fallback")
        body = FALLBACK_HTML
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _log_fault(request, exception):
    # The path only: a query string may hold what someone searched for.
    logger.warning(
        "Database unavailable (%s: %s) while serving %s %s",
        type(exception).__name__,
        str(exception).strip().splitlines()[0] if str(exception).strip() else "",
        request.method,
        request.path,
    )


@receiver(got_request_exception, dispatch_uid="peerdir.dbfaults.mark_request")
def _mark_database_fault(sender, request=None, **kwargs):
    exception = sys.exc_info()[1]
    if request is not None and isinstance(exception, DB_ERRORS):
        setattr(request, _MARK, exception)


class DatabaseFaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        exception = getattr(request, _MARK, None)
        if exception is not None and response.status_code >= 500:
            _log_fault(request, exception)
            return unavailable_response()
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DB_ERRORS):
            _log_fault(request, exception)
            return unavailable_response()
        return None
