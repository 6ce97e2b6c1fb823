"""The directory index: every published listing's filterable facts as bitmaps, in memory.

Counting "how many results would this option give" for eight facets is eight GROUP BYs over the
filtered listings in SQL: about 30 ms each at 100,000 listings, on every new filter combination.
Here each option is one Python int used as a bitmap, bit i standing for the listing at position i
of the default order (active first, then by name). Filtering is `&`, counting is `bit_count()`,
and a page of results is the n-th to (n+20)-th set bits: microseconds, whatever the combination.

The index is built from the database in a few queries (about a second at 100,000 listings) and is
tagged with the directory generation (groups/generation.py). After a change, a background thread
builds the next one (at most once every `DIRECTORY_INDEX_REBUILD_SECONDS`) while the current one
keeps answering: the list shows a change a few seconds later; pages built from a stale index are
never kept by the page cache. See `for_generation`.

Day and time follow filters.meeting_condition exactly: a day and a time must hold for the same
meeting; in-person groups use their own local time; with a visitor's zone, groups one can join
remotely use their UTC start shifted into that zone (a bitmap set per UTC offset, built lazily).
"""

import bisect
import itertools
import logging
import threading
import time
from array import array
from collections import OrderedDict

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When

WEEK = 7 * 1440
NO_TIME = 3  # slot bucket of a meeting with a weekday but no start time
BUCKETS = {"morning": 0, "afternoon": 1, "evening": 2}
SEARCH_CACHE_SIZE = 32
# A word's matches: 12 KB each at 100,000 listings; new searches mostly reuse words seen before.
TERM_CACHE_SIZE = 512
OFFSET_CACHE_SIZE = 16


def bucket_of(minute_of_day):
    return 0 if minute_of_day < 720 else 1 if minute_of_day < 1020 else 2


