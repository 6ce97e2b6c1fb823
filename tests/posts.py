"""What a browser posts back: this site's forms filled in as they were rendered, so that a test
changes only the fields it is about. One builder per form, shared by every module that posts it."""

from django.urls import reverse

from groups.models import Meeting

# The fields of one row of the organizer's meetings formset, in the order the page shows them.
MEETING_FIELDS = Meeting.SCHEDULE_FIELDS


def edit_url(group):
    return reverse("accounts:edit", args=[group.slug])


def listing_post(group, *, prefix="meetings", another_time=False, **overrides):
    """What the organizer's edit page posts when nothing is changed, plus `overrides`: every
    listing field, and the meetings formset as rendered. With `another_time`, as after "Add
    another time": one more, blank row (zone preset), to fill in with overrides."""
    from accounts.forms import SupportGroupForm, meeting_formset

    form = SupportGroupForm(instance=group)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    formset = meeting_formset(group, extra=1 if another_time else None)
    management = formset.management_form
    for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        data[f"{prefix}-{name}"] = str(management[name].value())
    for index, meeting_form in enumerate(formset.forms):
        for name in [*MEETING_FIELDS, "id"]:
            value = meeting_form[name].value()
            if isinstance(value, list):  # ticked weeks of the month: one value per tick
                if value:
                    data[f"{prefix}-{index}-{name}"] = [str(v) for v in value]
            elif value not in (None, ""):
                data[f"{prefix}-{index}-{name}"] = str(value)
    data.update(overrides)
    return data


def admin_form_post(form):
    """What a browser posts back for an admin form as it was rendered (its initial values)."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = getattr(value, "pk", value)
    return data


# The change form's inlines, posted empty: the listing's meetings and owners stay as they are.
EMPTY_ADMIN_INLINES = {
    "meetings-TOTAL_FORMS": "0",
    "meetings-INITIAL_FORMS": "0",
    "ownerships-TOTAL_FORMS": "0",
    "ownerships-INITIAL_FORMS": "0",
}


def admin_change_post(client, group):
    """The moderator's change form for `group` and what the browser posts back from it as it was
    rendered, inlines empty: (url, data)."""
    url = reverse("admin:groups_supportgroup_change", args=[group.pk])
    data = admin_form_post(client.get(url).context["adminform"].form)
    data.update(EMPTY_ADMIN_INLINES)
    return url, data


def changelist(model):
    return reverse(f"admin:{model}_changelist")


def admin_action(client, model, action, objects, reason=None):
    """Choose an admin action for `objects`; with a reason, also confirm it on the next page."""
    data = {"action": action, "_selected_action": [o.pk for o in objects]}
    if reason is not None:
        data.update({"apply": "1", "reason": reason})
    return client.post(changelist(model), data)


def report_url(group):
    return reverse("groups:report", args=[group.slug])


def report_post(**overrides):
    """A visitor's valid 'report a problem' form."""
    return {"reason": "wrong_time_or_place", "details": "They meet on Tuesdays now.", **overrides}
