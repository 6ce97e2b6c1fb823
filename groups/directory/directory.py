"""One directory request, answered from the index: results, their order, and every count.

The cleaned state (groups/directory/state.py) says what the visitor chose; the index
(groups/directory/index.py) holds every published listing's facts as bitmaps. Each facet's count
is taken with every choice but its own ("how many results would choosing this option give"),
so a visitor sees how many groups each option leads to before choosing it.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any

from django.utils import timezone

from groups.directory import search, weeks
from groups.directory.filterset import FACETS, MeetingFacet
from groups.directory.index import DirectoryIndex
from groups.directory.state import State
from groups.directory.taxonomy import Taxonomy

# {"total": n, facet: {option value: n}}
Counts = dict[str, Any]


class Directory:
    def __init__(self, state: State, taxonomy: Taxonomy, index: DirectoryIndex):
        self.state = state
        self.taxonomy = taxonomy
        self.index = index
        self.tz_offset = weeks.zone_offset_minutes(state.tz) if state.tz else None
        # Answered from an index built before the latest change (a newer one is being built).
        self.stale = index.generation != taxonomy.generation
        self.facets = FACETS

    @cached_property
    def now(self) -> dt.datetime:
        """The moment "next meeting" is counted from: one per request."""
        return timezone.now()

    @property
    def sort(self) -> str:
        # Without search words: the next meeting from now first (as the most-used meeting
        # finders do), then listings without fixed times in the default order.
        return self.state.sort or ("relevance" if self.state.q else "next")

    # --- search ---------------------------------------------------------------------------------

    @cached_property
    def reading(self) -> search.Reading | None:
        """How search read the words (groups/directory/search.py), or None without a search."""
        if not self.state.q:
            return None
        return search.read_query(self.state.q, self.taxonomy.generation)

    @property
    def search_notice(self) -> search.SearchNotice:
        return search.notice(self.reading) if self.reading else search.SearchNotice()

    @cached_property
    def _searched(self) -> tuple[list[int] | None, int]:
        """(tiers best first, or None; every match) of the search, or every listing."""
        if self.reading is None:
            return None, self.index.all
        return search.index_search(self.index, self.reading)

    # --- filtering ------------------------------------------------------------------------------

    @cached_property
    def _chosen(self) -> dict[str, int]:
        """{facet: listings filed under a chosen option} for every facet read by key."""
        chosen = {}
        for name, facet in self.facets.items():
            values = self.state.active(name)
            if values and not isinstance(facet, MeetingFacet):
                bits = 0
                for option in facet.options(self.taxonomy):
                    if option.value in values:
                        bits |= self.index.any_of(name, option.keys)
                chosen[name] = bits
        return chosen

    def _meeting_keys(self, name: str, without: str | None = None) -> list[int]:
        if name == without:
            return []
        values = self.state.active(name)
        return [o.keys[0] for o in self.facets[name].options(self.taxonomy) if o.value in values]

    def bits(self, without: str | None = None) -> int:
        """The results, or (with `without`) the results of every choice but that facet's."""
        bits = self._searched[1]
        for name, chosen in self._chosen.items():
            if name != without:
                bits &= chosen
        days, buckets = self._meeting_keys("day", without), self._meeting_keys("time", without)
        if days or buckets:
            bits &= self.index.meets(days, buckets, self.tz_offset)
        return bits

    def total(self) -> int:
        return self.bits().bit_count()

    def counts(self) -> Counts:
        """{"total": n, facet: {option value: n}} for every option of every facet."""
        index = self.index
        counts: Counts = {"total": self.total()}
        for name, facet in self.facets.items():
            rest = self.bits(without=name)
            options = facet.options(self.taxonomy)
            if isinstance(facet, MeetingFacet):
                days, buckets = self._meeting_keys("day"), self._meeting_keys("time")
                counts[name] = {
                    o.value: (
                        rest
                        & index.meets(
                            o.keys if name == "day" else days,
                            o.keys if name == "time" else buckets,
                            self.tz_offset,
                        )
                    ).bit_count()
                    for o in options
                }
            else:
                counts[name] = {
                    o.value: (rest & index.any_of(name, o.keys)).bit_count() for o in options
                }
        return counts

    # --- pages ----------------------------------------------------------------------------------

    def _order(self) -> object:
        sort = self.sort
        if sort == "relevance" and self.state.q:
            return self._searched[0]
        if sort == "updated":
            return self.index.updated_order()
        if sort == "next":
            return self.index.next_order(weeks.week_minute(self.now))
        return None

    def page_ids(self, start: int, count: int) -> list[int]:
        """Ids of results start .. start+count-1, in the page's order."""
        return self.index.page(self.bits(), start, count, self._order())

    def anyone_online(self, count: int) -> tuple[int, list[int]]:
        """(total, ids of the first `count`) of the online groups open to anyone that match every
        choice but the region: listed in a section of their own when a region is chosen."""
        region = self.state.active("region")
        if not region or not self.taxonomy.shows_anyone_section(region[0]):
            return 0, []
        top = self.index.any_of("region", self.taxonomy.anyone_region_ids)
        bits = self.bits(without="region") & self.index.remote & top
        return bits.bit_count(), self.index.page(bits, 0, count, self._order())
