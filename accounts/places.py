"""Regions as organizers name them: "Hamilton, Ontario, Canada", and back from what they type.

The edit form offers every region's full name in a <datalist> (the browser filters it as they
type, with or without script) and reads back whatever was typed: the full name, a name that is
unique ("Hamilton"), the start of a full name ("Hamilton, Ontario"), or a region's number (posts
from the older select). Anything else is a FindError that names the closest places, or the
region a town we do not list is in (from the visitors' gazetteer, groups/places.py).
"""

import difflib
import re

from groups.models import Region
from groups.places import fold, gazetteer

# How many close places an error names: enough to spot the right one, short enough to read.
SUGGESTIONS = 5


def region_label(region, tree):
    """'Hamilton, Ontario, Canada': the place and what it is in, without continents."""
    chain = [
        r
        for r in reversed(tree.ancestors(region.pk))
        if r.kind not in (Region.Kind.WORLD, Region.Kind.CONTINENT) or r.pk == region.pk
    ]
    return ", ".join(r.name for r in chain)


def place_labels(tree):
    """Every region's full name, wider areas (the world, continents) and then A to Z."""
    wide = sorted(
        r.name for r in tree.by_id.values() if r.kind in (Region.Kind.WORLD, Region.Kind.CONTINENT)
    )
    rest = sorted(
        region_label(r, tree)
        for r in tree.by_id.values()
        if r.kind not in (Region.Kind.WORLD, Region.Kind.CONTINENT)
    )
    return wide + rest


def _key(text):
    """Compare names as people type them: any case, accents, spaces around commas."""
    return re.sub(r"\s*,\s*", ", ", re.sub(r"\s+", " ", fold(text.strip())))


class FindError(Exception):
    def __init__(self, kind, suggestions=()):
        super().__init__(kind)
        self.kind = kind  # "ambiguous", "inside" (a town in one of our regions) or "unknown"
        self.suggestions = list(suggestions)


def find_region(text, tree):
    """The region `text` names, or FindError(kind, closest full names)."""
    text = (text or "").strip()
    if text.isdigit():
        region = tree.by_id.get(int(text))
        if region is None:
            raise FindError("unknown")
        return region
    wanted = _key(text)
    labelled = []
    for r in tree.by_id.values():
        label = region_label(r, tree)
        labelled.append((_key(label), label, r))
    exact = [item for item in labelled if item[0] == wanted]
    if len(exact) == 1:
        return exact[0][2]
    # "Hamilton" or "Hamilton, Ontario": the start of one full name, whole names only.
    starts = exact or [item for item in labelled if item[0].startswith(wanted + ", ")]
    if len(starts) == 1:
        return starts[0][2]
    if starts:
        raise FindError("ambiguous", sorted(label for _k, label, _r in starts)[:SUGGESTIONS])
    # A town we have no region for ("Glasgow"): the region it is in is the answer.
    city = gazetteer().cities.get(tuple(wanted.split(", ")[0].replace("-", " ").split()))
    inside = gazetteer().containing(city, tree) if city else None
    if inside is not None:
        raise FindError("inside", [region_label(inside, tree)])
    by_key = {key: label for key, label, _r in labelled}
    close = [label for key, label, _r in labelled if wanted and wanted in key.split(", ")[0]] + [
        by_key[key] for key in difflib.get_close_matches(wanted, by_key, n=SUGGESTIONS)
    ]
    # Also a close first name ("Hamiltn"), which the whole-name comparison misses.
    firsts = {}
    for key, label, _r in labelled:
        firsts.setdefault(key.split(", ")[0], []).append(label)
    for name in difflib.get_close_matches(wanted.split(", ")[0], firsts, n=SUGGESTIONS):
        close.extend(firsts[name])
    raise FindError("unknown", list(dict.fromkeys(close))[:SUGGESTIONS])
