"""Visitors' feedback on a listing, no account needed: problem reports and messages to organizers.

Both forms share the same defences: a honeypot, a per-client rate limit and a per-listing one, a
double-submit guard, length limits. A row is saved before any email goes out; the email is sent after commit.
"""

import hashlib

from django import forms
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from groups import mail, ratelimit
from groups.models import ContactMessage, Report, SupportGroup

RATE_LIMIT = 5  # submissions per client and form...
RATE_PERIOD = 10 * 60  # ...in this many seconds
# Per listing and form, from everyone together: each one mails the listing's organizers
# (volunteers, who cannot block a sender they never see). Far above what a listing gets in a
# day; a script with many addresses (the probe: 30, all relayed) meets it.
LISTING_LIMIT = 20
LISTING_PERIOD = 24 * 60 * 60
DOUBLE_SUBMIT_WINDOW = 60  # seconds in which the same content from the same client is one post

HONEYPOT = "homepage"


class HoneypotForm(forms.Form):
    """Adds a field people never see or reach (visually hidden, aria-hidden, tabindex=-1)."""

    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class ReportForm(forms.ModelForm, HoneypotForm):
    class Meta:
        model = Report
        fields = ["reason", "details", "reporter_email"]
        labels = {
            "reason": _("What is wrong?"),
            "details": _("Details (optional)"),
            "reporter_email": _("Your email (optional)"),
        }
        help_texts = {
            "details": _("What should we change? Up to 4,000 characters."),
            "reporter_email": _(
                "Only if you would like to hear what we did. We never show it to anyone, "
                "including the organizers."
            ),
        }
        widgets = {
            "reason": forms.RadioSelect,
            "details": forms.Textarea(attrs={"rows": 6, "maxlength": Report.DETAILS_MAX}),
            "reporter_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        # Django's "This field is required." says nothing about what to do.
        error_messages = {
            "reason": {"required": _("Choose what is wrong with this listing.")},
        }

    field_order = ["reason", "details", "reporter_email", HONEYPOT]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A ModelForm adds a "---------" choice for fields with a default; a report needs a reason.
        self.fields["reason"].choices = Report.Reason.choices


class ContactForm(forms.ModelForm, HoneypotForm):
    class Meta:
        model = ContactMessage
        fields = ["sender_name", "reply_to", "body"]
        labels = {
            "sender_name": _("Your name (optional)"),
            "reply_to": _("Your email (optional)"),
            "body": _("Your message"),
        }
        help_texts = {
            "reply_to": _(
                "The organizers can only answer if you give an address. "
                "They will see it when they reply."
            ),
            "body": _("Up to 4,000 characters."),
        }
        widgets = {
            "sender_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "reply_to": forms.EmailInput(attrs={"autocomplete": "email"}),
            "body": forms.Textarea(attrs={"rows": 8, "maxlength": ContactMessage.BODY_MAX}),
        }
        error_messages = {"body": {"required": _("Write your message to the organizers.")}}

    field_order = ["sender_name", "reply_to", "body", HONEYPOT]


def _content_key(action, client, group, cleaned):
    content = "\x1f".join(str(cleaned.get(name, "")) for name in sorted(cleaned))
    digest = hashlib.sha256(f"{action}\x1f{client}\x1f{group.pk}\x1f{content}".encode())
    return digest.hexdigest()


def _too_many(request, group, listing=False):
    context = {"group": group, "listing": listing}
    return render(request, "groups/report_too_many.html", context, status=429)


def _handle(request, group, form_class, action, template, done_url, also=None):
    """The shared POST flow: limit, honeypot, validate, de-duplicate, save, send after commit.

    `also(obj)` runs in the saving transaction, for what one kind of feedback adds."""
    client = ratelimit.client_hash(request)
    if request.method != "POST":
        return render(request, template, {"group": group, "form": form_class()})
    # Counted first (atomically), then decided: parallel posts cannot slip past the limit.
    slot = ratelimit.consume(action, client, RATE_LIMIT, RATE_PERIOD)
    if slot is None:
        return _too_many(request, group)
    if request.POST.get(HONEYPOT):
        # Looks like success to the robot; nothing is kept (and it stays counted).
        return redirect(done_url)
    form = form_class(request.POST)
    if not form.is_valid():
        slot.release()  # a form with mistakes is not a submission
        return render(request, template, {"group": group, "form": form})
    cleaned = {k: v for k, v in form.cleaned_data.items() if k != HONEYPOT}
    key = _content_key(action, client, group, cleaned)
    if not ratelimit.first_time(key, DOUBLE_SUBMIT_WINDOW):
        slot.release()  # the same post again (a double click) is counted once
        return redirect(done_url)
    for_listing = ratelimit.consume(f"{action}-listing", group.pk, LISTING_LIMIT, LISTING_PERIOD)
    if for_listing is None:
        ratelimit.forget(key)
        slot.release()  # not this visitor's doing: their own allowance stays
        return _too_many(request, group, listing=True)
    try:
        with transaction.atomic():
            obj = form.save(commit=False)
            obj.group = group
            obj.client_hash = client
            obj.save()
            mail.deliver_on_commit(obj)
            if also is not None:
                also(obj)
    except Exception:
        ratelimit.forget(key)  # not saved: the visitor's retry must not be taken for a double
        slot.release()
        for_listing.release()
        raise
    return redirect(done_url)


@require_http_methods(["GET", "POST"])
def report(request, slug):
    group = get_object_or_404(SupportGroup.objects.published(), slug=slug)
    return _handle(
        request,
        group,
        ReportForm,
        "report",
        "groups/report_form.html",
        done_url=reverse("groups:report_done", args=[group.slug]),
        # Moderators hear of every report (at once or in the daily digest).
        also=lambda report: mail.notify_moderators("report", group, report),
    )


def report_done(request, slug):
    group = get_object_or_404(SupportGroup.objects.published(), slug=slug)
    return render(request, "groups/report_done.html", {"group": group})


def contactable(slug):
    """A published listing that has owners to relay to and no public email; else 404."""
    group = get_object_or_404(SupportGroup.objects.published(), slug=slug)
    if not group.accepts_messages:
        raise Http404("No owners to relay to, or a public email to write to directly.")
    return group


@require_http_methods(["GET", "POST"])
def contact(request, slug):
    group = contactable(slug)
    return _handle(
        request,
        group,
        ContactForm,
        "contact",
        "groups/contact_form.html",
        done_url=reverse("groups:contact_done", args=[group.slug]),
    )


def contact_done(request, slug):
    group = get_object_or_404(SupportGroup.objects.published(), slug=slug)
    return render(request, "groups/contact_done.html", {"group": group})
