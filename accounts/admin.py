from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Claim, Invitation, User
from groups.admin import PrivateLookupsMixin, sent_when, unsent_mail
from groups.admin_decisions import Decision, ObjectDecisionsMixin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


def _is_pending(claim):
    return claim.status == Claim.Status.PENDING


class UnsentDecisionFilter(admin.SimpleListFilter):
    """Decided claims whose email has not gone: the moderation queue links here."""

    title = _("email")
    parameter_name = "email"

    def lookups(self, request, model_admin):
        return [("unsent", _("Decision not emailed yet"))]

    def queryset(self, request, queryset):
        if self.value() == "unsent":
            return queryset.mail_pending()
        return queryset


@admin.register(Claim)
class ClaimAdmin(ObjectDecisionsMixin, admin.ModelAdmin):
    """Claims are decided on their own page (or many at once with the list actions); both ask
    for a reason and call accounts.services (audit entry, ownership, email). What the organizer
    wrote is read-only."""

    # Few columns: the list must fit 1280 px with the filter sidebar.
    list_display = ["created_at", "group", "user", "status"]
    list_filter = ["status", UnsentDecisionFilter, "created_at"]
    search_fields = ["group__name", "user__email", "role"]
    list_select_related = ["group", "user"]
    list_per_page = 50
    show_full_result_count = False
    date_hierarchy = "created_at"
    actions = ["approve", "reject"]
    decisions = [
        Decision(
            "approve",
            _("Approve"),
            services.approve_claim,
            # After the decision commits; its page and the queue say if the email failed.
            _("Approved: %(obj)s. The organizer is emailed the decision."),
            help_text=_("How you checked the claim. It goes into the audit trail."),
            applies=_is_pending,
            expected_errors=(services.ClaimAlreadyDecided,),
            refusals=(services.OwnClaim,),
        ),
        Decision(
            "reject",
            _("Reject"),
            services.reject_claim,
            _("Rejected: %(obj)s. The organizer is emailed the reason."),
            help_text=_("The organizer reads this in their email: be kind and specific."),
            applies=_is_pending,
            danger=True,
            expected_errors=(services.ClaimAlreadyDecided,),
        ),
    ]
    fields = [
        "group",
        "user",
        "role",
        "evidence",
        "message",
        "created_at",
        "status",
        "decided_by",
        "decided_at",
        "decision_reason",
        "delivery",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("email"))
    def delivery(self, obj):
        """The decision's email, in words (like a report's): whether the organizer has it."""
        if obj.status not in (Claim.Status.APPROVED, Claim.Status.REJECTED):
            return _("None yet: the organizer is emailed the decision.")
        unsent = unsent_mail(obj)
        if unsent is not None:
            return unsent
        if obj.user_id is None:
            return _("The organizer's account was deleted.")
        return _("The organizer was emailed the decision on %(when)s.") % {"when": sent_when(obj)}

    def decision_context(self, request, obj):
        others = (
            Claim.objects.filter(user=obj.user).exclude(pk=obj.pk).select_related("group")
            if obj.user_id
            else Claim.objects.none()
        )
        return {
            "claim": obj,
            "other_claims": list(others[:20]),
            "current_owners": list(obj.group.owners.order_by("email")),
        }

    @admin.action(description=_("Approve selected claims"), permissions=["change"])
    def approve(self, request, queryset):
        from groups.admin import decide

        if "apply" in request.POST and queryset.filter(user=request.user).exists():
            self.message_user(
                request,
                _("Your own claim was left alone: another moderator must decide it."),
                messages.WARNING,
            )
        return decide(
            self,
            request,
            queryset.pending(),
            service=services.approve_claim,
            title=_("Approve claims"),
            verb=_("Approved"),
            reason_required=True,
            help_text=_("How you checked the claim. It goes into the audit trail."),
            expected_errors=(services.ClaimAlreadyDecided, services.OwnClaim),
        )

    @admin.action(description=_("Reject selected claims"), permissions=["change"])
    def reject(self, request, queryset):
        from groups.admin import decide

        return decide(
            self,
            request,
            queryset.pending(),
            service=services.reject_claim,
            title=_("Reject claims"),
            verb=_("Rejected"),
            reason_required=True,
            help_text=_("The organizer reads this in their email: be kind and specific."),
            expected_errors=(services.ClaimAlreadyDecided,),
        )


@admin.register(Invitation)
class InvitationAdmin(PrivateLookupsMixin, admin.ModelAdmin):
    # Staff who list invitations never narrow down a token's hash from the URL.
    private_fields = ("token_hash",)
    list_display = ["group", "email", "created_at", "accepted_at", "sent_at", "send_attempts"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["group", "invited_by"]
    # Delivery is the mail code's record: shown in words, never edited.
    exclude = ["token_hash", "sent_at", "send_attempts", "last_error"]
    readonly_fields = ["delivery"]
    list_select_related = ["group"]

    @admin.display(description=_("email"))
    def delivery(self, obj):
        if obj.pk is None:
            return "—"
        return unsent_mail(obj) or _("The invitation was emailed on %(when)s.") % {
            "when": sent_when(obj)
        }
