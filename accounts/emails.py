"""Mail to organizers, sent only once the decision it reports is safely in the database."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from peerdir.siteurl import site_url

logger = logging.getLogger(__name__)


def send_after_commit(template, context, to, log_ref=""):
    """Render templates/accounts/email/<template>_subject.txt and _body.txt; send after commit.

    A mail failure is logged (without the address) and swallowed: the decision that called for
    the mail is already committed and must not be lost or reported as failed.
    """
    if not to:
        return
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": site_url(), **context}
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    body = render_to_string(f"accounts/email/{template}_body.txt", context)

    def deliver():
        try:
            send_mail(subject, body, None, [to])
        except Exception:
            logger.exception("Could not send %s mail (%s)", template, log_ref)

    transaction.on_commit(deliver)
