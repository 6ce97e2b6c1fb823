"""Decisions on an item's own admin page: buttons with the reason asked for inline.

The list actions (groups.admin.decide) stay for deciding many items at once; this is the common
case, one claim, one new listing, one report, decided where the moderator reads it. Both call the
same service functions, so the audit trail and the emails are the same either way.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
    )

    def __init__(self, *args, required=True, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        self.fields["reason"].help_text = help_text


@dataclass(frozen=True)
class Decision:
    name: str
    label: Any
    service: Callable
    done: Any  # the message after it worked, with %(obj)s
    reason_required: bool = True
    help_text: Any = ""
    applies: Callable = lambda obj: True
    danger: bool = False
    # Raised when the item needs no decision any more (decided meanwhile): nothing changed.
    expected_errors: tuple = field(default=())
    # Raised when this moderator may not take it (their own claim): its message says why.
    refusals: tuple = field(default=())


class ObjectDecisionsMixin:
    """Adds `<pk>/decide/` and a decision panel (change_form templates include it)."""

    decisions: list[Decision] = []

    def available_decisions(self, obj):
        return [d for d in self.decisions if obj is not None and d.applies(obj)]

    def decision_context(self, request, obj):
        """Extra facts the moderator needs to decide (the claim's evidence, other claims...)."""
        return {}

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="{}_{}_decide".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_view_or_change_permission(request, obj):
            # The facts behind a decision help anyone who may read the item.
            extra_context.update(self.decision_context(request, obj))
        if obj is not None and self.has_change_permission(request, obj):
            choices = self.available_decisions(obj)
            if choices:
                bound = extra_context.pop("decision_form", None)
                extra_context["decision_form"] = bound or ReasonForm(
                    required=any(d.reason_required for d in choices)
                )
                extra_context["decisions"] = choices
                extra_context["decide_url"] = reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_decide",
                    args=[obj.pk],
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
        )
        chosen = next((d for d in self.decisions if d.name == request.POST.get("decision")), None)
        if chosen is None or not chosen.applies(obj):
            messages.warning(request, _already_decided())
            return HttpResponseRedirect(change_url)
        form = ReasonForm(request.POST, required=chosen.reason_required)
        if not form.is_valid():
            # Show the item's page again, the reason kept and the error beside it. The change view
            # saves on POST; this request already passed the CSRF check, so read it as a GET.
            request.method = "GET"
            response = self.change_view(
                request, object_id, extra_context={"decision_form": form, "decision_error": chosen}
            )
            response.status_code = 400
            return response
        try:
            changed = chosen.service(obj, request.user, form.cleaned_data["reason"].strip())
        except chosen.refusals as refusal:
            messages.error(request, str(refusal))
            return HttpResponseRedirect(change_url)
        except chosen.expected_errors:
            changed = False
        if changed is False:
            messages.warning(request, _already_decided())
            return HttpResponseRedirect(change_url)
        messages.success(request, chosen.done % {"obj": obj})
        return HttpResponseRedirect(reverse("admin:moderation_queue"))


def _already_decided():
    return _("Nothing changed: someone decided this meanwhile. The page shows how it stands now.")
