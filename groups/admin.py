"""The moderators' workplace: the Django admin, a moderation queue, and audited decisions.

Decisions (publish, archive, confirm, resolve, dismiss; claims in accounts/admin.py) are admin
actions that ask for a reason on an intermediate page, then call one service function each
(groups.moderation, accounts.services); those write the audit trail and send the emails.
Changelists are built for 100,000 listings: no full counts, joined or annotated columns only,
autocomplete widgets for large relations.
"""

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from groups import audit, moderation, ratelimit
from groups.admin_csv import CsvImportExportMixin
from groups.admin_decisions import Decision, ObjectDecisionsMixin, ReasonForm
from groups.models import (
    Audience,
    AuditEntry,
    ContactMessage,
    GroupType,
    Language,
    Meeting,
    Organization,
    OwnerNotice,
    Ownership,
    Region,
    RegionTree,
    Report,
    SupportGroup,
)
from groups.search import groups_for_taxonomy, refresh_search_document
from groups.versions import EditConflict, compare, next_version

LIST_PER_PAGE = 50


class KeptRecordMixin:
    """A record the site keeps (a relayed message, a notice to organizers): nobody adds or
    changes one here; superusers may delete it, only so that deleting a listing deletes its
    records too."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class PrivateLookupsMixin:
    """No changelist lookups on `private_fields` except for superusers.

    The admin lets a URL filter on any column (`?reply_to__startswith=a`): with the result
    count, that reads a hidden value one character at a time. Refused lookups answer 400.
    """

    private_fields = ()

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__", 1)[0] in self.private_fields and not (
            request is not None and request.user.is_superuser
        ):
            return False
        return super().lookup_allowed(lookup, value, request)


# Decisions with a reason ----------------------------------------------------------------------


def decide(
    modeladmin,
    request,
    queryset,
    *,
    service,
    title,
    verb,
    reason_required,
    help_text="",
    expected_errors=(),
):
    """An admin action in two steps: a page asking for the reason, then `service` per object.

    `service(obj, moderator, reason)` returns False (or raises one of `expected_errors`) when
    the object needs no decision any more, e.g. decided meanwhile by someone else, or a double
    submit; those are counted as skipped, never as errors.
    """
    if "apply" in request.POST:
        form = ReasonForm(request.POST, required=reason_required, help_text=help_text)
        if form.is_valid():
            reason = form.cleaned_data["reason"].strip()
            done = skipped = 0
            for obj in queryset:
                try:
                    changed = service(obj, request.user, reason)
                except expected_errors:
                    changed = False
                if changed is False:
                    skipped += 1
                else:
                    done += 1
            modeladmin.message_user(
                request,
                ngettext(
                    "%(verb)s %(count)d %(name)s.",
                    "%(verb)s %(count)d %(name_plural)s.",
                    done,
                )
                % {
                    "verb": verb,
                    "count": done,
                    "name": queryset.model._meta.verbose_name,
                    "name_plural": queryset.model._meta.verbose_name_plural,
                },
                messages.SUCCESS if done else messages.WARNING,
            )
            if skipped:
                modeladmin.message_user(
                    request,
                    ngettext(
                        "%(count)d was left alone: it needed no decision (already decided?).",
                        "%(count)d were left alone: they needed no decision (already decided?).",
                        skipped,
                    )
                    % {"count": skipped},
                    messages.WARNING,
                )
            return None  # back to the changelist
    else:
        form = ReasonForm(required=reason_required, help_text=help_text)
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "objects": list(queryset[:200]),
        "count": queryset.count(),
        "form": form,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "verb": verb,
    }
    return TemplateResponse(request, "admin/decision_form.html", context)


# Listings -------------------------------------------------------------------------------------


class MeetingInline(admin.StackedInline):
    """Stacked, three short lines per meeting: eight columns did not fit a 1280 px screen."""

    model = Meeting
    extra = 0
    fields = [
        ("frequency", "weekday", "weeks_of_month"),
        ("start_date", "start_time", "end_time"),
        ("timezone", "notes"),
    ]


class OwnershipInline(admin.TabularInline):
    model = Ownership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "created_at"]
    readonly_fields = ["created_at"]


class StaleFilter(admin.SimpleListFilter):
    title = _("confirmation")
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", _("Not confirmed for 12 months"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset & SupportGroup.objects.stale()
        return queryset


class NeedsCheckFilter(admin.SimpleListFilter):
    title = _("reminders")
    parameter_name = "check"

    def lookups(self, request, model_admin):
        return [("yes", _("Needs a check by hand (no organizer, or reminders unanswered)"))]

    def queryset(self, request, queryset):
        from accounts import freshness

        if self.value() == "yes":
            return queryset.filter(pk__in=freshness.needing_moderators().values("pk"))
        return queryset


class OwnedFilter(admin.SimpleListFilter):
    title = _("organizers")
    parameter_name = "owned"

    def lookups(self, request, model_admin):
        return [("yes", _("Has organizers")), ("no", _("Nobody yet"))]

    def queryset(self, request, queryset):
        owned = Ownership.objects.filter(group=OuterRef("pk"))
        if self.value() == "yes":
            return queryset.filter(Exists(owned))
        if self.value() == "no":
            return queryset.filter(~Exists(owned))
        return queryset


# Moderators paste "example.org": assume https, as Django 6 will (and as the organizer form does).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class SupportGroupAdminForm(forms.ModelForm):
    """The admin's listing form carries the version it was opened at, like the organizer's."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].required = True
            if "seen_version" not in self.initial:
                # From the row, not the instance: a history revert's instance is an old copy.
                self.initial["seen_version"] = (
                    SupportGroup.objects.filter(pk=self.instance.pk)
                    .values_list("version", flat=True)
                    .first()
                )


