"""The feed endpoints: streamed JSON, conditional GET, cacheable by anyone (it is public data)."""

import datetime as dt
from functools import wraps

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_GET

from groups.feeds import hsds, meeting_guide
from groups.feeds.common import etag_for, feed_state

JSON = "application/json; charset=utf-8"


def open_to_other_sites(view):
    """Meeting finders (TSML UI) fetch feeds from the browser on other sites: allow reading.
    No credentials are involved, so a wildcard origin is safe."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


def _newest(request):
    return feed_state(request)[0]


def _today_utc():
    return timezone.now().astimezone(dt.UTC).date()


def _hsds_last_modified(request):
    # HSDS carries today's UTC offsets: the document may change at midnight without any edit.
    midnight = dt.datetime.combine(_today_utc(), dt.time(0), tzinfo=dt.UTC)
    newest = _newest(request)
    return max(newest, midnight) if newest else midnight


@open_to_other_sites
@cache_control(public=True, max_age=300)
@require_GET
@condition(
    etag_func=lambda request: etag_for("meeting-guide", request),
    last_modified_func=_newest,
)
def meeting_guide_feed(request):
    return StreamingHttpResponse(meeting_guide.stream(), content_type=JSON)


@open_to_other_sites
@cache_control(public=True, max_age=300)
@require_GET
@condition(
    etag_func=lambda request: etag_for("hsds", request, extra=_today_utc().isoformat()),
    last_modified_func=_hsds_last_modified,
)
def hsds_feed(request):
    return StreamingHttpResponse(hsds.stream(), content_type=JSON)
