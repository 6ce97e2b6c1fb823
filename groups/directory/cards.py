"""What a result card shows (templates/groups/includes/group_card.html), read for a page at once.

Three queries for any number of cards: the listings (only the columns a card shows), the ids of
their types (the types themselves come from the per-generation taxonomy), and their meetings.
The place is named from the in-memory region tree: no join for region or host.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from groups import schedule
from groups.directory.taxonomy import Taxonomy
from groups.models import REMOTE, GroupType, Meeting, SupportGroup

CARD_FIELDS = [
    "id",
    "name",
    "slug",
    "summary",
    "attendance",
    "status",
    "source_document",  # the "not confirmed" line names the document
    "region_id",
    "last_confirmed",
    "created_at",
    "moderation",
]


@dataclass
class Card:
    group: SupportGroup
    types: list[GroupType] = field(default_factory=list)
    place: str = ""
    schedule_lines: list = field(default_factory=list)
    happening: str | None = None  # "now" or "soon": an online meeting one could join
    starts_at: str | None = None
    remote: bool = False  # joined from anywhere: its times follow the visitor's zone
    zones: set[str] = field(default_factory=set)  # the zones of the start times it shows


def cards_for(
    ids: Sequence[int],
    taxonomy: Taxonomy,
    visitor_zone: str = "",
    now: dt.datetime | None = None,
) -> list[Card]:
    """Cards of the published listings with these ids, in the order of `ids`."""
    if not ids:
        return []
    now = now or timezone.now()
    groups = {
        g.pk: g for g in SupportGroup.objects.published().only(*CARD_FIELDS).filter(pk__in=ids)
    }
    types: dict[int, list[int]] = {}
    through = SupportGroup.types.through.objects.filter(supportgroup_id__in=ids)
    for group_id, type_id in through.values_list("supportgroup_id", "grouptype_id"):
        types.setdefault(group_id, []).append(type_id)
    meetings: dict[int, list[Meeting]] = {}
    for meeting in Meeting.objects.filter(group_id__in=ids).order_by("weekday", "start_time"):
        meetings.setdefault(meeting.group_id, []).append(meeting)
    cards = []
    for pk in ids:
        group = groups.get(pk)
        if group is None:  # unpublished since the index was built
            continue
        own = meetings.get(pk, [])
        remote = group.attendance in REMOTE
        card = Card(
            group,
            types=[t for t in taxonomy.types if t.pk in types.get(pk, ())],
            place=_place(taxonomy, group.region_id),
            schedule_lines=schedule.lines_for(own[:3], visitor_zone, remote, after=now),
            remote=remote,
            zones={m.timezone for m in own[:3] if m.start_time is not None},
        )
        if remote and group.status == SupportGroup.Status.ACTIVE:
            card.happening, card.starts_at = schedule.under_way_or_soon(own, now, visitor_zone)
        cards.append(card)
    return cards


def _place(taxonomy: Taxonomy, region_id: int | None) -> str:
    if not region_id:
        return ""
    return ", ".join(r.name for r in reversed(taxonomy.tree.ancestors(region_id)[-2:]))
