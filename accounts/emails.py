"""What the mails to organizers about claims, invitations and freshness reminders say.

These only build messages; groups.mail sends them (claims and invitations after their
transaction commits, reminders from the daily send_freshness_reminders run), records a failure
on the row and retries it (send_pending_mail), like every other mail on the site.
"""

import secrets

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Claim, Invitation
from accounts.reminder_links import LINK_VALID, links
from peerdir.siteurl import site_url


def _message(template, context, to):
    """templates/accounts/email/<template>_subject.txt and _body.txt, to one address."""
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": site_url(), **context}
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    body = render_to_string(f"accounts/email/{template}_body.txt", context)
    return EmailMessage(subject, body, to=[to])


def claim_messages(claim):
    """The decision, to the organizer who asked (nobody once their account is deleted)."""
    if claim.status not in (Claim.Status.APPROVED, Claim.Status.REJECTED) or claim.user is None:
        return []
    return [_message(f"claim_{claim.status}", {"claim": claim}, claim.user.email)]


def invitation_messages(invitation):
    """The link to the invitee: with the token the inviting request made (`raw_token`), or a
    new one on a retry.

    Only the token's hash is stored, so a retry cannot rebuild the link that failed to go: it
    replaces the hash. Had the failed attempt in fact been delivered, its link stops working and
    this newer mail carries the one that does.
    """
    if not invitation.is_usable():
        return []
    token = getattr(invitation, "raw_token", None)
    if token is None:
        token = secrets.token_urlsafe(32)
        invitation.token_hash = Invitation.hash_token(token)
        Invitation.objects.filter(pk=invitation.pk).update(token_hash=invitation.token_hash)
    context = {
        "invitation": invitation,
        # The inviter may have left the site before a retry.
        "inviter": (
            invitation.invited_by.get_full_name() if invitation.invited_by else _("An organizer")
        ),
        "accept_url": site_url(reverse("accounts:accept_invitation", args=[token])),
        "valid_days": Invitation.VALID_FOR.days,
    }
    return [_message("invitation", context, invitation.email)]


def reminder_messages(reminder, organizers):
    """ "Is your group still meeting?": one mail per organizer (they never see each other's
    addresses), each with its own three signed links, which act only for that organizer."""
    group = reminder.group
    context = {
        "group": group,
        "meetings": [m.describe() for m in group.meetings.all()],
        "second": reminder.number > 1,
        "valid_days": LINK_VALID.days,
        "group_url": site_url(group.get_absolute_url()),
    }
    return [
        _message("freshness_reminder", {**context, "links": links(reminder, user)}, user.email)
        for user in organizers
    ]
