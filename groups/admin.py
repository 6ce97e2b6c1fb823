from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from groups.admin_csv import CsvImportExportMixin
from groups.models import (
    Audience,
    GroupType,
    Language,
    Meeting,
    Organization,
    Ownership,
    Region,
    SupportGroup,
)


class MeetingInline(admin.TabularInline):
    model = Meeting
    extra = 0


class OwnershipInline(admin.TabularInline):
    model = Ownership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(SupportGroup)
class SupportGroupAdmin(CsvImportExportMixin, SimpleHistoryAdmin):
    list_display = [
        "name",
        "kind",
        "attendance",
        "status",
        "moderation",
        "region",
        "last_confirmed",
    ]
    list_filter = ["moderation", "status", "kind", "attendance"]
    search_fields = ["name", "slug", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["region"]
    raw_id_fields = ["submitted_by"]
    inlines = [MeetingInline, OwnershipInline]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    list_select_related = ["parent"]


admin.site.register([GroupType, Audience, Language, Organization])
