"""Organizer accounts. Email is the identity; there is no username."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models import MailDelivery, MailQuerySet, choices_check


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("email address"), unique=True)
    first_name = None
    last_name = None
    name = models.CharField(_("name"), max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email.split("@")[0]


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a moderator")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ClaimQuerySet(MailQuerySet):
    due_field = "decided_at"

    def pending(self):
        return self.filter(status=ClaimStatus.PENDING)

    def mail_pending(self):
        # Only a decision calls for a mail; a pending or withdrawn claim has none to send.
        return (
            super().mail_pending().filter(status__in=[ClaimStatus.APPROVED, ClaimStatus.REJECTED])
        )


class Claim(MailDelivery):
    """An organizer's request to manage a listing, decided by a moderator.

    `sent_at`/`send_attempts`/`last_error` track the one mail a claim calls for: the decision,
    approved or rejected, to the organizer. A claim is decided once (services._lock_pending).
    """

    Status = ClaimStatus

    group = models.ForeignKey(
        "groups.SupportGroup",
        on_delete=models.CASCADE,
        related_name="claims",
        verbose_name=_("listing"),
    )
    # Null once the account is deleted: the claim stays, anonymised, for the moderation record.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims",
        verbose_name=_("organizer"),
    )
    role = models.CharField(_("your role in the group"), max_length=200)
    evidence = models.TextField(
        _("how moderators can check"),
        help_text=_("For example a link to a page that names you, or a person we can ask."),
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"
            ),
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(status="pending"),
                name="claim_one_pending_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.user or _('deleted account')} → {self.group}"


class InvitationQuerySet(MailQuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(accepted_at__isnull=True, created_at__gte=now - Invitation.VALID_FOR)


class Invitation(MailDelivery):
    """An owner's invitation to a co-organizer. Only a hash of the emailed token is stored.

    `sent_at`/`send_attempts`/`last_error` track its one mail, the link to the invitee.
    """

    VALID_FOR = timezone.timedelta(days=14)

    group = models.ForeignKey(
        "groups.SupportGroup",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("listing"),
    )
    email = models.EmailField(_("email"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.email} → {self.group}"

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def expires_at(self):
        return self.created_at + self.VALID_FOR

    def is_usable(self, now=None):
        return self.accepted_at is None and (now or timezone.now()) < self.expires_at


# Mail that keeps moderators and organizers in the loop. Both are rows first and mail second,
# sent and retried like reports (groups.mail.deliver, send_pending_mail): one mail policy.


class ModeratorNoticeKind(models.TextChoices):
    CLAIM = "claim", _("New claim")
    LISTING = "listing", _("New listing")
    REPORT = "report", _("New report")
    STOPPED = "stopped", _("Organizer says the group stopped")


class ModeratorNotice(MailDelivery):
    """Work for moderators, mailed to the Moderators group at once or in a daily digest."""

    Kind = ModeratorNoticeKind

    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    group = models.ForeignKey(
        "groups.SupportGroup",
        on_delete=models.CASCADE,
        related_name="moderator_notices",
        verbose_name=_("listing"),
    )
    # The claim or report it is about (the listing itself for new and stopped listings).
    target_id = models.PositiveBigIntegerField(_("item"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    objects = MailQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("moderator notice")
        verbose_name_plural = _("moderator notices")
        constraints = [choices_check("kind", ModeratorNoticeKind, "notice_kind_valid")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.group}"

    def admin_path(self):
        from django.urls import reverse

        model = {"claim": "accounts_claim", "report": "groups_report"}.get(
            self.kind, "groups_supportgroup"
        )
        return reverse(f"admin:{model}_change", args=[self.target_id])


class FreshnessReminder(MailDelivery):
    """A mail asking a listing's organizers whether the group still meets as listed.

    Answered when an organizer confirms, updates or stops the listing after it was sent; the
    signed links in it carry this row's id (accounts.reminder_links).
    """

    group = models.ForeignKey(
        "groups.SupportGroup",
        on_delete=models.CASCADE,
        related_name="freshness_reminders",
        verbose_name=_("listing"),
    )
    number = models.PositiveSmallIntegerField(_("reminder"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=10, blank=True)

    objects = MailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("freshness reminder")
        verbose_name_plural = _("freshness reminders")

    def __str__(self):
        return f"{self.group} ({self.number})"
