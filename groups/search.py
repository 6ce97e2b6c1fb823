"""The stored search text: what each listing's text and meeting minutes say, kept current.

`refresh_search_document(group_ids)` rebuilds the search text of listings (name, summary,
description, types and their synonyms, host, places, venue) and their meetings' minutes of the
week. Call it whenever a listing, its meetings, or the taxonomy it is filed under changes (admin
save, organizer edits, CSV import, fixture loading). It is explicit on purpose: no signals, so
bulk loads stay fast and nothing changes behind anyone's back. Database triggers then keep the
full-text indexes equal to the text (groups/textindex.py); searching them is the directory's
business (groups/directory/search.py).
"""

import datetime as dt

from django.utils import timezone

from groups import schedule
from groups.directory.weeks import WEEK
from groups.vocabulary import remember_words, vocabulary_words

# The PostgreSQL indexes search reads (migrations 0003, 0005 and 0008).
FTS_INDEX = "group_search_vector"
TRIGRAM_INDEX = "group_search_trgm"


def week_minutes(meeting, when=None):
    """(minute_of_week in the meeting's zone, utc_minute_of_week at the zone's offset at `when`).

    None for both when the meeting has no weekday or start time. The UTC value follows daylight
    saving: `refresh_week_minutes` (hourly) rewrites it after a zone changes its clocks.
    """
    if meeting.weekday is None or meeting.start_time is None:
        return None, None
    local = meeting.weekday * 1440 + meeting.start_time.hour * 60 + meeting.start_time.minute
    when = when or timezone.now()
    offset = when.astimezone(schedule.zone(meeting.timezone)).utcoffset() or dt.timedelta(0)
    utc = (local - int(offset.total_seconds() // 60)) % WEEK
    return local, utc


def refresh_week_minutes(when=None):
    """Recompute every meeting's week minutes at `when` (now) and write only those that moved.

    Zones change their clocks at different hours (01:00 UTC in the UK, 06:00 to 10:00 UTC across
    the US, 14:00 UTC on a Saturday in New Zealand): run hourly, a zone's meetings are filed
    under their new UTC minute within the hour. An hour without a change writes nothing, so the
    directory's generation, and with it every process's index and kept pages, stays. Returns
    the number of meetings written.
    """
    from groups.models import Meeting

    when = when or timezone.now()  # one instant for all: a run may straddle a clock change
    fields = ["minute_of_week", "utc_minute_of_week"]
    moved = []
    meetings = Meeting.objects.only("weekday", "start_time", "timezone", *fields)
    for meeting in meetings.iterator(chunk_size=5000):
        minutes = week_minutes(meeting, when)
        if minutes != (meeting.minute_of_week, meeting.utc_minute_of_week):
            meeting.minute_of_week, meeting.utc_minute_of_week = minutes
            moved.append(meeting)
    Meeting.objects.bulk_update(moved, fields, batch_size=1000)
    return len(moved)


def _join(*parts):
    return " ".join(p.strip() for p in parts if p and p.strip())


def refresh_search_document(group_ids=None, when=None):
    """Rebuild the search text of these listings (all when None) and their meetings' week minutes.

    A handful of queries whatever the number of listings (bulk_update in batches). Returns the
    number of listings refreshed. On SQLite the FTS5 index follows by trigger.
    """
    from groups.models import Meeting, RegionTree, SupportGroup

    tree = RegionTree.load()
    groups = SupportGroup.objects.select_related("host").prefetch_related("types", "meetings")
    if group_ids is not None:
        groups = groups.filter(pk__in=list(group_ids))
    changed_groups, changed_meetings, words = [], [], set()
    for group in groups.iterator(chunk_size=2000):
        types = list(group.types.all())
        type_words = [t.name for t in types] + [
            s for t in types for s in (x.strip() for x in t.synonyms.split(",")) if s
        ]
        places = [r.name for r in tree.ancestors(group.region_id)] if group.region_id else []
        group.search_document = _join(
            group.name,
            group.summary,
            group.description,
            " ".join(type_words),
            group.host.name if group.host else "",
            " ".join(reversed(places)),
            group.service_area,
            group.venue,
            group.address,
        )
        group.search_names = _join(group.name, " ".join(t.name for t in types))[:600]
        words |= vocabulary_words(group.search_document)
        changed_groups.append(group)
        for meeting in group.meetings.all():
            meeting.minute_of_week, meeting.utc_minute_of_week = week_minutes(meeting, when)
            changed_meetings.append(meeting)
    SupportGroup.objects.bulk_update(
        changed_groups, ["search_document", "search_names"], batch_size=500
    )
    Meeting.objects.bulk_update(
        changed_meetings, ["minute_of_week", "utc_minute_of_week"], batch_size=1000
    )
    remember_words(words)
    return len(changed_groups)


def groups_for_taxonomy(**lookup):
    """Ids of listings filed under a type/region/host, to refresh after that taxonomy changes."""
    from groups.models import SupportGroup

    return list(SupportGroup.objects.filter(**lookup).values_list("pk", flat=True))
