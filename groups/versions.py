"""One version check for every write to a listing.

Each SupportGroup row carries a `version`. Whatever writes a listing (the organizer's edit form,
the admin change form and its history revert, the moderation actions, "still meeting") first
calls `next_version()`, which raises the number in one conditional UPDATE. A form passes the
version it was opened at: if anyone saved since, nothing is written and EditConflict is raised,
so a stale form can never put back a value someone else changed (an email made private again
public, a summary edit lost). Writes without a form (actions) still raise the number, so the
forms open elsewhere become stale.
"""

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import SupportGroup


class EditConflict(Exception):
    """The listing changed after the form was opened: nothing was saved."""


def next_version(group_pk, expected=None):
    """Raise the listing's version (and updated_at); returns (new version, the time).

    With `expected`, only if the row is still at that version, else EditConflict. Call it inside
    the transaction that writes the listing: the UPDATE holds the row until commit, so of two
    writes from the same version exactly one wins, on SQLite and PostgreSQL alike.
    """
    now = timezone.now()
    rows = SupportGroup.objects.filter(pk=group_pk)
    if expected is not None:
        rows = rows.filter(version=expected)
    if not rows.update(version=F("version") + 1, updated_at=now):
        raise EditConflict
    return SupportGroup.objects.filter(pk=group_pk).values_list("version", flat=True).get(), now


def shown(field, value):
    """A form value as a person reads it: labels for choices, names for records."""
    if value in (None, "", []):
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    choices = getattr(field, "choices", None)
    if choices is not None:
        labels = {str(k): str(v) for k, v in choices if k not in ("", None)}
        items = value if isinstance(value, list | tuple) else [value]
        return ", ".join(labels.get(str(getattr(v, "pk", v)), str(v)) for v in items)
    return str(value)


def compare(form, current_form, names):
    """Rows for a conflict page: each field's label, the unsaved value and the current one."""
    rows = []
    for name in names:
        field = form.fields[name]
        yours = shown(field, form[name].value())
        theirs = shown(field, current_form[name].value())
        rows.append(
            {"label": field.label, "yours": yours, "theirs": theirs, "differs": yours != theirs}
        )
    return rows
