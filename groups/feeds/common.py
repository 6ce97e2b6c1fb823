"""What both feeds share: the freshness of the published data, stable ids, streamed JSON."""

import datetime as dt
import hashlib
import json
import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from groups import schedule
from groups.models import Meeting, SupportGroup

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


def utc_offset_hours(name):
    """The zone's offset from UTC in hours today: -7, 5.5, 0."""
    return _utc_offset_hours(name, timezone.now().date())


@lru_cache(maxsize=1024)
def _utc_offset_hours(name, day):
    when = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    try:
        offset = when.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    hours = (offset or dt.timedelta(0)).total_seconds() / 3600
    return int(hours) if hours.is_integer() else hours


@lru_cache(maxsize=64)
def _id_prefix(site_url, kind):
    return hashlib.sha1(
        f"{site_url}/api/hsds.json#{kind}".encode(), usedforsecurity=False
    ).hexdigest()


def stable_id(kind, key):
    """A UUID that stays the same for the same object across exports of this site.

    Always an RFC 9562 version 8 UUID (the README says so; importers may check). For integer
    keys (our primary keys): a hash of the site and the kind of row, then the key itself in the
    last 12 hex digits, so it is unique per key and costs one string format (a uuid5 per row was
    the largest single cost of the HSDS export at 10,000 listings). Other keys: a hash of the
    site, kind and key.
    """
    prefix = _id_prefix(settings.SITE_URL, kind)
    if isinstance(key, int) and 0 <= key < 16**12:
        tail = f"{key:012x}"
    else:
        digest = hashlib.sha1(f"{prefix}:{key}".encode(), usedforsecurity=False).hexdigest()
        prefix, tail = digest, digest[20:32]
    variant = "89ab"[int(prefix[15], 16) % 4]
    return f"{prefix[:8]}-{prefix[8:12]}-8{prefix[12:15]}-{variant}{prefix[16:19]}-{tail}"


@lru_cache(maxsize=4)
def detail_url_parts(site_url, name="groups:detail"):
    """Absolute listing URLs without calling reverse() once per listing."""
    placeholder = "slug-placeholder"
    return absolute(reverse(name, args=[placeholder])).split(placeholder, 1)


def detail_url(slug):
    head, tail = detail_url_parts(settings.SITE_URL)
    return f"{head}{slug}{tail}"


def report_url(slug):
    head, tail = detail_url_parts(settings.SITE_URL, "groups:report")
    return f"{head}{slug}{tail}"


@lru_cache(maxsize=4096)
def _describe(language, frequency, weekday, weeks, start, end, zone_name):
    meeting = Meeting(
        frequency=frequency,
        weekday=weekday,
        weeks_of_month=weeks,
        start_time=start,
        end_time=end,
        timezone=zone_name,
    )
    return schedule.describe(meeting)


def describe(meeting):
    """schedule.describe(), remembered: feeds describe thousands of meetings with few shapes."""
    return _describe(
        get_language(),
        meeting.frequency,
        meeting.weekday,
        meeting.weeks_of_month,
        meeting.start_time,
        meeting.end_time,
        meeting.timezone,
    )


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
