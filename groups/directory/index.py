"""The directory index: every published listing's filterable facts as bitmaps, in memory.

Counting "how many results would this option give" for every option of eight facets is eight
GROUP BYs over the filtered listings in SQL: about 30 ms each at 100,000 listings, on every new
filter combination. Here each key a facet files listings under is one Python int used as a
bitmap, bit i standing for the listing at position i of the default order
(`SupportGroupQuerySet.in_default_order`). Filtering is `&`, counting is `bit_count()`, and a page
of results is the n-th to (n+20)-th set bits: microseconds, whatever the combination.

What to read is declared by the facets (groups/directory/filterset.py): a column of the listing
or a many-to-many table. Day and time are read together from the meetings: a day and a time
must hold for the same meeting; in-person groups use their own local time; with a visitor's
zone, groups one can join remotely use their UTC start shifted into that zone (a set of slot
bitmaps per UTC offset, built when first asked for). groups/directory/process.py holds this
process's index and rebuilds it after a change.
"""

from __future__ import annotations

import bisect
import itertools
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from groups.directory import weeks
from groups.directory.filterset import FACETS, MeetingFacet, many_to_many
from groups.models import REMOTE, Meeting, SupportGroup

SEARCH_CACHE_SIZE = 32
OFFSET_CACHE_SIZE = 16

Slots = dict[tuple[int, int], int]
T = TypeVar("T")


