"""Organizer pages: dashboard, claims, editing, new listings, co-organizers, leaving."""

import json

from allauth.account.decorators import verified_email_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import reminder_links, services, timewords
from accounts.forms import (
    LISTING_FIELDS,
    ClaimForm,
    DeleteAccountForm,
    InvitationForm,
    MeetingFormSet,
    SupportGroupForm,
    default_timezone,
    error_summary,
    meeting_formset,
    sentence_words,
)
from accounts.history import Viewer, last_save, support_group_history
from accounts.models import Claim
from accounts.permissions import get_group_for_owner, is_owner
from groups import ratelimit
from groups.models import Meeting, Ownership, Report, SupportGroup
from groups.versions import compare


@login_required
def dashboard(request):
    groups = (
        SupportGroup.objects.filter(ownerships__user=request.user)
        .prefetch_related(Prefetch("meetings", queryset=Meeting.objects.order_by("weekday")))
        .order_by("name")
    )
    claims = Claim.objects.pending().filter(user=request.user).select_related("group")
    reports = Report.objects.for_owner(request.user).open()
    return render(
        request,
        "accounts/dashboard.html",
        {"groups": groups, "claims": claims, "reports": reports},
    )


# Each claim and each new listing mails every moderator: a few a day per account, far more than a
# person needs, far fewer than a script could send (it sent 25 new listings in a second).
CLAIMS_PER_ACCOUNT_PER_DAY = 20
NEW_LISTINGS_PER_ACCOUNT_PER_DAY = 20
DAY = 24 * 60 * 60


def _allowed_today(request, action, limit):
    """Count one (atomically, before it is made) for the signed-in account."""
    who = ratelimit.account_hash(f"user:{request.user.pk}")
    return ratelimit.consume(f"{action}-account", who, limit, DAY) is not None


def _too_many_today():
    return _(
        "You have sent as many of these as we allow in a day. Please try again tomorrow, "
        "or write to the moderators."
    )


# Claims ---------------------------------------------------------------------------------------


@verified_email_required
def claim(request, slug):
    group = get_object_or_404(SupportGroup.objects.published(), slug=slug)
    if is_owner(request.user, group):
        messages.info(request, _("You already manage this listing."))
        return redirect("accounts:edit", group.slug)
    if group.ownerships.exists():
        return render(request, "accounts/claim_owned.html", {"group": group}, status=409)
    pending = Claim.objects.pending().filter(group=group, user=request.user).first()
    if pending:
        messages.info(request, _("Your request is already with the moderators."))
        return redirect("accounts:dashboard")
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _allowed_today(request, "claim", CLAIMS_PER_ACCOUNT_PER_DAY):
            form.add_error(None, _too_many_today())
            return render(
                request, "accounts/claim.html", {"group": group, "form": form}, status=429
            )
        services.submit_claim(group, request.user, **form.cleaned_data)
        messages.success(
            request,
            _(
                "Thank you. A moderator will check your request, usually within a week, "
                "and email you."
            ),
        )
        return redirect("accounts:dashboard")
    return render(request, "accounts/claim.html", {"group": group, "form": form})


@login_required
@require_POST
def withdraw_claim(request, pk):
    claim = get_object_or_404(Claim, pk=pk, user=request.user)
    try:
        services.withdraw_claim(claim)
        messages.success(request, _("Your request was withdrawn."))
    except services.ClaimAlreadyDecided as exc:
        messages.info(request, str(exc))
    return redirect("accounts:dashboard")


# Editing --------------------------------------------------------------------------------------


def _visibility(group):
    """Who sees the listing once saved: "live" (everyone), "pending" (a moderator has not
    published it yet: its owners and the moderators) or "archived" (owners and moderators)."""
    if group.moderation == SupportGroup.Moderation.PUBLISHED:
        return "live"
    if group.moderation == SupportGroup.Moderation.PENDING:
        return "pending"
    return "archived"


def _support_group_page(
    request, template, group, form, formset, status=200, adding=False, text_to_check=()
):
    context = {
        "text_to_check": text_to_check,
        "group": group,
        "visibility": _visibility(group),
        "form": form,
        "formset": formset,
        "adding": adding,
        "error_items": [] if adding else error_summary(form, formset),
        "sentence_words": json.dumps(sentence_words()),
        # Only a fresh page may swap the site's guess for the browser's zone; never typed data.
        "zone_source": "typed" if form.is_bound else formset.zone_source,
    }
    return render(request, template, context, status=status)


