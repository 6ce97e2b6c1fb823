"""This process's directory index, and rebuilding it after a change.

The index is built from the database (about a second at 100,000 listings) and is tagged with
the directory generation (groups/generation.py). The first index of a process is built in the
request (or, in gunicorn, by `warm_up` as the worker starts). After a change, the request that
notices it starts a rebuild in a background thread, at most once every
`DIRECTORY_INDEX_REBUILD_SECONDS`, and is answered from the index it has: the list shows a change
a few seconds later, and pages built from a stale index are never kept by the page cache. With
the setting at 0 (tests) every rebuild happens in the request.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

from groups.directory.index import DirectoryIndex

logger = logging.getLogger(__name__)

_current: DirectoryIndex | None = None
_last_build = float("-inf")
_build_lock = threading.Lock()
_thread: threading.Thread | None = None  # the background rebuild, while it runs


def index_for(generation: object) -> DirectoryIndex:
    """The index for `generation`, or (while a newer one is built) the latest this process has.
    Callers tell a stale index by its `generation`."""
    index = _current
    if index is not None and index.generation == generation:
        return index
    if index is None and _thread is not None:
        wait_for_rebuild()  # the worker's warm-up is under way: wait rather than build twice
        index = _current
        if index is not None and index.generation == generation:
            return index
    interval = settings.DIRECTORY_INDEX_REBUILD_SECONDS
    if index is None or interval <= 0:
        return _build(generation)
    with _build_lock:
        if _thread is None and time.monotonic() - _last_build >= interval:
            _start_rebuild()
    return index


def current() -> DirectoryIndex | None:
    """The index this process holds now, if any (benchmarks and tests look at it)."""
    return _current


def _build(generation: object) -> DirectoryIndex:
    global _current, _last_build
    with _build_lock:
        index = _current
        if index is not None and index.generation == generation:
            return index
        index = DirectoryIndex.build(generation)
        _current, _last_build = index, time.monotonic()
        return index


def warm_up() -> None:
    """Build this process's first index in the background (gunicorn's post_worker_init), so a
    new worker's first list request does not wait a second or two for it."""
    with _build_lock:
        if _current is None and _thread is None:
            _start_rebuild()


def _start_rebuild() -> None:
    """Under _build_lock: one rebuild thread at a time."""
    global _thread
    _thread = threading.Thread(target=_rebuild, name="directory-index", daemon=True)
    _thread.start()


def _rebuild() -> None:
    global _current, _last_build, _thread
    from django.db import connections

    from groups import generation

    try:
        index = DirectoryIndex.build(generation.current())
        with _build_lock:
            _current, _last_build = index, time.monotonic()
    except Exception:  # the stale index keeps serving; the next change tries again
        logger.exception("rebuilding the directory index failed")
        with _build_lock:
            _last_build = time.monotonic()
    finally:
        connections.close_all()  # this thread's own connection
        with _build_lock:
            _thread = None


def wait_for_rebuild(timeout: float = 30) -> None:
    """Tests and benchmarks: wait for a background rebuild, if one runs."""
    thread = _thread
    if thread is not None:
        thread.join(timeout)


def reset() -> None:
    """Forget this process's index (after a test changes the data behind its back)."""
    global _current, _last_build
    wait_for_rebuild()
    with _build_lock:
        _current, _last_build = None, float("-inf")
