"""The feed endpoints: streamed JSON, conditional GET, cacheable by anyone (it is public data).

Compressed when the client accepts gzip (the Meeting Guide feed at 100,000 listings is ~74 MB as
JSON, under 8 MB gzipped); HEAD is answered with the headers alone. Both feeds also take
`?region=<slug>` (that region and everything inside it) and `?since=<date or ISO 8601
time>` (listings changed since then), so a client can take only the part it shows; the full feed
stays the default for importers.
"""

import datetime as dt
from functools import wraps

from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import condition, require_safe

from groups.feeds import hsds, meeting_guide, stored
from groups.feeds.common import etag_for, feed_state
from groups.models import RegionTree

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


class BadFilter(ValueError):
    pass


def feed_filters(request):
    """(region ids or None, since or None) from the query string; BadFilter says what is wrong."""
    region_ids = since = None
    slug = request.GET.get("region", "").strip()
    if slug:
        tree = RegionTree.load()  # one query: the region and everything inside it
        region = tree.by_slug.get(slug[:120])
        if region is None:
            raise BadFilter(_("There is no region “%(slug)s”.") % {"slug": slug[:120]})
        region_ids = tree.descendant_ids(region.pk)
    text = request.GET.get("since", "").strip()
    if text:
        try:
            moment = parse_datetime(text)
            day = None if moment else parse_date(text)
        except ValueError:
            moment = day = None
        if moment is None and day is None:
            raise BadFilter(_("“since” is a date (2026-01-31) or a time (2026-01-31T18:00:00Z)."))
        if moment is None:
            moment = dt.datetime.combine(day, dt.time(0))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, dt.UTC)
        since = moment
    return region_ids, since


def _filters_key(request):
    return f"{request.GET.get('region', '').strip()}|{request.GET.get('since', '').strip()}"


def _feed(request, name, etag, stream):
    """The feed `stream(region_ids, since)` makes, filtered by the query string; a 400 with a
    sentence for a bad filter; for HEAD, the headers alone (the feed is never built). The whole
    feed is built once per version of the data (groups/feeds/stored.py)."""
    try:
        region_ids, since = feed_filters(request)
    except BadFilter as problem:
        return HttpResponseBadRequest(str(problem), content_type="text/plain; charset=utf-8")
    if request.method == "HEAD":
        return HttpResponse(content_type=JSON)
    if region_ids is None and since is None:
        return stored.serve(request, name, etag(request), stream, JSON)
    return StreamingHttpResponse(stream(region_ids, since), content_type=JSON)


def _meeting_guide_etag(request):
    return etag_for("meeting-guide", request, extra=_filters_key(request))


def _hsds_etag(request):
    return etag_for("hsds", request, extra=f"{_today_utc().isoformat()}|{_filters_key(request)}")


@open_to_other_sites
@gzip_page
@cache_control(public=True, max_age=300)
@require_safe
@condition(etag_func=_meeting_guide_etag, last_modified_func=_newest)
def meeting_guide_feed(request):
    return _feed(request, "meeting-guide", _meeting_guide_etag, meeting_guide.stream)


@open_to_other_sites
@gzip_page
@cache_control(public=True, max_age=300)
@require_safe
@condition(etag_func=_hsds_etag, last_modified_func=_hsds_last_modified)
def hsds_feed(request):
    return _feed(request, "hsds", _hsds_etag, hsds.stream)