def _with_another_meeting(request, group):
    """The posted data with one more blank meeting time: the no-script "Add another time".

    Nothing is saved; the page comes back with everything typed so far and a new block,
    preset to the zone the other times use.
    """
    data = request.POST.copy()
    try:
        total = int(data.get("meetings-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    total = max(0, min(total, MeetingFormSet.absolute_max - 1))
    zone = next(
        (
            data[f"meetings-{i}-timezone"]
            for i in range(total)
            if data.get(f"meetings-{i}-timezone")
        ),
        default_timezone(group)[0],
    )
    data["meetings-TOTAL_FORMS"] = str(total + 1)
    data[f"meetings-{total}-timezone"] = zone
    return data


def _add_meeting_page(request, template, group):
    data = _with_another_meeting(request, group)
    form = SupportGroupForm(data, instance=group)
    formset = meeting_formset(group, data)
    return _support_group_page(request, template, group, form, formset, adding=True)


# The query flag that brings an organizer back to the form to look at their "how to join" words.
TEXT_CHECK = "how_to_join"


@login_required
def edit(request, slug):
    group = get_group_for_owner(request, slug, allow_moderators=True)
    if request.method != "POST":
        form = SupportGroupForm(instance=group)
        # Back from a save that changed the times: ask about words that may now contradict them.
        check = request.GET.get("check") == TEXT_CHECK
        text = timewords.sentences_about_times(group.how_to_join) if check else []
        return _support_group_page(
            request, "accounts/edit.html", group, form, meeting_formset(group), text_to_check=text
        )

    if "add_meeting" in request.POST:
        return _add_meeting_page(request, "accounts/edit.html", group)
    form = SupportGroupForm(request.POST, instance=group)
    formset = meeting_formset(group, request.POST)
    valid = form.is_valid()
    valid = formset.is_valid() and valid
    expected = form.cleaned_data.get("version") if hasattr(form, "cleaned_data") else None
    if valid:
        # Before saving: a saved formset no longer knows what changed.
        times_changed = formset.has_changed() and "how_to_join" not in form.changed_data
        lists_changed = [name for name in form.changed_data if name in TICKED_LISTS]
        try:
            services.save_support_group(group, form, formset, request.user, expected)
        except services.EditConflict:
            return _conflict(request, group, form, formset)
        if times_changed and timewords.sentences_about_times(group.how_to_join):
            messages.success(request, _saved_words(group))
            url = reverse("accounts:edit", args=[group.slug])
            return redirect(f"{url}?check={TEXT_CHECK}#text-check")
        url = reverse("accounts:saved", args=[group.slug])
        if lists_changed:
            url = f"{url}?{urlencode({'lists': lists_changed}, doseq=True)}"
        return redirect(url)
    if expected is not None and expected != group.version:
        return _conflict(request, group, form, formset)
    return _support_group_page(request, "accounts/edit.html", group, form, formset, status=400)


# The listing's ticked lists: the history keeps no record of them, so "saved" is told which.
TICKED_LISTS = [f.name for f in SupportGroup._meta.many_to_many if f.name in LISTING_FIELDS]


def _saved_words(group):
    return {
        "live": _("Saved. Your changes are live now."),
        "pending": _("Saved. Visitors see the listing once a moderator publishes it."),
        "archived": _("Saved. The listing is archived: visitors do not see it."),
    }[_visibility(group)]


def _group_and_viewer(request, slug):
    """The listing its owner or a moderator asks about, and what of its history they may see:
    since when the viewer owns it, in the same query (None: a moderator, not an owner)."""
    since = Ownership.objects.filter(group=OuterRef("pk"), user=request.user.pk)
    queryset = SupportGroup.objects.annotate(owner_since=Subquery(since.values("created_at")[:1]))
    group = get_group_for_owner(request, slug, allow_moderators=True, queryset=queryset)
    return group, Viewer(request.user.pk, group.owner_since)


@login_required
@require_safe
def saved(request, slug):
    """What the organizer's save changed, whether visitors see it now, and the way to look."""
    group, viewer = _group_and_viewer(request, slug)
    changes = [c for entry in last_save(group, viewer, LISTING_FIELDS) for c in entry.changes]
    names = [name for name in request.GET.getlist("lists") if name in TICKED_LISTS]
    lists = [
        {
            "label": SupportGroup._meta.get_field(name).verbose_name.capitalize(),
            "now": ", ".join(str(item) for item in getattr(group, name).all()) or _("(none)"),
        }
        for name in names
    ]
    return render(
        request,
        "accounts/saved.html",
        {
            "group": group,
            "visibility": _visibility(group),
            "headline": _saved_words(group),
            # The public page's own rule (an archived listing, or a moderator on a pending one: 404).
            "can_view": SupportGroup.objects.visible_to(request.user).filter(pk=group.pk).exists(),
            "changes": changes,
            "lists": lists,
        },
    )


def _conflict(request, group, form, formset):
    """Both versions side by side; nothing was saved."""
    current = SupportGroup.objects.get(pk=group.pk)
    current_form = SupportGroupForm(instance=current)
    rows = compare(form, current_form, SupportGroupForm.Meta.fields)
    your_meetings = []
    for meeting_form in formset.forms:
        if not meeting_form.has_changed() and meeting_form.instance.pk is None:
            continue
        data = getattr(meeting_form, "cleaned_data", {})
        if data.get("DELETE"):
            continue
        if meeting_form.is_valid():
            your_meetings.append(meeting_form.instance.describe())
        else:
            your_meetings.append(_("(not complete)"))
    current_meetings = [m.describe() for m in current.meetings.all()]
    same_meetings = sorted(your_meetings) == sorted(current_meetings)
    if same_meetings and not any(row["differs"] for row in rows):
        # The same save again (a double tap, or a reload of the post): nothing to choose between.
        return redirect("accounts:saved", current.slug)
    return render(
        request,
        "accounts/conflict.html",
        {
            "group": current,
            "rows": rows,
            "your_meetings": your_meetings,
            "current_meetings": current_meetings,
        },
        status=409,
    )


@login_required
def history(request, slug):
    group, viewer = _group_and_viewer(request, slug)
    return render(
        request,
        "accounts/history.html",
        {"group": group, "entries": support_group_history(group, viewer)},
    )


@login_required
@require_POST
def confirm(request, slug):
    group = get_group_for_owner(request, slug, allow_moderators=True)
    services.confirm_still_meeting(group)
    messages.success(
        request, _("Thank you: “%(name)s” is marked as still meeting.") % {"name": group.name}
    )
    return redirect("accounts:dashboard")


# Answering a reminder mail, without logging in ------------------------------------------------


def reminder(request, action, token):
    """A link from a freshness reminder: one button (GET), the change on POST."""
    try:
        link = reminder_links.read_token(action, token)
    except reminder_links.LinkExpired:
        return render(request, "accounts/reminder_invalid.html", {"expired": True}, status=410)
    except reminder_links.LinkNoLongerValid:
        return render(request, "accounts/reminder_invalid.html", {"gone": True}, status=410)
    except reminder_links.LinkInvalid:
        return render(request, "accounts/reminder_invalid.html", status=404)
    group = link.reminder.group
    if action == "update":
        # The edit form needs the organizer's account; the login page sends them on to it.
        return redirect("accounts:edit", group.slug)
    context = {"group": group, "action": action, "answered": link.reminder.answered_at is not None}
    if request.method == "POST":
        if services.answer_reminder(link.reminder, action, link.user):
            return render(request, "accounts/reminder_done.html", context)
        # Pressed again, or another organizer answered first: nothing changed, and it says so.
        context["answered"] = True
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    context["meetings"] = [m.describe() for m in group.meetings.all()]
    return render(request, "accounts/reminder.html", context)


# New listings ---------------------------------------------------------------------------------


@verified_email_required
def new_group(request):
    group = SupportGroup()
    if "add_meeting" in request.POST:
        return _add_meeting_page(request, "accounts/new_group.html", group)
    form = SupportGroupForm(request.POST or None, instance=group)
    formset = meeting_formset(group, request.POST or None)
    if request.method == "POST":
        valid = form.is_valid()
        valid = formset.is_valid() and valid
        if valid and not _allowed_today(request, "new-listing", NEW_LISTINGS_PER_ACCOUNT_PER_DAY):
            form.add_error(None, _too_many_today())
            return _support_group_page(
                request, "accounts/new_group.html", group, form, formset, 429
            )
        if valid:
            created = services.create_support_group(form, formset, request.user)
            messages.success(
                request,
                _(
                    "Thank you. “%(name)s” is saved. Only you can see it until a moderator "
                    "publishes it, usually within a week."
                )
                % {"name": created.name},
            )
            return redirect("accounts:dashboard")
        return _support_group_page(request, "accounts/new_group.html", group, form, formset, 400)
    return _support_group_page(request, "accounts/new_group.html", group, form, formset)


# Co-organizers and leaving --------------------------------------------------------------------


# Invitations carry the listing's name to someone who never asked for mail: a few a day.
INVITATIONS_PER_ACCOUNT_PER_DAY = 5
INVITATIONS_PER_LISTING_PER_DAY = 10


def _invitation_allowed(request, group):
    """Count one invitation (atomically, before sending) per account and per listing."""
    by_account = ratelimit.consume(
        "invite-account",
        ratelimit.account_hash(f"user:{request.user.pk}"),
        INVITATIONS_PER_ACCOUNT_PER_DAY,
        DAY,
    )
    if by_account is None:
        return False
    if ratelimit.consume("invite-listing", group.pk, INVITATIONS_PER_LISTING_PER_DAY, DAY) is None:
        by_account.release()
        return False
    return True


@login_required
def invite(request, slug):
    group = get_group_for_owner(request, slug)
    if group.moderation != SupportGroup.Moderation.PUBLISHED:
        # A name nobody has reviewed yet is not mailed to strangers.
        status = 403 if request.method == "POST" else 200
        return render(request, "accounts/invite.html", {"group": group}, status=status)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _invitation_allowed(request, group):
            form.add_error(
                None,
                _(
                    "You have sent as many invitations as we allow in a day. "
                    "Please try again tomorrow."
                ),
            )
            return render(
                request, "accounts/invite.html", {"group": group, "form": form}, status=429
            )
        services.invite_co_organizer(group, request.user, form.cleaned_data["email"])
        messages.success(
            request,
            _("Invitation sent. The link works for 14 days."),
        )
        return redirect("accounts:dashboard")
    return render(request, "accounts/invite.html", {"group": group, "form": form})


@login_required
def accept_invitation(request, token):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.method == "POST":
        try:
            group = services.accept_invitation(token, request.user)
        except services.InvitationInvalid as exc:
            return render(
                request, "accounts/invitation_invalid.html", {"reason": str(exc)}, status=403
            )
        messages.success(request, _("Welcome! You can now edit “%(name)s”.") % {"name": group.name})
        return redirect("accounts:dashboard")
    email_matches = services.user_has_email(request.user, invitation.email)
    return render(
        request,
        "accounts/accept_invitation.html",
        {"invitation": invitation, "email_matches": email_matches},
    )


@login_required
def leave(request, slug):
    group = get_group_for_owner(request, slug)
    if request.method == "POST":
        services.leave_group(group, request.user)
        messages.success(request, _("You no longer manage “%(name)s”.") % {"name": group.name})
        return redirect("accounts:dashboard")
    co_owners = group.ownerships.exclude(user=request.user).count()
    return render(request, "accounts/leave.html", {"group": group, "co_owners": co_owners})


@login_required
def delete_account(request):
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST":
        # Counted before the (slow, deliberately) password check, like a login.
        attempt = ratelimit.login_attempt(request, f"user:{request.user.pk}", "delete-account")
        if attempt is None:
            return render(request, "429.html", status=429)
        if not form.is_valid():
            return render(request, "accounts/delete_account.html", {"form": form})
        attempt.succeeded()
        user = request.user
        logout(request)
        services.delete_account(user)
        messages.success(request, _("Your account and personal details are deleted."))
        return redirect(reverse("groups:home"))
    return render(request, "accounts/delete_account.html", {"form": form})
