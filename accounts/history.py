"""A listing's edit history in plain words: who changed what, when, from the simple-history rows.

Personal data stays with the people who could see it: others appear as "An organizer" or "A
moderator" (never their account email or name), and a contact value that was private shows
only to moderators and to owners who were owners while it was current. A later owner does not
read the phone number the previous owner once kept private.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from groups import schedule
from groups.models import Meeting, Organization, Region, SupportGroup

# Bookkeeping columns nobody needs to read about.
SKIP_FIELDS = {
    "id",
    "slug",
    "submitted_by",
    "search_document",
    "search_names",
    "minute_of_week",
    "utc_minute_of_week",
}


@dataclass
class Change:
    label: str
    old: str = ""
    new: str = ""


@dataclass
class HistoryEntry:
    when: object
    who: str
    what: str
    changes: list = field(default_factory=list)


# Contact values and the box that made each public.
CONTACT_FIELDS = {
    "website": "website_public",
    "join_url": "join_url_public",
    "contact_name": "contact_name_public",
    "email": "email_public",
    "phone": "phone_public",
}


@dataclass
class Viewer:
    """Who reads the history: their id, and since when they own the listing (None: moderator)."""

    user_id: int
    owner_since: object = None

    def may_see(self, record, field_name):
        flag = CONTACT_FIELDS.get(field_name)
        if flag is None or self.owner_since is None or getattr(record, flag, False):
            return True
        return record.history_date >= self.owner_since


def who(record, viewer=None):
    user = record.history_user
    if user is None:
        return _("No account recorded (imported, or the account was deleted)")
    if viewer is not None and user.pk == viewer.user_id:
        return _("You (%(name)s)") % {"name": user.name} if user.name else _("You")
    if user.is_staff:
        return _("A moderator")
    return _("An organizer")


def meeting_text(record):
    text = schedule.describe(record)
    if record.notes:
        text = f"{text} ({record.notes})"
    return text


def _fields(model):
    return [f for f in model._meta.concrete_fields if f.name not in SKIP_FIELDS]


def _display(model_field, value, names):
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if model_field.is_relation:
        return names.get((model_field.name, value), str(value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


def _shown(viewer, record, model_field, value, names):
    if viewer is not None and value and not viewer.may_see(record, model_field.name):
        return _("(private at the time)")
    return _display(model_field, value, names)


def _pairs(records):
    """Each record with the one before it for the same object (None for the first)."""
    previous = {}
    for record in records:
        yield record, previous.get(record.id)
        previous[record.id] = record


def support_group_history(group, viewer=None, limit=200, only=None, since=None):
    """Newest first. Four queries whatever the length: two history tables, two name lookups.

    `viewer` (a Viewer) limits names and private contact values; None shows everything.
    `only` limits the listing's fields to those names; `since` to records from that time on."""
    group_records = list(
        SupportGroup.history.filter(id=group.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    meeting_records = list(
        Meeting.history.filter(group_id=group.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    group_fields = [f for f in _fields(SupportGroup) if f.name in _tracked(group_records)]
    if only is not None:
        group_fields = [f for f in group_fields if f.name in only]
    region_ids = {r.region_id for r in group_records if r.region_id}
    host_ids = {r.host_id for r in group_records if r.host_id}
    names = {}
    if region_ids:
        names.update({("region", r.pk): r.name for r in Region.objects.filter(pk__in=region_ids)})
    if host_ids:
        names.update({("host", o.pk): o.name for o in Organization.objects.filter(pk__in=host_ids)})

    entries = []
    for record, before in _pairs(group_records):
        if record.history_type == "+" or before is None:
            entries.append(
                HistoryEntry(record.history_date, who(record, viewer), _("Listing created"))
            )
            continue
        if record.history_type == "-":
            entries.append(
                HistoryEntry(record.history_date, who(record, viewer), _("Listing deleted"))
            )
            continue
        changes = []
        for f in group_fields:
            old, new = getattr(before, f.attname), getattr(record, f.attname)
            if old != new:
                changes.append(
                    Change(
                        str(f.verbose_name).capitalize(),
                        _shown(viewer, before, f, old, names),
                        _shown(viewer, record, f, new, names),
                    )
                )
        if changes:
            entries.append(
                HistoryEntry(record.history_date, who(record, viewer), _("Listing edited"), changes)
            )

    for record, before in _pairs(meeting_records):
        if record.history_type == "-":
            what, changes = _("Meeting time removed"), [Change(_("Meeting"), meeting_text(record))]
        elif record.history_type == "+" or before is None:
            what, changes = (
                _("Meeting time added"),
                [Change(_("Meeting"), "", meeting_text(record))],
            )
        else:
            old, new = meeting_text(before), meeting_text(record)
            if old == new and before.start_date == record.start_date:
                continue
            what, changes = _("Meeting time changed"), [Change(_("Meeting"), old, new)]
        entries.append(HistoryEntry(record.history_date, who(record, viewer), what, changes))

    if since is not None:
        entries = [e for e in entries if e.when >= since]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


def last_save(group, viewer=None, only=None):
    """The entries of the listing's newest save: its own record and the meeting times written
    after it (a save writes the listing first, then its meeting times). Five queries."""
    newest = (
        SupportGroup.history.filter(id=group.pk)
        .order_by("-history_date", "-history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    if newest is None:
        return []
    return support_group_history(group, viewer, only=only, since=newest)


def _tracked(records):
    if not records:
        return set()
    return {f.name for f in records[0]._meta.concrete_fields}
