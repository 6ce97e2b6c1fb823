"""CSV import and export in the listings admin, as a mixin for SupportGroupAdmin.

Import is two steps: upload -> a dry run listing what would be created and every row's errors ->
confirm. The confirm form carries the file's text, signed, so what is imported is exactly what was
previewed; it is parsed again and created in one transaction.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from groups import csv_io

SIGNING_SALT = "groups.admin_csv.import"
PREVIEW_MAX_AGE = 60 * 60 * 6


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8, at most %(kb)s KB and %(rows)s rows.")
        % {"kb": csv_io.MAX_BYTES // 1000, "rows": csv_io.MAX_ROWS},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > csv_io.MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s KB; the limit is %(limit)s KB. Split it into smaller files."
                )
                % {"size": upload.size // 1000, "limit": csv_io.MAX_BYTES // 1000}
            )
        return upload


def _csv_response(queryset, stem):
    response = StreamingHttpResponse(
        csv_io.export_csv_lines(queryset), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.csv"'
    return response


class CsvImportExportMixin:
    """Adds "Import CSV" and "Export CSV" to a listings ModelAdmin."""

    def get_urls(self):
        return [
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv_view),
                name=self._url_name("import_csv"),
            ),
            path(
                "export-csv/",
                self.admin_site.admin_view(self.export_csv_view),
                name=self._url_name("export_csv"),
            ),
        ] + super().get_urls()

    def _url_name(self, suffix):
        return f"{self.opts.app_label}_{self.opts.model_name}_{suffix}"

    def has_csv_import_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_view_permission(request):
            actions["export_selected_csv"] = (
                CsvImportExportMixin.export_selected_csv,
                "export_selected_csv",
                _("Export selected listings as CSV"),
            )
        return actions

    def changelist_view(self, request, extra_context=None):
        context = {
            "can_import_csv": self.has_csv_import_permission(request),
            "can_export_csv": self.has_view_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def export_selected_csv(self, request, queryset):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return _csv_response(queryset.order_by("pk"), "listings-selected")

    def export_csv_view(self, request):
        """Every listing the changelist shows with the current filters and search, all pages."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.error(request, _("Those filters are not valid; nothing was exported."))
            return redirect(self._changelist_url())
        return _csv_response(changelist.get_queryset(request).order_by("pk"), "listings")

    def _changelist_url(self):
        return reverse("admin:" + self._url_name("changelist"))

    def _render_import(self, request, template, context, status=200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import listings from CSV"),
            "columns": csv_io.COLUMNS,
            "required_columns": csv_io.REQUIRED_COLUMNS,
            "max_rows": csv_io.MAX_ROWS,
            "max_kb": csv_io.MAX_BYTES // 1000,
            **context,
        }
        return TemplateResponse(
            request, f"admin/groups/supportgroup/{template}", context, status=status
        )

    def import_csv_view(self, request):
        if not self.has_csv_import_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "payload" in request.POST:
            return self._confirm_import(request)
        form = CsvUploadForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._render_import(request, "import_csv.html", {"form": form})
        data = form.cleaned_data["file"].read()
        result = csv_io.parse(data)
        context = {"result": result, "filename": form.cleaned_data["file"].name}
        if result.ok:
            text = csv_io.decode(data)
            context["payload"] = signing.dumps(text, salt=SIGNING_SALT, compress=True)
        return self._render_import(request, "import_preview.html", context)

    def _confirm_import(self, request):
        try:
            text = signing.loads(
                request.POST["payload"], salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE
            )
        except signing.BadSignature:
            messages.error(
                request, _("That import form had expired or been altered; upload again.")
            )
            return redirect(reverse("admin:" + self._url_name("import_csv")))
        result = csv_io.parse(text)
        created = []
        if result.ok:
            try:
                created = csv_io.apply(result, actor=request.user)
            except csv_io.ImportConflict:
                result = csv_io.parse(text)
        if not created:
            messages.error(
                request, _("Nothing was imported: fix the errors below and upload again.")
            )
            return self._render_import(
                request, "import_preview.html", {"result": result, "confirmed": True}, status=400
            )
        messages.success(
            request,
            ngettext(
                "Imported %(count)d listing. It is pending review.",
                "Imported %(count)d listings. They are pending review.",
                len(created),
            )
            % {"count": len(created)},
        )
        return redirect(f"{self._changelist_url()}?moderation__exact=pending")
