"""What listings are filed under, held once per directory generation.

Types, audiences, languages and the region tree change rarely and are read on every directory
page, listing page and search. `current(generation)` loads them in four queries the first time
a process sees a generation (groups/generation.py) and keeps them until the next one; everything
derived from them (the options of each filter, the region rule, the phrases search maps to a
type) is computed from that one object, at most once per generation.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from groups.models import Audience, GroupType, Language, RegionTree, SupportGroup
from groups.vocabulary import words_of

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Option:
    """One choice of a filter: its URL value, its label, and the index keys it stands for."""

    value: str
    label: StrOrPromise
    keys: tuple = ()  # what the directory index files listings under (ids, codes, buckets)
    depth: int = 0  # regions: how far below the top of the tree


@dataclass
class Taxonomy:
    """The reference tables as of one generation. Read-only once loaded."""

    generation: object
    types: list[GroupType] = field(default_factory=list)
    audiences: list[Audience] = field(default_factory=list)
    languages: list[Language] = field(default_factory=list)
    tree: RegionTree = field(default_factory=lambda: RegionTree([]))
    _serving: dict[int, frozenset[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, generation: object) -> Taxonomy:
        """Four queries, each in the model's own order."""
        return cls(
            generation,
            list(GroupType.objects.all()),
            list(Audience.objects.all()),
            list(Language.objects.all()),
            RegionTree.load(),
        )

    # --- the filters' options ---------------------------------------------------------------

    @cached_property
    def type_options(self) -> list[Option]:
        return [Option(o.slug, o.name, (o.pk,)) for o in self.types]

    @cached_property
    def audience_options(self) -> list[Option]:
        return [Option(o.slug, o.name, (o.pk,)) for o in self.audiences]

    @cached_property
    def language_options(self) -> list[Option]:
        return [Option(o.code, o.name, (o.pk,)) for o in self.languages]

    @cached_property
    def region_options(self) -> list[Option]:
        """Every region, depth first and by name, so a select can show the hierarchy; each
        stands for the regions that serve it (`serving_region_ids`)."""
        found = []

        def walk(parent_id: int | None, depth: int) -> None:
            for region in sorted(self.tree.children.get(parent_id, []), key=_by_name):
                keys = tuple(sorted(self.serving_region_ids(region.id)))
                found.append(Option(region.slug, region.name, keys, depth))
                walk(region.id, depth + 1)

        walk(None, 0)
        return found

    # --- the region rule --------------------------------------------------------------------

    def serving_region_ids(self, region_id: int) -> frozenset[int]:
        """Where a listing may be filed and still serve a visitor who chose `region_id`.

        The region and everything inside it, and the wider regions that contain it (a group for
        "the US and Canada", filed under North America, is a group for the US), but not the top
        of the tree: what is filed there serves everyone, and its online groups get a labelled
        section of their own (`anyone_region_ids`). The one rule for the filter, the index and
        the region counts.
        """
        found = self._serving.get(region_id)
        if found is None:
            tree = self.tree
            wider = [r.id for r in tree.ancestors(region_id)[:-1] if r.parent_id is not None]
            found = self._serving[region_id] = frozenset(tree.descendant_ids(region_id) + wider)
        return found

    @cached_property
    def anyone_region_ids(self) -> list[int]:
        """The top of the tree ("Worldwide"): online groups filed there are open to anyone."""
        return [r.id for r in self.tree.children.get(None, [])]

    def shows_anyone_section(self, region_slug: str) -> bool:
        """A chosen region below the top gets the "Online groups anyone can join" section."""
        region = self.tree.by_slug.get(region_slug)
        return region is not None and region.parent_id is not None

    # --- for search -------------------------------------------------------------------------

    @cached_property
    def concepts(self) -> dict[tuple[str, ...], GroupType]:
        """{phrase as a tuple of plural-blind words: GroupType} from every type's name and
        synonyms (the curated visitors' words of fixtures/taxonomy.json)."""
        found: dict[tuple[str, ...], GroupType] = {}
        for group_type in sorted(self.types, key=lambda t: t.pk):
            for phrase in [group_type.name, *group_type.synonyms.split(",")]:
                key = tuple(plural_blind(w) for w in words_of(phrase))
                if key and key not in found:
                    found[key] = group_type
        return found

    @cached_property
    def region_names(self) -> set[tuple[str, ...]]:
        return {tuple(words_of(r.name)) for r in self.tree.by_id.values()}

    @cached_property
    def occupied_region_ids(self) -> set[int]:
        """The regions published listings are filed under: one query, the first time a search
        names a place in this generation."""
        rows = SupportGroup.objects.published().order_by().values_list("region_id", flat=True)
        return set(rows.distinct())


class Named(Protocol):
    name: str


def _by_name(item: Named) -> str:
    return item.name


def plural_blind(word: str) -> str:
    """A plural-blind spelling for comparing phrases: "parents" and "parent" meet."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# --- this process's taxonomy -------------------------------------------------------------------

_current: Taxonomy | None = None
_lock = threading.Lock()


def current(generation: object) -> Taxonomy:
    """The taxonomy as of `generation`: loaded once per process per generation."""
    global _current
    kept = _current
    if kept is not None and kept.generation == generation:
        return kept
    loaded = Taxonomy.load(generation)
    with _lock:
        _current = loaded
    return loaded


def reset() -> None:
    """Forget the kept taxonomy (tests that change reference tables without a new generation)."""
    global _current
    with _lock:
        _current = None