def _is_pending(group):
    return group.moderation == SupportGroup.Moderation.PENDING


def _is_published(group):
    return group.moderation == SupportGroup.Moderation.PUBLISHED


def _is_open(report):
    return report.status == Report.Status.OPEN


@admin.register(SupportGroup)
class SupportGroupAdmin(ObjectDecisionsMixin, CsvImportExportMixin, SimpleHistoryAdmin):
    formfield_overrides = HTTPS_URLS
    form = SupportGroupAdminForm
    list_display = [
        "name",
        "kind",
        "status",
        "moderation",
        "region",
        "last_confirmed",
        "owners_count",
    ]
    list_filter = [
        "moderation",
        StaleFilter,
        NeedsCheckFilter,
        OwnedFilter,
        "status",
        "kind",
        "attendance",
        "types",
    ]
    search_fields = ["name", "slug", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["region"]
    # With pk in it the admin adds no "-pk" of its own, so the index group_name_order serves it.
    ordering = ["name", "pk"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    autocomplete_fields = ["types", "audiences", "languages", "region", "host", "submitted_by"]
    readonly_fields = ["moderation_display", "version", "created_at", "updated_at"]
    inlines = [MeetingInline, OwnershipInline]
    actions = ["publish", "archive", "confirm"]
    decisions = [
        Decision(
            "publish",
            _("Publish"),
            moderation.publish_support_group,
            _("Published “%(obj)s”."),
            reason_required=False,
            help_text=_("Optional when publishing: the organizers receive it with the good news."),
            applies=lambda g: not _is_published(g),
        ),
        Decision(
            "reject",
            _("Do not publish"),
            moderation.archive_support_group,
            _("“%(obj)s” will not be published; the organizers were told why."),
            applies=_is_pending,
            danger=True,
        ),
        Decision(
            "archive",
            _("Take out of the directory"),
            moderation.archive_support_group,
            _("Archived “%(obj)s”."),
            applies=_is_published,
            danger=True,
        ),
        Decision(
            "confirm",
            _("Confirm it still meets"),
            moderation.confirm_support_group,
            _("Confirmed “%(obj)s” is current."),
            help_text=_("How you checked, e.g. “phoned the organizer on 3 March”."),
            applies=_is_published,
        ),
    ]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "description", "kind", "types"]}),
        (_("Who and how"), {"fields": ["audiences", "attendance", "status", "languages", "cost"]}),
        (
            _("Where"),
            {"fields": ["region", "service_area", "venue", "address", "host", "accessibility"]},
        ),
        (
            _("Contact (each shown only if its box is ticked)"),
            {
                "fields": [
                    ("website", "website_public"),
                    ("join_url", "join_url_public"),
                    ("contact_name", "contact_name_public"),
                    ("email", "email_public"),
                    ("phone", "phone_public"),
                    "how_to_join",
                ]
            },
        ),
        (
            _("Moderation"),
            {
                "fields": [
                    "moderation_display",
                    "last_confirmed",
                    "submitted_by",
                    "source_document",
                    "source_excerpt",
                    "version",
                    "seen_version",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        # A correlated subquery, evaluated for the rows on the page only: a JOIN + GROUP BY
        # would aggregate all 100,000 listings before the LIMIT.
        owners = (
            Ownership.objects.filter(group=OuterRef("pk"))
            .order_by()
            .values("group")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(owners_n=Coalesce(Subquery(owners, output_field=IntegerField()), Value(0)))
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # A new listing (superusers only) chooses its moderation state on the form.
            return [
                (
                    title,
                    {
                        **opts,
                        "fields": [
                            "moderation" if f == "moderation_display" else f for f in opts["fields"]
                        ],
                    },
                )
                for title, opts in fieldsets
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["version", "created_at", "updated_at"]
        return self.readonly_fields

    def view_on_site(self, obj):
        # A path, not the Sites row's domain: it opens on the host the moderator is using.
        return obj.get_absolute_url()

    @admin.display(description=_("organizers"), ordering="owners_n")
    def owners_count(self, obj):
        return obj.owners_n

    @admin.display(description=_("moderation"))
    def moderation_display(self, obj):
        return format_html(
            "{}<br><span class='help'>{}</span>",
            obj.get_moderation_display(),
            _("Change it with the Publish or Archive action in the list, so it is audited."),
        )

    def save_model(self, request, obj, form, change):
        if change:
            # A revert from History brings back an old row whose version and created_at are
            # not in the history: keep the real created_at; the version is the row's, raised
            # only if nobody saved since this form was opened (groups.versions).
            request._listing_form = form
            obj.version, obj.updated_at = next_version(obj.pk, form.cleaned_data["seen_version"])
            obj.created_at = (
                SupportGroup.objects.filter(pk=obj.pk).values_list("created_at", flat=True).get()
            )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        refresh_search_document([form.instance.pk])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:  # the admin's own transaction was rolled back: nothing saved
            return self.conflict_response(request, object_id)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            with transaction.atomic():
                response = super().history_form_view(request, object_id, version_id, extra_context)
                if request.method == "POST" and response.status_code == 302:
                    group = SupportGroup.objects.get(pk=object_id)
                    record = SupportGroup.history.filter(pk=version_id).first()
                    when = f"{record.history_date:%Y-%m-%d %H:%M}" if record else version_id
                    audit.record(
                        request.user, "listing reverted", group, f"to the version of {when}"
                    )
        except EditConflict:
            return self.conflict_response(request, object_id)
        return response

    def conflict_response(self, request, object_id):
        """The fields side by side (this form's unsaved values, the saved ones); 409."""
        form = request._listing_form
        current = SupportGroup.objects.get(pk=object_id)
        current_form = self.get_form(request, current)(instance=current)
        names = [n for n in form.fields if n in current_form.fields and n != "seen_version"]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Someone else changed this listing"),
            "opts": self.opts,
            "original": current,
            "rows": compare(form, current_form, names),
            "change_url": reverse("admin:groups_supportgroup_change", args=[current.pk]),
        }
        return TemplateResponse(
            request, "admin/groups/supportgroup/conflict.html", context, status=409
        )

    @admin.action(description=_("Publish selected listings"), permissions=["change"])
    def publish(self, request, queryset):
        return decide(
            self,
            request,
            queryset,
            service=moderation.publish_support_group,
            title=_("Publish listings"),
            verb=_("Published"),
            reason_required=False,
            help_text=_("Optional. The organizers receive it with the good news."),
        )

    @admin.action(description=_("Archive selected listings"), permissions=["change"])
    def archive(self, request, queryset):
        return decide(
            self,
            request,
            queryset,
            service=moderation.archive_support_group,
            title=_("Archive listings"),
            verb=_("Archived"),
            reason_required=True,
            help_text=_("The organizers read this in their email."),
        )

    @admin.action(description=_("Confirm selected listings are current"), permissions=["change"])
    def confirm(self, request, queryset):
        return decide(
            self,
            request,
            queryset,
            service=moderation.confirm_support_group,
            title=_("Confirm listings are current"),
            verb=_("Confirmed"),
            reason_required=True,
            help_text=_("How you checked, e.g. “phoned the organizer on 3 March”."),
        )


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    list_per_page = LIST_PER_PAGE

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Listings in this region and below carry its name in their search text.
        ids = RegionTree.load().descendant_ids(obj.pk)
        refresh_search_document(groups_for_taxonomy(region_id__in=ids))


@admin.register(GroupType)
class GroupTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "synonyms"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_search_document(groups_for_taxonomy(types=obj))  # name and synonyms are searched


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "region", "website"]
    search_fields = ["name", "slug"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    prepopulated_fields = {"slug": ["name"]}
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_search_document(groups_for_taxonomy(host=obj))  # the host name is searched


# Reports and messages -------------------------------------------------------------------------


def unsent_mail(obj):
    """What a mailed row's admin page says while its email has not gone (None once it has)."""
    if obj.sent_at is not None:
        return None
    if obj.send_attempts:
        return _(
            "Not sent yet: %(n)d attempts failed (%(error)s). It is tried again every few minutes."
        ) % {"n": obj.send_attempts, "error": obj.last_error}
    return _("Being sent.")


def sent_when(obj):
    return date_format(timezone.localtime(obj.sent_at), "j M Y H:i")


@admin.register(Report)
class ReportAdmin(ObjectDecisionsMixin, admin.ModelAdmin):
    list_display = ["created_at", "group", "reason", "status", "short_details", "resolved_by"]
    list_filter = ["status", "reason", "created_at"]
    search_fields = ["group__name", "details"]
    list_select_related = ["group", "resolved_by"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    date_hierarchy = "created_at"
    actions = ["resolve", "dismiss"]
    decisions = [
        Decision(
            "resolve",
            _("Resolve"),
            moderation.resolve_report,
            _("Resolved the report on “%(obj)s”."),
            help_text=_("What you did. A reporter who left an email receives this note."),
            applies=_is_open,
        ),
        Decision(
            "dismiss",
            _("Dismiss"),
            moderation.dismiss_report,
            _("Dismissed the report on “%(obj)s”."),
            applies=_is_open,
            danger=True,
        ),
    ]
    # What the visitor wrote is evidence: nobody edits it; decisions go through the actions.
    fields = [
        "group",
        "reason",
        "details",
        "reporter_email",
        "created_at",
        "status",
        "resolved_by",
        "resolved_at",
        "resolution_note",
        "delivery",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("email"))
    def delivery(self, obj):
        """What the email step did, in words: "Email sent" when nobody was told would be a lie."""
        unsent = unsent_mail(obj)
        if unsent is not None:
            return unsent
        when = sent_when(obj)
        if obj.status == Report.Status.OPEN:
            owners = obj.group.owners.filter(is_active=True).count()
            if not owners:
                return _(
                    "No organizer to tell: nobody manages this listing yet, so no email was sent."
                )
            return ngettext(
                "Sent to the listing's organizer on %(when)s.",
                "Sent to the listing's %(n)d organizers on %(when)s.",
                owners,
            ) % {"n": owners, "when": when}
        if obj.reporter_email:
            return _("The reporter was sent the outcome on %(when)s.") % {"when": when}
        return _("The reporter left no email address, so nobody was told the outcome.")

    @admin.display(description=_("details"))
    def short_details(self, obj):
        # Plain text (the admin escapes it): a link in a report is never a clickable link.
        return obj.details[:120] + ("…" if len(obj.details) > 120 else "")

    @admin.action(description=_("Resolve selected reports"), permissions=["change"])
    def resolve(self, request, queryset):
        return decide(
            self,
            request,
            queryset,
            service=moderation.resolve_report,
            title=_("Resolve reports"),
            verb=_("Resolved"),
            reason_required=True,
            help_text=_("What you did. A reporter who left an email receives this note."),
        )

    @admin.action(description=_("Dismiss selected reports"), permissions=["change"])
    def dismiss(self, request, queryset):
        return decide(
            self,
            request,
            queryset,
            service=moderation.dismiss_report,
            title=_("Dismiss reports"),
            verb=_("Dismissed"),
            reason_required=True,
            help_text=_("Why no change is needed. A reporter who left an email receives this."),
        )


@admin.register(ContactMessage)
class ContactMessageAdmin(KeptRecordMixin, PrivateLookupsMixin, admin.ModelAdmin):
    """Delivery metadata for moderators; the message itself only for superusers.

    A relayed message is private between a visitor and an organizer. Moderators need to see that
    messages arrive (mail failures) and how many a listing receives (abuse); reading one is an
    abuse investigation, kept to the few superusers. Nobody edits them; purge_messages deletes
    them after 30 days.
    """

    list_display = ["created_at", "group", "sent_at", "send_attempts", "has_reply_address"]
    list_filter = ["created_at", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["group__name"]
    list_select_related = ["group"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    date_hierarchy = "created_at"

    metadata_fields = ["group", "created_at", "sent_at", "send_attempts", "last_error"]
    private_fields = ["sender_name", "reply_to", "body"]

    def get_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.metadata_fields + self.private_fields
        return self.metadata_fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("reply address given"), boolean=True)
    def has_reply_address(self, obj):
        return bool(obj.reply_to)


@admin.register(OwnerNotice)
class OwnerNoticeAdmin(KeptRecordMixin, admin.ModelAdmin):
    """The mails telling organizers a moderator published or archived their listing: whether
    each went. Made by groups.moderation; the addresses are looked up when sending, never kept."""

    list_display = ["created_at", "group", "decision", "sent_at", "send_attempts"]
    list_filter = ["decision", ("sent_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["group__name"]
    list_select_related = ["group"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    # Delivery is the mail code's record: shown in words, never edited.
    fields = ["group", "decision", "reason", "created_at", "delivery"]
    readonly_fields = fields

    @admin.display(description=_("email"))
    def delivery(self, obj):
        return unsent_mail(obj) or _("Emailed to the organizers on %(when)s.") % {
            "when": sent_when(obj)
        }


# The audit trail ------------------------------------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Append-only: readable by moderators, changeable by nobody, superusers included."""

    list_display = ["created_at", "actor", "action", "target_link", "reason"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["target_repr", "reason", "action"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    fields = ["created_at", "actor", "action", "target_type", "target_id", "target_link", "reason"]
    readonly_fields = fields

    @admin.display(description=_("object"))
    def target_link(self, obj):
        app_label, _sep, model = obj.target_type.partition(".")
        try:
            url = reverse(f"admin:{app_label}_{model}_change", args=[obj.target_id])
        except NoReverseMatch:
            return obj.target_repr
        return format_html('<a href="{}">{}</a>', url, obj.target_repr)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The moderation queue -------------------------------------------------------------------------


QUEUE_ITEMS_SHOWN = 10


def queue_sections(user):
    """One block per kind of work waiting: how many, the oldest few (each a link to the page
    where it is decided), and the filtered list for the rest."""
    from accounts import freshness
    from accounts.models import Claim

    def section(title, queryset, perm, url, date_field, label=str, item_url=None):
        if not user.has_perm(perm):
            return None
        count = queryset.count()
        oldest_first = (
            list(queryset.order_by(date_field, "pk")[:QUEUE_ITEMS_SHOWN]) if count else []
        )
        model = queryset.model._meta
        items = [
            {
                "label": label(obj),
                "url": (item_url or reverse)(
                    f"admin:{model.app_label}_{model.model_name}_change", args=[obj.pk]
                ),
                "date": getattr(obj, date_field),
            }
            for obj in oldest_first
        ]
        oldest = items[0]["date"] if items else None
        return {"title": title, "count": count, "oldest": oldest, "url": url, "items": items}

    def changelist(model, query):
        return f"{reverse(f'admin:{model}_changelist')}?{query}"

    sections = [
        section(
            _("Claims waiting for a decision"),
            Claim.objects.pending().select_related("group", "user"),
            "accounts.view_claim",
            changelist("accounts_claim", "status__exact=pending"),
            "created_at",
            label=lambda c: f"{c.group.name} — {c.user or _('deleted account')}",
        ),
        section(
            _("New listings waiting to be published"),
            SupportGroup.objects.filter(moderation=SupportGroup.Moderation.PENDING),
            "groups.view_supportgroup",
            changelist("groups_supportgroup", "moderation__exact=pending"),
            "created_at",
        ),
        section(
            _("Open reports from visitors"),
            Report.objects.open().select_related("group"),
            "groups.view_report",
            changelist("groups_report", "status__exact=open"),
            "created_at",
            label=lambda r: f"{r.group.name}: {r.get_reason_display()}",
        ),
        section(
            _("Listings not confirmed for 12 months"),
            SupportGroup.objects.stale(),
            "groups.view_supportgroup",
            changelist("groups_supportgroup", "stale=yes"),
            "last_confirmed",
        ),
        section(
            _("Listings to check by hand: nobody to ask, or reminders unanswered"),
            freshness.needing_moderators(),
            "groups.view_supportgroup",
            changelist("groups_supportgroup", "check=yes"),
            "last_confirmed",
        ),
        section(
            _("Claim decisions not emailed yet"),
            Claim.objects.mail_failing().select_related("group", "user"),
            "accounts.view_claim",
            changelist("accounts_claim", "email=unsent"),
            "decided_at",
            label=lambda c: f"{c.group.name} — {c.user or _('deleted account')}",
        ),
        section(
            _("Decisions on listings not emailed to their organizers yet"),
            OwnerNotice.objects.mail_failing().select_related("group"),
            "groups.view_ownernotice",
            changelist("groups_ownernotice", "sent_at__isempty=1"),
            "created_at",
            label=lambda n: f"{n.group.name}: {n.get_decision_display()}",
        ),
        section(
            _("Messages to organizers not delivered yet"),
            ContactMessage.objects.mail_failing().select_related("group"),
            "groups.view_contactmessage",
            changelist("groups_contactmessage", "sent_at__isempty=1"),
            "created_at",
        ),
    ]
    return [s for s in sections if s is not None]


def moderation_queue(request):
    context = {
        **admin.site.each_context(request),
        "title": _("Moderation queue"),
        "sections": queue_sections(request.user),
    }
    return TemplateResponse(request, "admin/moderation_queue.html", context)


_default_get_urls = admin.site.get_urls


def _get_urls():
    return [
        path("moderation/", admin.site.admin_view(moderation_queue), name="moderation_queue"),
        *_default_get_urls(),
    ]


admin.site.get_urls = _get_urls


# Admin login: rate-limited like the public login ------------------------------------------------

_default_login = admin.site.login


def rate_limited_login(request, extra_context=None):
    """The admin login, counted like the public one (groups.ratelimit.login_attempt): 429 after
    repeated failures from one client, or for one account from one client."""
    if request.method != "POST":
        return _default_login(request, extra_context)
    attempt = ratelimit.login_attempt(request, request.POST.get("username", ""))
    if attempt is None:
        return render(
            request, "admin/login_too_many.html", admin.site.each_context(request), status=429
        )
    response = _default_login(request, extra_context)
    if response.status_code != 200:  # not the form again: the login worked
        attempt.succeeded()
    return response


admin.site.login = rate_limited_login
