"""What both feeds share: the freshness of the published data, stable ids, streamed JSON."""

import datetime as dt
import hashlib
import json
import uuid
import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from groups.models import SupportGroup

# Raise when a feed's shape changes, so every cached copy is invalidated at once.
FORMAT_VERSION = "1"

# Bytes gathered before a piece of a streamed response is sent.
STREAM_PIECE = 64 * 1024

# Rows fetched per round trip while streaming; prefetches run once per chunk.
CHUNK_SIZE = 2000


def feed_state(request):
    """(newest updated_at, count) of published listings: ONE aggregate query per request.

    django.views.decorators.http.condition calls the ETag and Last-Modified functions separately;
    both read this, so it is remembered on the request.
    """
    state = getattr(request, "_peerdir_feed_state", None)
    if state is None:
        totals = SupportGroup.objects.published().aggregate(
            newest=Max("updated_at"), count=Count("id")
        )
        state = (totals["newest"], totals["count"])
        request._peerdir_feed_state = state
    return state


def etag_for(name, request, extra=""):
    newest, count = feed_state(request)
    stamp = newest.isoformat() if newest else "-"
    raw = f"{name}:{FORMAT_VERSION}:{settings.SITE_URL}:{stamp}:{count}:{extra}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def absolute(path):
    return f"{settings.SITE_URL}{path}"


@lru_cache(maxsize=1)
def _known_zones():
    return frozenset(zoneinfo.available_timezones())


def is_known_zone(name):
    return name in _known_zones()


def utc_offset_hours(name, when=None):
    """The zone's offset from UTC in hours at `when` (now by default): -7, 5.5, 0."""
    when = when or timezone.now()
    try:
        offset = when.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    hours = (offset or dt.timedelta(0)).total_seconds() / 3600
    return int(hours) if hours.is_integer() else hours


@lru_cache(maxsize=1)
def _namespace(site_url):
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{site_url}/api/hsds.json")


def stable_id(kind, key):
    """A UUID that stays the same for the same object across exports of this site."""
    return str(uuid.uuid5(_namespace(settings.SITE_URL), f"{kind}:{key}"))


def dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_array(items):
    """Yield the pieces of a JSON array of `items` (dicts), one element at a time."""
    yield "["
    first = True
    for item in items:
        if not first:
            yield ","
        first = False
        yield dumps(item)
    yield "]"


def in_pieces(strings):
    """Gather small strings into ~64 KB UTF-8 pieces for StreamingHttpResponse."""
    buffer, size = [], 0
    for text in strings:
        buffer.append(text)
        size += len(text)
        if size >= STREAM_PIECE:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()
