"""The whole feeds, built once per version of the data and kept gzipped in files the workers share.

Measured with `make bench` at 100,000 listings: the unfiltered Meeting Guide feed takes 11.5 s of
a worker to build (159 queries, ~74 MB of JSON). Built per request, two clients asking at once
held both gunicorn workers and every visitor waited: anyone could keep the site down with two
requests every ten seconds (and gunicorn killed both at its 30 s timeout, cutting the feeds
short). Now the first request after a change writes the feed here, then is answered from the
file like every later request for that version. While a build is under way, other requests for
that feed get a 503 with Retry-After, which feed readers understand, instead of building it again.

Only the unfiltered feeds are kept (one file each); a filtered feed (`region`, `since`) is built
per request. The key is the feed's ETag and the directory generation (groups/generation.py),
which every change to public data moves, whoever makes it.
"""

import gzip
import hashlib
import os
import time
import zlib
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from groups import generation

# A build that has not finished in this long died with its worker (gunicorn kills a request
# after GUNICORN_TIMEOUT, 30 s): another may start. The build takes 12 s at 100,000 listings.
ABANDONED_AFTER_SECONDS = 2 * 60
RETRY_AFTER_SECONDS = 30
PIECE = 64 * 1024


def _folder():
    folder = Path(settings.FEED_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _accepts_gzip(request):
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def _inflated(kept):
    """For the rare client that does not take gzip."""
    inflate = zlib.decompressobj(wbits=31)
    with kept:
        while piece := kept.read(PIECE):
            yield inflate.decompress(piece)
    yield inflate.flush()


def _build(pieces, name, path):
    """Write the feed gzipped to `path`, which appears (atomically) only once the whole feed is
    made; remove the other versions of `name`. Returns the file, open for reading (opened before
    the rename: a newer version replacing it at once cannot take it away from this reader)."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        with gzip.open(partial, "wb", compresslevel=6) as out:
            for piece in pieces:
                out.write(piece)
        kept = partial.open("rb")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    for old in path.parent.glob(f"{name}-v*.json.gz"):
        if old != path:
            old.unlink(missing_ok=True)
    return kept


def _may_build(lock):
    """True if no other build of this feed is under way; an abandoned one is taken over."""
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        try:
            started = lock.stat().st_mtime
        except FileNotFoundError:
            return _may_build(lock)
        if time.time() - started > ABANDONED_AFTER_SECONDS:
            lock.unlink(missing_ok=True)
            return _may_build(lock)
        return False


def serve(request, name, etag, stream, content_type):
    """The whole feed `name` at version `etag`: from its file, or built once by `stream()`."""
    version = hashlib.sha256(f"{etag}:{generation.of(request)}".encode()).hexdigest()[:32]
    path = _folder() / f"{name}-v{version}.json.gz"
    gzipped = _accepts_gzip(request)
    try:
        # Opened before anything is sent: a newer version replacing it cannot cut this one short.
        kept = path.open("rb")
    except FileNotFoundError:
        lock = _folder() / f"{name}.building"
        if not _may_build(lock):
            response = HttpResponse(
                _("This feed is being rebuilt after a change. Please ask again in a minute."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            # The feed's own public max-age must not let a shared cache keep this answer.
            response["Cache-Control"] = "no-store"
            return response
        try:
            for left in _folder().glob(f"{name}-v*.part"):  # by a killed worker: none is under way
                left.unlink(missing_ok=True)
            # Built whole before the first byte is sent: how fast this client reads cannot
            # hold the build (and every other reader) up.
            kept = _build(stream(), name, path)
        finally:
            lock.unlink(missing_ok=True)
    if gzipped:
        response = FileResponse(kept, content_type=content_type)
        response.headers.pop("Content-Disposition", None)  # a feed, not a file to save
        response["Content-Encoding"] = "gzip"
    else:
        response = StreamingHttpResponse(_inflated(kept), content_type=content_type)
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