def bitmap_of(positions: Iterable[int], nbytes: int) -> int:
    """A Python int with the given bit positions set."""
    buffer = bytearray(nbytes)
    for p in positions:
        buffer[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(buffer, "little")


def nth_set_bits(bitmap: int, start: int, count: int) -> list[int]:
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
    found: list[int] = []
    rest = bitmap >> offset
    while rest and len(found) < count:
        step = (rest & -rest).bit_length() - 1
        offset += step
        found.append(offset)
        rest >>= step + 1
        offset += 1
    return found


class DirectoryIndex:
    """Bitmaps over the published listings of one generation. Read-only once built."""

    def __init__(self, generation: object):
        self.generation = generation
        self.built_in = 0.0
        self.size = 0
        self.nbytes = 1
        self.all = 0
        self.remote = 0
        self.ids = array("q")
        self.tables: dict[str, dict[Any, int]] = {}
        self.slots: Slots = {}
        self.slots_not_remote: Slots = {}
        self._position: array[int] | dict[int, int] = {}
        self._visitor: list[tuple[int, int]] = []
        self._start_minutes = array("i")
        self._start_positions = array("i")
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple, Any] = OrderedDict()
        self._keys: dict[tuple, int] = {}
        self._offsets: OrderedDict[int, Slots] = OrderedDict()
        self._updated_order: array | None = None
        self._next: tuple[int, array] | None = None

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def build(cls, generation: object) -> DirectoryIndex:
        """A query for the listings in order with their facet columns, one per many-to-many
        facet, one for the meetings: about a second at 100,000 listings."""
        started = time.perf_counter()
        index = cls(generation)
        facets = {name: f for name, f in FACETS.items() if not isinstance(f, MeetingFacet)}
        columns = {name: f.column for name, f in facets.items() if f.column}
        rows = list(
            SupportGroup.objects.published()
            .in_default_order()
            .values_list("pk", "attendance", *columns.values())
        )
        n = index.size = len(rows)
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

        remote = {str(value) for value in REMOTE}
        index.remote = bitmap_of(
            (p for p, row in enumerate(rows) if row[1] in remote), index.nbytes
        )
        for column_number, name in enumerate(columns, start=2):
            pairs = ((row[column_number], p) for p, row in enumerate(rows))
            index.tables[name] = index._grouped((k, p) for k, p in pairs if k is not None)
        position_of = index.position_of
        for name, facet in facets.items():
            if not facet.through:
                continue
            through, column = many_to_many(facet.through)
            links = through._default_manager.values_list(column, "supportgroup_id")
            index.tables[name] = index._grouped(
                (key, p) for key, pk in links.iterator(2000) if (p := position_of(pk)) >= 0
            )
        index._read_meetings()
        index.built_in = time.perf_counter() - started
        return index

    def _grouped(self, pairs: Iterable[tuple[Any, int]]) -> dict[Any, int]:
        found: dict[Any, list[int]] = {}
        for key, p in pairs:
            found.setdefault(key, []).append(p)
        return {key: bitmap_of(ps, self.nbytes) for key, ps in found.items()}

    def _read_meetings(self) -> None:
        remote_bits = self.remote.to_bytes(self.nbytes, "little")
        own: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
        starts: list[tuple[int, int]] = []
        meetings = Meeting.objects.values_list(
            "group_id", "weekday", "minute_of_week", "utc_minute_of_week"
        )
        for group_id, weekday, minute, utc_minute in meetings.iterator(5000):
            p = self.position_of(group_id)
            if p < 0:
                continue
            if minute is not None:
                slot = (minute // weeks.DAY, weeks.bucket_of(minute % weeks.DAY))
            elif weekday is not None:
                slot = (weekday, weeks.NO_TIME)
            else:
                continue
            is_remote = remote_bits[p >> 3] >> (p & 7) & 1
            own.setdefault(slot, ([], []))[is_remote].append(p)
            if utc_minute is not None:
                starts.append((utc_minute, p))
                if is_remote:
                    self._visitor.append((p, utc_minute))
        self.slots = {
            slot: bitmap_of(local + far, self.nbytes) for slot, (local, far) in own.items()
        }
        self.slots_not_remote = {
            slot: bitmap_of(local, self.nbytes) for slot, (local, _far) in own.items() if local
        }
        starts.sort()
        self._start_minutes = array("i", (minute for minute, _p in starts))
        self._start_positions = array("i", (p for _minute, p in starts))

    def position_of(self, pk: int) -> int:
        try:
            return self._position[pk]
        except (IndexError, KeyError):
            return -1

    # --- filters ----------------------------------------------------------------------------

    def any_of(self, facet: str, keys: Sequence[Any]) -> int:
        """Listings filed under any of `keys` of `facet` (kept: a region stands for many)."""
        memo = (facet, *keys)
        bits = self._keys.get(memo)
        if bits is None:
            table = self.tables.get(facet, {})
            bits = 0
            for key in keys:
                bits |= table.get(key, 0)
            self._keys[memo] = bits
        return bits

    def _slots_for(self, tz_offset: int | None) -> Slots:
        """{(day, bucket): bitmap} as the visitor sees it (their zone, or groups' own)."""
        if tz_offset is None:
            return self.slots
        with self._lock:
            slots = self._offsets.get(tz_offset)
            if slots is not None:
                self._offsets.move_to_end(tz_offset)
                return slots
        found: dict[tuple[int, int], list[int]] = {}
        for p, utc_minute in self._visitor:
            minute = (utc_minute + tz_offset) % weeks.WEEK
            slot = (minute // weeks.DAY, weeks.bucket_of(minute % weeks.DAY))
            found.setdefault(slot, []).append(p)
        slots = dict(self.slots_not_remote)
        for slot, ps in found.items():
            slots[slot] = slots.get(slot, 0) | bitmap_of(ps, self.nbytes)
        with self._lock:
            self._offsets[tz_offset] = slots
            while len(self._offsets) > OFFSET_CACHE_SIZE:
                self._offsets.popitem(last=False)
        return slots

    def meets(self, days: Sequence[int], buckets: Sequence[int], tz_offset: int | None) -> int:
        """Listings with one meeting on one of `days` (0 = Monday) at one of `buckets`."""
        slots = self._slots_for(tz_offset)
        bits = 0
        for day in days or range(7):
            for bucket in buckets or (0, 1, 2, weeks.NO_TIME):
                bits |= slots.get((day, bucket), 0)
        return bits

    # --- what searches keep -----------------------------------------------------------------

    def remember(self, key: tuple, compute: Callable[[], T], keep: int = SEARCH_CACHE_SIZE) -> T:
        """`compute()`'s value, kept with this index for the last `keep` keys of its kind (a key
        is a tuple whose first item names its kind: a search, one of its terms)."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._kept[key] = value
            kinds = [k for k in self._kept if k[0] == key[0]]
            for old in kinds[: max(0, len(kinds) - keep)]:
                del self._kept[old]
        return value

    def kept_keys(self) -> list[tuple]:
        """The keys of what searches kept (hashed: tests check no words are kept in clear)."""
        with self._lock:
            return list(self._kept)

    def forget_searches(self) -> None:
        """Drop every kept search and term (benchmarks time a search seen for the first time)."""
        with self._lock:
            self._kept.clear()

    def bitmap_of_ids(self, ids: Iterable[int]) -> int:
        """Bitmap of the listings with these ids (ids the index does not hold are skipped)."""
        position_of = self.position_of
        return bitmap_of((p for pk in ids if (p := position_of(pk)) >= 0), self.nbytes)

    # --- orders -----------------------------------------------------------------------------

    def updated_order(self) -> array:
        """Positions by most recently updated (one query, the first time it is asked for)."""
        if self._updated_order is None:
            ids = (
                SupportGroup.objects.published()
                .order_by("-updated_at", "name", "pk")
                .values_list("pk", flat=True)
            )
            self._updated_order = array(
                "i", (p for pk in ids.iterator(5000) if (p := self.position_of(pk)) >= 0)
            )
        return self._updated_order

    def next_order(self, now_minute: int) -> array:
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

    def page(self, bits: int, start: int, count: int, order: Any = None) -> list[int]:
        """Ids of results start .. start+count-1 among `bits`, in `order` (positions) or default.

        `order` may also be a list of bitmaps ("tiers", best first), each in default order.
        """
        if order is None:
            return [self.ids[p] for p in nth_set_bits(bits, start, count)]
        if isinstance(order, list):
            found: list[int] = []
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
        ids, seen = [], 0
        for p in order:
            if member[p >> 3] >> (p & 7) & 1:
                if seen >= start:
                    ids.append(self.ids[p])
                    if len(ids) == count:
                        break
                seen += 1
        return ids