def bitmap_of(positions, nbytes):
    """A Python int with the given bit positions set."""
    buffer = bytearray(nbytes)
    for p in positions:
        buffer[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(buffer, "little")


def nth_set_bits(bitmap, start, count):
    """Positions of set bits number start .. start+count-1 (0-based, ascending)."""
    if start:
        # The smallest k with popcount(bitmap below k) > start: bit k-1 is set bit number `start`.
        low, high = 0, bitmap.bit_length()
        while low < high:
            middle = (low + high) // 2
            if (bitmap & ((1 << middle) - 1)).bit_count() > start:
                high = middle
            else:
                low = middle + 1
        offset = low - 1
        if offset < 0 or start >= bitmap.bit_count():
            return []
    else:
        offset = 0
    found = []
    rest = bitmap >> offset
    while rest and len(found) < count:
        step = (rest & -rest).bit_length() - 1
        offset += step
        found.append(offset)
        rest >>= step + 1
        offset += 1
    return found


def active_first():
    from groups.models import Status

    return Case(
        When(status=Status.ACTIVE, then=Value(0)),
        # Listed like an active group, after the ones a source says are running.
        When(status=Status.UNCONFIRMED, then=Value(1)),
        When(status=Status.FORMING, then=Value(2)),
        When(status=Status.PAUSED, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )


class DirectoryIndex:
    """Bitmaps over the published listings of one generation. Read-only once built."""

    def __init__(self, generation):
        self.generation = generation
        self.built_in = 0.0
        self._lock = threading.Lock()
        self._searches = OrderedDict()
        self._offsets = OrderedDict()
        self._regions = {}
        self._updated_order = None
        self._next = None

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def build(cls, generation):
        """Five queries: listings in order, their types, audiences and languages, meetings."""
        from groups.filters import REMOTE
        from groups.models import Meeting, SupportGroup

        started = time.perf_counter()
        index = cls(generation)
        rows = list(
            SupportGroup.objects.published()
            .order_by(active_first(), "name", "pk")
            .values_list("pk", "attendance", "region_id")
        )
        n = len(rows)
        index.size = n
        index.nbytes = max(1, (n + 7) // 8)
        index.all = (1 << n) - 1
        index.ids = array("q", (row[0] for row in rows))
        max_id = max(index.ids, default=0)
        if max_id <= 4 * n + 1000:
            positions = array("i", [-1]) * (max_id + 1)
            for p, pk in enumerate(index.ids):
                positions[pk] = p
            index._position = positions
        else:  # sparse ids: a dict is smaller than an array that long
            index._position = {pk: p for p, pk in enumerate(index.ids)}

        def grouped(pairs):
            found = {}
            for key, p in pairs:
                found.setdefault(key, []).append(p)
            return {key: bitmap_of(ps, index.nbytes) for key, ps in found.items()}

        index.attendance = grouped((row[1], p) for p, row in enumerate(rows))
        index.region = grouped((row[2], p) for p, row in enumerate(rows) if row[2] is not None)
        remote_values = {str(value) for value in REMOTE}
        index.remote = 0
        for value, bits in index.attendance.items():
            if value in remote_values:
                index.remote |= bits
        position_of = index.position_of
        for name in ("types", "audiences", "languages"):
            through = SupportGroup._meta.get_field(name).remote_field.through
            column = [f.attname for f in through._meta.fields if f.attname != "supportgroup_id"]
            pairs = through.objects.values_list(column[-1], "supportgroup_id")
            setattr(
                index,
                name,
                grouped(
                    (key, p) for key, pk in pairs.iterator(2000) if (p := position_of(pk)) >= 0
                ),
            )
        remote_bits = index.remote.to_bytes(index.nbytes, "little")
        own, visitor, starts = {}, [], []
        meetings = Meeting.objects.values_list(
            "group_id", "weekday", "minute_of_week", "utc_minute_of_week"
        )
        for group_id, weekday, minute, utc_minute in meetings.iterator(5000):
            p = position_of(group_id)
            if p < 0:
                continue
            if minute is not None:
                slot = (minute // 1440, bucket_of(minute % 1440))
            elif weekday is not None:
                slot = (weekday, NO_TIME)
            else:
                continue
            is_remote = remote_bits[p >> 3] >> (p & 7) & 1
            own.setdefault(slot, ([], []))[is_remote].append(p)
            if utc_minute is not None:
                starts.append((utc_minute, p))
                if is_remote:
                    visitor.append((p, utc_minute))
        index.slots = {
            slot: bitmap_of(local + remote, index.nbytes) for slot, (local, remote) in own.items()
        }
        index.slots_not_remote = {
            slot: bitmap_of(local, index.nbytes) for slot, (local, _remote) in own.items() if local
        }
        index._visitor = visitor
        starts.sort()
        index._start_minutes = array("i", (minute for minute, _p in starts))
        index._start_positions = array("i", (p for _minute, p in starts))
        index.built_in = time.perf_counter() - started
        return index

    def position_of(self, pk):
        try:
            return self._position[pk]
        except (IndexError, KeyError):
            return -1

    # --- filters ----------------------------------------------------------------------------

    def region_bits(self, region_ids):
        key = tuple(sorted(region_ids))
        bits = self._regions.get(key)
        if bits is None:
            bits = 0
            for region_id in key:
                bits |= self.region.get(region_id, 0)
            self._regions[key] = bits
        return bits

    def _slots_for(self, tz_offset):
        """{(day, bucket): bitmap} as the visitor sees it (their zone, or groups' own)."""
        if tz_offset is None:
            return self.slots
        with self._lock:
            slots = self._offsets.get(tz_offset)
            if slots is not None:
                self._offsets.move_to_end(tz_offset)
                return slots
        found = {}
        for p, utc_minute in self._visitor:
            minute = (utc_minute + tz_offset) % WEEK
            found.setdefault((minute // 1440, bucket_of(minute % 1440)), []).append(p)
        slots = dict(self.slots_not_remote)
        for slot, ps in found.items():
            slots[slot] = slots.get(slot, 0) | bitmap_of(ps, self.nbytes)
        with self._lock:
            self._offsets[tz_offset] = slots
            while len(self._offsets) > OFFSET_CACHE_SIZE:
                self._offsets.popitem(last=False)
        return slots

    def meets(self, days, buckets, tz_offset=None):
        """Listings with one meeting on one of `days` (0 = Monday) at one of `buckets`."""
        slots = self._slots_for(tz_offset)
        bits = 0
        for day in days or range(7):
            for bucket in buckets or (0, 1, 2, NO_TIME):
                bits |= slots.get((day, bucket), 0)
        return bits

    def any_of(self, table, keys):
        bits = 0
        for key in keys:
            bits |= table.get(key, 0)
        return bits

    # --- searches -----------------------------------------------------------------------------

    def remember(self, key, compute, keep=SEARCH_CACHE_SIZE):
        """`compute()`'s value, kept with this index for the last `keep` keys of its kind (a key
        is a tuple whose first item names its kind: a search, one of its terms)."""
        with self._lock:
            kept = self._searches.get(key)
            if kept is not None:
                self._searches.move_to_end(key)
                return kept
        value = compute()
        with self._lock:
            self._searches[key] = value
            kinds = [k for k in self._searches if k[0] == key[0]]
            for old in kinds[: max(0, len(kinds) - keep)]:
                del self._searches[old]
        return value

    def bitmap_of_ids(self, ids):
        """Bitmap of the listings with these ids (ids the index does not hold are skipped)."""
        position_of = self.position_of
        return bitmap_of((p for pk in ids if (p := position_of(pk)) >= 0), self.nbytes)

    def updated_order(self):
        """Positions by most recently updated (one query, the first time it is asked for)."""
        if self._updated_order is None:
            from groups.models import SupportGroup

            ids = (
                SupportGroup.objects.published()
                .order_by("-updated_at", "name", "pk")
                .values_list("pk", flat=True)
            )
            self._updated_order = array(
                "i", (p for pk in ids.iterator(5000) if (p := self.position_of(pk)) >= 0)
            )
        return self._updated_order

    def next_order(self, now_minute):
        """Positions by the wait until their next meeting from `now_minute` (UTC minutes since
        Monday), soonest first; ties and listings without a start time in default order.

        The meetings are sorted by UTC start once, at build: the order for a moment is that
        list read from the first start at or after it, round the week, each listing where it
        first appears. Kept for the minute it was asked for.
        """
        with self._lock:
            if self._next is not None and self._next[0] == now_minute:
                return self._next[1]
        split = bisect.bisect_left(self._start_minutes, now_minute)
        positions = self._start_positions
        seen = bytearray(self.size)
        order = array("i")
        for p in itertools.chain(positions[split:], positions[:split]):
            if not seen[p]:
                seen[p] = 1
                order.append(p)
        order.extend(p for p in range(self.size) if not seen[p])
        with self._lock:
            self._next = (now_minute, order)
        return order

    def page(self, bits, start, count, order=None):
        """Ids of results start .. start+count-1 among `bits`, in `order` (positions) or default.

        `order` may also be a list of bitmaps ("tiers", best first), each in default order.
        """
        if order is None:
            return [self.ids[p] for p in nth_set_bits(bits, start, count)]
        if isinstance(order, list):
            found = []
            for tier in order:
                tier &= bits
                size = tier.bit_count()
                if start >= size:
                    start -= size
                    continue
                found += nth_set_bits(tier, start, count - len(found))
                start = 0
                if len(found) == count:
                    break
            return [self.ids[p] for p in found]
        member = bits.to_bytes(self.nbytes, "little")
        found, seen = [], 0
        for p in order:
            if member[p >> 3] >> (p & 7) & 1:
                if seen >= start:
                    found.append(self.ids[p])
                    if len(found) == count:
                        break
                seen += 1
        return found


# --- the process's index ----------------------------------------------------------------------

logger = logging.getLogger(__name__)

_current = None
_last_build = float("-inf")
_build_lock = threading.Lock()
_thread = None  # the background rebuild, while it runs


def for_generation(generation):
    """This process's index: for `generation`, or (while a newer one is built) the latest.

    The first index of a process is built in the request. After a change, the request that
    notices it starts a rebuild in a background thread, at most once every
    DIRECTORY_INDEX_REBUILD_SECONDS, and is answered from the index it has: a change reaches
    the list a few seconds later (a listing's own page reads the database, so it shows there
    within the generation's TTL). With the setting at 0 (tests) every rebuild happens in the
    request. Callers tell a stale index by its `generation`; None means the index is off.
    """
    index = _current
    if index is not None and index.generation == generation:
        return index
    if not getattr(settings, "DIRECTORY_INDEX", True):
        return None
    if index is None and _thread is not None:
        wait_for_rebuild()  # the worker's warm-up is under way: wait rather than build twice
        index = _current
        if index is not None and index.generation == generation:
            return index
    interval = getattr(settings, "DIRECTORY_INDEX_REBUILD_SECONDS", 5)
    if index is None or interval <= 0:
        return _build(generation)
    _rebuild_in_background(interval)
    return index


def _build(generation):
    global _current, _last_build
    with _build_lock:
        index = _current
        if index is not None and index.generation == generation:
            return index
        index = DirectoryIndex.build(generation)
        _current, _last_build = index, time.monotonic()
        return index


def _rebuild_in_background(interval):
    with _build_lock:
        if _thread is None and time.monotonic() - _last_build >= interval:
            _start_rebuild()


def warm_up():
    """Build this process's first index in the background (gunicorn's post_worker_init), so a
    new worker's first list request does not wait a second or two for it."""
    if not getattr(settings, "DIRECTORY_INDEX", True):
        return
    with _build_lock:
        if _current is None and _thread is None:
            _start_rebuild()


def _start_rebuild():
    """Under _build_lock: one rebuild thread at a time."""
    global _thread
    _thread = threading.Thread(target=_rebuild, name="directory-index", daemon=True)
    _thread.start()


def _rebuild():
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


def wait_for_rebuild(timeout=30):
    """Tests and benchmarks: wait for a background rebuild, if one runs."""
    thread = _thread
    if thread is not None:
        thread.join(timeout)


def clear():
    global _current, _last_build
    wait_for_rebuild()
    _current, _last_build = None, float("-inf")
