"""Organizer workflows: each one function, called explicitly from a view or the admin."""

import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Claim, FreshnessReminder, Invitation
from groups import audit, mail
from groups.models import NOT_MEETING_STATUSES, Meeting, Ownership, SupportGroup
from groups.search import refresh_search_document
from groups.versions import EditConflict, next_version

__all__ = ["EditConflict"]  # raised by save_support_group; views catch it from here


class ClaimAlreadyDecided(ValueError):
    """The claim is no longer pending (decided or withdrawn meanwhile): nothing was changed."""


class OwnClaim(ValueError):
    """A moderator cannot approve their own claim: another moderator must check it."""


class InvitationInvalid(Exception):
    """The invitation is unknown, used, expired, or addressed to another email."""


# Claims ---------------------------------------------------------------------------------------


def submit_claim(group, user, role, evidence, message=""):
    """Create the user's pending claim on `group`, or return the one already pending."""
    existing = Claim.objects.pending().filter(group=group, user=user).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                group=group, user=user, role=role, evidence=evidence, message=message
            )
            mail.notify_moderators("claim", group, claim)
            return claim
    except IntegrityError:
        # A double submit raced us past the check above; the constraint kept one claim.
        return Claim.objects.pending().get(group=group, user=user)


def _lock_pending(claim):
    locked = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("group", "user")
        .get(pk=claim.pk)
    )
    if locked.status != Claim.Status.PENDING:
        raise ClaimAlreadyDecided(
            _("This claim is already %(status)s.") % {"status": locked.get_status_display()}
        )
    return locked


def withdraw_claim(claim):
    with transaction.atomic():
        locked = _lock_pending(claim)
        locked.status = Claim.Status.WITHDRAWN
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
    return locked


def approve_claim(claim, moderator, reason=""):
    """Make the claimant an owner of the listing, record the decision, email them."""
    with transaction.atomic():
        claim = _lock_pending(claim)
        if claim.user_id is not None and claim.user_id == moderator.pk:
            raise OwnClaim(_("Another moderator must decide your own claim."))
        claim.status = Claim.Status.APPROVED
        claim.decided_by = moderator
        claim.decided_at = timezone.now()
        claim.decision_reason = reason or ""
        claim.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        if claim.user_id:
            Ownership.objects.get_or_create(group=claim.group, user_id=claim.user_id)
        audit.record(moderator, "claim approved", claim.group, reason)
        mail.deliver_on_commit(claim)
    return claim


def reject_claim(claim, moderator, reason):
    """Decline a claim with a reason the organizer reads in their email."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_("Give a reason: the organizer reads it."))
    with transaction.atomic():
        claim = _lock_pending(claim)
        claim.status = Claim.Status.REJECTED
        claim.decided_by = moderator
        claim.decided_at = timezone.now()
        claim.decision_reason = reason
        claim.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record(moderator, "claim rejected", claim.group, reason)
        mail.deliver_on_commit(claim)
    return claim


# Editing and creating listings ----------------------------------------------------------------


def _save_meetings(formset, group, user):
    formset.instance = group
    meetings = formset.save(commit=False)
    for meeting in meetings:
        meeting.group = group
        meeting._history_user = user
        meeting.save()
    for meeting in formset.deleted_objects:
        meeting._history_user = user
        meeting.delete()


def save_support_group(group, form, formset, user, expected_version):
    """Save a valid listing form and meetings formset unless someone saved since it was opened.

    Raises EditConflict (groups.versions) when the listing is no longer at `expected_version`.
    """
    with transaction.atomic():
        version, now = next_version(group.pk, expected_version)
        instance = form.save(commit=False)
        instance.version = version
        instance.updated_at = now
        # Someone who just reviewed every field has confirmed the listing is current.
        instance.last_confirmed = timezone.localdate()
        instance._history_user = user
        # Only the organizer's fields: moderation or freshness set meanwhile by others stay.
        instance.save(
            update_fields=[*form.updated_field_names(), "version", "updated_at", "last_confirmed"]
        )
        form.save_m2m()
        _save_meetings(formset, instance, user)
        # Inside the transaction: the listing is never live with stale search text.
        refresh_search_document([instance.pk])
    return instance


def unique_slug(name):
    base = slugify(name)[:180].strip("-") or "group"
    taken = set(SupportGroup.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


# The same new listing posted again this soon (a double click, a reload) is the same listing.
DOUBLE_SUBMIT_WINDOW = timezone.timedelta(minutes=2)


def create_support_group(form, formset, user):
    """A new listing from an organizer: pending until a moderator publishes it; they own it."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                # One new listing at a time per person: the second of two simultaneous posts
                # (a double click) waits here, then finds the first instead of making another.
                # (SQLite's IMMEDIATE transactions serialise without the row lock.)
                list(get_user_model().objects.select_for_update().filter(pk=user.pk).values("pk"))
                just_sent = SupportGroup.objects.filter(
                    submitted_by=user,
                    name=form.cleaned_data["name"],
                    moderation=SupportGroup.Moderation.PENDING,
                    created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
                ).first()
                if just_sent is not None:
                    return just_sent
                group = form.save(commit=False)
                group.pk = None
                group.slug = unique_slug(group.name)
                group.moderation = SupportGroup.Moderation.PENDING
                group.submitted_by = user
                group.last_confirmed = timezone.localdate()
                group._history_user = user
                group.save()
                form.save_m2m()
                Ownership.objects.create(group=group, user=user)
                _save_meetings(formset, group, user)
                refresh_search_document([group.pk])
                mail.notify_moderators("listing", group)
                return group
        except IntegrityError:
            # Someone took the same slug between our check and insert: pick the next one.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def confirm_still_meeting(group):
    today = timezone.localdate()
    with transaction.atomic():
        # A form opened before this must not put back the old date.
        group.version, group.updated_at = next_version(group.pk)
        SupportGroup.objects.filter(pk=group.pk).update(last_confirmed=today)
    group.last_confirmed = today
    return group


