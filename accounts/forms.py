"""Forms organizers fill in: claims, listings with their meeting times, invitations, leaving."""

from django import forms
from django.db import models
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import Claim
from groups.models import Meeting, SupportGroup


class ClaimForm(forms.ModelForm):
    class Meta:
        model = Claim
        fields = ["role", "evidence", "message"]
        labels = {
            "role": _("Your role in the group"),
            "evidence": _("How can moderators check this?"),
            "message": _("Anything else we should know? (optional)"),
        }
        help_texts = {
            "role": _("For example: facilitator, co-founder, volunteer coordinator."),
            "evidence": _(
                "A link to a page that names you, or a person we can contact who knows you run "
                "the group."
            ),
        }
        widgets = {
            "evidence": forms.Textarea(attrs={"rows": 3}),
            "message": forms.Textarea(attrs={"rows": 3}),
        }


# Every field an organizer controls. Moderation, freshness and provenance stay with moderators.
LISTING_FIELDS = [
    "name",
    "summary",
    "description",
    "kind",
    "types",
    "audiences",
    "attendance",
    "status",
    "region",
    "service_area",
    "venue",
    "address",
    "host",
    "website",
    "website_public",
    "join_url",
    "join_url_public",
    "contact_name",
    "contact_name_public",
    "email",
    "email_public",
    "phone",
    "phone_public",
    "how_to_join",
    "languages",
    "cost",
    "accessibility",
]


def _listing_formfield(model_field, **kwargs):
    # Organizers type "example.org": assume https, as Django 6 will.
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class ListingForm(forms.ModelForm):
    # The version the organizer started from; a save from an older version is a conflict.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = SupportGroup
        fields = LISTING_FIELDS
        formfield_callback = _listing_formfield
        widgets = {
            "types": forms.CheckboxSelectMultiple,
            "audiences": forms.CheckboxSelectMultiple,
            "languages": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 6}),
            "how_to_join": forms.Textarea(attrs={"rows": 3}),
            "accessibility": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }
        help_texts = {
            "email_public": _(
                "Leave unticked to keep your email private. Moderators can still see it."
            ),
            "phone_public": _("Leave unticked to keep your phone number private."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" not in self.initial:
            self.initial["version"] = self.instance.version if self.instance.pk else 1
        self.fields["types"].help_text = _("Tick every kind of support the group offers.")

    def updated_field_names(self):
        """Concrete model columns this form writes (many-to-many ones are saved separately)."""
        concrete = {f.name for f in SupportGroup._meta.concrete_fields}
        return [name for name in self._meta.fields if name in concrete]


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = Meeting.SCHEDULE_FIELDS
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {"timezone": _("The time zone the times are in, e.g. Europe/London.")}


class BaseMeetingFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, default_timezone="", **kwargs):
        self.default_timezone = default_timezone
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if self.default_timezone and (index is None or index >= self.initial_form_count()):
            kwargs["initial"] = {"timezone": self.default_timezone}
        return kwargs


MeetingFormSet = inlineformset_factory(
    SupportGroup,
    Meeting,
    form=MeetingForm,
    formset=BaseMeetingFormSet,
    extra=1,
    can_delete=True,
    max_num=20,
    validate_max=True,
    # Without it Django builds up to max_num + 1000 forms from a forged TOTAL_FORMS.
    absolute_max=20,
)


def meeting_formset(group, data=None, extra=1):
    """The meetings formset, with blank forms preset to the zone the group already uses."""
    existing = next((m.timezone for m in group.meetings.all()), "") if group.pk else ""
    formset_class = MeetingFormSet
    if extra != formset_class.extra:
        formset_class = inlineformset_factory(
            SupportGroup,
            Meeting,
            form=MeetingForm,
            formset=BaseMeetingFormSet,
            extra=extra,
            can_delete=True,
            max_num=20,
            validate_max=True,
            absolute_max=20,
        )
    return formset_class(
        data, instance=group, prefix="meetings", default_timezone=existing or "Europe/London"
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("We send them a link. They log in or sign up with this address to accept."),
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your current password."))
        return password