def mark_stopped(group, user=None):
    """An organizer says the group has stopped: pause the listing and tell the moderators.

    Paused, not archived: visitors see it has stopped meeting, moderators decide the rest.
    """
    with transaction.atomic():
        group = SupportGroup.objects.select_for_update().get(pk=group.pk)
        # Already paused, or closed since (pausing would reopen it): nothing to do.
        if group.status in NOT_MEETING_STATUSES:
            return False
        group.status = SupportGroup.Status.PAUSED
        # A new version, so an edit form opened before cannot silently set it active again.
        group.version, group.updated_at = next_version(group.pk)
        group._history_user = user
        group.save(update_fields=["status", "version", "updated_at"])
        refresh_search_document([group.pk])
        audit.record(user, "listing paused by its organizer", group, "It has stopped meeting.")
        mail.notify_moderators("stopped", group)
    return True


def answer_reminder(reminder, action, user=None):
    """Carry out a freshness reminder link's action (POST): "confirm" or "stopped", for `user`,
    the organizer the link was mailed to (the audit and history name them).

    Returns False when the round was already answered, and changes nothing then.
    """
    with transaction.atomic():
        reminder = FreshnessReminder.objects.select_for_update().get(pk=reminder.pk)
        if reminder.answered_at is not None:
            return False
        if action == "confirm":
            confirm_still_meeting(reminder.group)
        elif action == "stopped":
            mark_stopped(reminder.group, user)
        else:
            raise ValueError(action)
        # Every reminder of this round is answered, the first one included.
        FreshnessReminder.objects.filter(group=reminder.group, answered_at__isnull=True).update(
            answered_at=timezone.now(), answer=action
        )
    return True


# Co-organizers --------------------------------------------------------------------------------


def invite_co_organizer(group, inviter, email):
    """Create an invitation and email its link. Returns the raw token (shown nowhere else)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            group=group,
            email=email.strip(),
            token_hash=Invitation.hash_token(token),
            invited_by=inviter,
        )
        audit.record(inviter, "co-organizer invited", group)
        invitation.raw_token = token  # for the first mail only: never stored
        mail.deliver_on_commit(invitation)
    return invitation, token


def find_invitation(token):
    """The invitation for a raw token, or None. Expired and used ones count as unknown."""
    if not token or len(token) > 100:
        return None
    invitation = (
        Invitation.objects.select_related("group")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


def user_has_email(user, email):
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def accept_invitation(token, user):
    with transaction.atomic():
        invitation = find_invitation(token)
        if invitation is None:
            raise InvitationInvalid(_("This invitation link has expired or was already used."))
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise InvitationInvalid(_("This invitation link has expired or was already used."))
        if not user_has_email(user, invitation.email):
            raise InvitationInvalid(
                _(
                    "This invitation was sent to a different email address. Log in with that address."
                )
            )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        Ownership.objects.get_or_create(group=invitation.group, user=user)
        audit.record(user, "co-organizer joined", invitation.group)
    return invitation.group


def leave_group(group, user):
    """Stop being an owner. The last owner leaving makes the listing unowned, nothing more."""
    with transaction.atomic():
        deleted, _rows = Ownership.objects.filter(group=group, user=user).delete()
        if deleted:
            audit.record(user, "organizer left", group)
    return bool(deleted)


# Leaving the site -----------------------------------------------------------------------------


def delete_account(user):
    """Remove the person, keep the directory: listings stay (unowned), claims anonymised,
    history keeps what changed but not who."""
    with transaction.atomic():
        Claim.objects.filter(user=user).update(user=None, role="", evidence="", message="")
        SupportGroup.history.filter(history_user=user).update(history_user=None)
        Meeting.history.filter(history_user=user).update(history_user=None)
        Invitation.objects.filter(email__iexact=user.email, accepted_at__isnull=True).delete()
        # Ownerships, email addresses and sessions go with the user (CASCADE); submitted_by,
        # audit actors and claim deciders become empty (SET_NULL).
        user.delete()
