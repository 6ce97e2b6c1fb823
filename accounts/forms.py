"""Forms organizers fill in: claims, listings with their meeting times, invitations, leaving."""

from functools import lru_cache

from django import forms
from django.db import models
from django.forms import inlineformset_factory
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Claim
from accounts.places import FindError, find_region, place_labels, region_label
from groups import timezones
from groups.models import Meeting, Region, RegionTree, SupportGroup


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
        error_messages = {
            "role": {"required": _("Say what you do in the group, e.g. “facilitator”.")},
            "evidence": {"required": _("Tell the moderators how they can check that you run it.")},
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


def _support_group_formfield(model_field, **kwargs):
    # Organizers type "example.org": assume https, as Django 6 will.
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


# The edit form in short sections, in the order an organizer thinks about the group. Meeting
# times are shown inside "When it meets" (the template places the formset there).
SECTIONS = [
    ("about", _("About the group"), ["name", "summary", "description", "kind", "types"]),
    ("when", _("When it meets"), ["status"]),
    (
        "join",
        _("How people join"),
        [
            "attendance",
            "region",
            "venue",
            "address",
            "service_area",
            "join_url",
            "join_url_public",
            "how_to_join",
            "cost",
            "host",
        ],
    ),
    (
        "contact",
        _("Contact, and what is public"),
        [
            "contact_name",
            "contact_name_public",
            "email",
            "email_public",
            "phone",
            "phone_public",
            "website",
            "website_public",
        ],
    ),
    ("who", _("Who it is for"), ["audiences", "languages", "accessibility"]),
]

# Organizer-facing words for the listing's fields: the model's names are for moderators.
LISTING_LABELS = {
    "name": _("Name of the group"),
    "summary": _("In one line, what is it?"),
    "kind": _("What is it?"),
    "types": _("What support does it offer?"),
    "status": _("Is it meeting at the moment?"),
    "attendance": _("How do people take part?"),
    "region": _("Where is it?"),
    "service_area": _("Who can join, if wider than that place (optional)"),
    "venue": _("Venue (optional)"),
    "address": _("Address (optional)"),
    "host": _("Run by an organisation? (optional)"),
    "join_url": _("Link to join, e.g. the video call or sign-up page (optional)"),
    "how_to_join": _("Anything people should know before they come (optional)"),
    "cost": _("Does it cost anything?"),
    "audiences": _("Who is it for?"),
    "languages": _("Languages spoken"),
    "accessibility": _("Access: step-free, hearing loop, quiet room… (optional)"),
    "description": _("More about the group (optional)"),
    "contact_name": _("Contact person (optional)"),
    "email": _("Email (optional)"),
    "phone": _("Phone (optional)"),
    "website": _("Website (optional)"),
}
LISTING_HELP = {
    "region": _(
        "Type the town, area or country and pick it from the list, e.g. “Hamilton, Ontario, "
        "Canada”. Online only? The country or area it is for."
    ),
    # The label already says it ("the video call or sign-up page").
    "join_url": "",
    "how_to_join": _("Keep it in step with the meeting times above: they are shown next to it."),
    "service_area": _("For example “US and Canada”."),
    "status": "",
}
STATUS_WORDS = {
    SupportGroup.Status.ACTIVE: _("Yes, it meets"),
    SupportGroup.Status.FORMING: _("Starting soon: no first meeting yet"),
    SupportGroup.Status.PAUSED: _("Paused for now"),
    SupportGroup.Status.CLOSED: _("It has closed"),
}


class PlaceInput(forms.TextInput):
    """A text box with every place's full name offered as the organizer types (a <datalist>:
    the browser filters it, with or without script)."""

    template_name = "accounts/widgets/place_input.html"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.places = []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id', name)}_places"
        context["widget"]["attrs"]["list"] = list_id
        context["widget"]["list_id"] = list_id
        context["widget"]["places"] = self.places
        return context


class RegionField(forms.Field):
    """The listing's place, typed or picked by its full name: "Hamilton, Ontario, Canada"."""

    widget = PlaceInput

    def __init__(self, tree, **kwargs):
        self.tree = tree
        super().__init__(**kwargs)
        self.widget.places = place_labels(tree)

    def prepare_value(self, value):
        if isinstance(value, Region):
            return region_label(value, self.tree)
        if isinstance(value, int) or isinstance(value, str) and value.isdigit():
            region = self.tree.by_id.get(int(value))
            return region_label(region, self.tree) if region else str(value)
        return value

    def has_changed(self, initial, data):
        try:
            data = self.to_python(data)
        except forms.ValidationError:
            return True
        return getattr(initial, "pk", initial) != getattr(data, "pk", data)

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            return find_region(value, self.tree)
        except FindError as error:
            if error.kind == "ambiguous":
                message = _("More than one place is called “%(typed)s”. Which one: %(places)s?")
            elif error.kind == "inside":
                message = _(
                    "“%(typed)s” is not on our list of places. It is in “%(places)s”: choose "
                    "that, or another place from the list."
                )
            elif error.suggestions:
                message = _("We do not know “%(typed)s”. Did you mean: %(places)s?")
            else:
                message = _(
                    "We do not know “%(typed)s”. Choose a place from the list, or the "
                    "country if the town is not there."
                )
            raise forms.ValidationError(
                message,
                code=error.kind,
                params={"typed": value[:80], "places": "; ".join(error.suggestions)},
            ) from None


class SupportGroupForm(forms.ModelForm):
    # The version the organizer started from; a save from an older version is a conflict.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = SupportGroup
        fields = LISTING_FIELDS
        formfield_callback = _support_group_formfield
        widgets = {
            "types": forms.CheckboxSelectMultiple,
            "audiences": forms.CheckboxSelectMultiple,
            "languages": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
            "how_to_join": forms.Textarea(attrs={"rows": 3}),
            "accessibility": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }
        # What to do, where Django would say "This field is required."
        error_messages = {
            "name": {"required": _("Give the group’s name.")},
            "summary": {"required": _("Say in one line what the group is.")},
            "kind": {"required": _("Choose what the group is.")},
            "types": {"required": _("Tick at least one kind of support the group offers.")},
            "status": {"required": _("Choose whether the group is meeting at the moment.")},
        }
        help_texts = {
            "email_public": _("Unticked, only you and the moderators see it."),
            "phone_public": _("Unticked, only you and the moderators see it."),
        }

    def __init__(self, *args, region_tree=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" not in self.initial:
            self.initial["version"] = self.instance.version if self.instance.pk else 1
        self.fields["types"].help_text = _("Tick all that fit.")
        self.region_tree = region_tree or RegionTree.load()
        self.fields["region"] = RegionField(
            self.region_tree,
            required=False,
            label=LISTING_LABELS["region"],
            help_text=LISTING_HELP["region"],
        )
        for name, label in LISTING_LABELS.items():
            self.fields[name].label = label
        for name, text in LISTING_HELP.items():
            self.fields[name].help_text = text
        self.fields["status"].choices = [
            (value, STATUS_WORDS.get(value, label))
            for value, label in self.fields["status"].choices
        ]

    def sections(self):
        """(id, title, bound fields) per section of the form."""
        return [
            (key, title, [self[name] for name in names if name in self.fields])
            for key, title, names in SECTIONS
        ]

    def updated_field_names(self):
        """Concrete model columns this form writes (many-to-many ones are saved separately)."""
        concrete = {f.name for f in SupportGroup._meta.concrete_fields}
        return [name for name in self._meta.fields if name in concrete]


@lru_cache(maxsize=8)
def _zone_options(language):
    return mark_safe(  # noqa: S308 - rendered by a template, which escaped every label
        render_to_string("accounts/widgets/zone_options.html", {"groups": timezones.choices()})
    )


class ZoneSelect(forms.Select):
    """The time-zone select: the chosen zone on top, then the cached list of every zone."""

    template_name = "accounts/widgets/zone_select.html"

    def get_context(self, name, value, attrs):
        # Widget's context, not Select's: Select would build ~500 option dicts per meeting time.
        context = forms.Widget.get_context(self, name, value, attrs)
        chosen = timezones.resolve(value if isinstance(value, str) else "") or (
            value if isinstance(value, str) and value in timezones.all_zones() else None
        )
        context["widget"]["chosen"] = (chosen, timezones.option_label(chosen)) if chosen else None
        context["widget"]["options"] = _zone_options(get_language())
        return context


class TimeZoneField(forms.ChoiceField):
    """A select of zones (common ones first); also understands "Eastern Time", "UK time"."""

    widget = ZoneSelect

    def __init__(self, **kwargs):
        super().__init__(choices=timezones.choices, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return timezones.resolve(value) or value

    def validate(self, value):
        if value and value not in timezones.all_zones():
            raise forms.ValidationError(
                _("Choose the time zone from the list, e.g. “Eastern Time” or “UK time”."),
                code="invalid_choice",
            )
        super(forms.ChoiceField, self).validate(value)


# Weeks of the month in words; stored as "2,4" or "-1" (the last week).
WEEK_CHOICES = [
    ("1", _("1st")),
    ("2", _("2nd")),
    ("3", _("3rd")),
    ("4", _("4th")),
    ("5", _("5th")),
    ("last", _("Last")),
]


class WeeksField(forms.MultipleChoiceField):
    """Ticked weeks; also reads the stored form ("2,4", "-1") so old posts still work."""

    def to_python(self, value):
        items = super().to_python(value)
        weeks = []
        for item in items:
            for part in item.split(","):
                part = part.strip()
                if part:
                    weeks.append("last" if part == "-1" else part)
        return weeks

    def has_changed(self, initial, data):
        # A blank value ("", as the stored form posts it) is no weeks, not a change.
        try:
            return set(self.to_python(data)) != set(self.to_python(initial or []))
        except forms.ValidationError:
            return True


FREQUENCY_WORDS = {
    Meeting.Frequency.WEEKLY: _("Every week"),
    Meeting.Frequency.BIWEEKLY: _("Every other week"),
    Meeting.Frequency.MONTHLY: _("On some weeks of each month (e.g. the 1st and 3rd)"),
    Meeting.Frequency.BIMONTHLY: _("Every other month"),
    Meeting.Frequency.BY_ARRANGEMENT: _("No fixed time: people arrange it"),
}


class MeetingForm(forms.ModelForm):
    timezone = TimeZoneField(
        label=_("Time zone"),
        error_messages={"required": _("Choose the time zone the times are in.")},
    )
    weeks_of_month = WeeksField(
        label=_("Which weeks of the month?"),
        choices=WEEK_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Meeting
        fields = Meeting.SCHEDULE_FIELDS
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "notes": forms.TextInput(),
        }
        labels = {
            "frequency": _("How often?"),
            "weekday": _("Which day?"),
            "start_date": _("Date of one meeting"),
            "start_time": _("Starts at"),
            "end_time": _("Ends at (optional)"),
            "notes": _("Anything else about this time (optional)"),
        }
        help_texts = {
            "start_date": _("Any one date it meets: we count the weeks from it."),
            "notes": _("For example “Women only” or “Online this month”."),
        }
        error_messages = {"frequency": {"required": _("Choose how often the group meets.")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["frequency"].choices = [
            ("", _("Choose how often"))
            if value == ""
            else (value, FREQUENCY_WORDS.get(value, label))
            for value, label in self.fields["frequency"].choices
        ]
        self.fields["weekday"].choices = [
            ("", _("Choose a day")) if value == "" else (value, label)
            for value, label in self.fields["weekday"].choices
        ]
        stored = self.initial.get("weeks_of_month")
        if isinstance(stored, str):
            self.initial["weeks_of_month"] = self.fields["weeks_of_month"].to_python([stored])

    def schedule_fields(self):
        return [self[name] for name in Meeting.SCHEDULE_FIELDS]

    def clean_weeks_of_month(self):
        weeks = self.cleaned_data["weeks_of_month"]
        return ",".join("-1" if w == "last" else w for w in weeks)

    def sentence(self):
        """The schedule in words, as visitors will read it; "" while it is incomplete."""
        if self.is_bound:
            if not self.is_valid() or not self.has_changed() and not self.instance.pk:
                return ""
            data = self.cleaned_data
            meeting = Meeting(**{f: data.get(f) for f in Meeting.SCHEDULE_FIELDS})
            meeting.weeks_of_month = meeting.weeks_of_month or ""
            return meeting.describe()
        return self.instance.describe() if self.instance.pk else ""


class BaseMeetingFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, default_timezone="", zone_source="site", **kwargs):
        self.default_timezone = default_timezone
        # Where that zone came from (default_timezone): the page's script may only replace a guess.
        self.zone_source = zone_source
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


def default_timezone(group, tree=None):
    """The zone a new meeting time starts with, and where that guess came from: the zone the
    group already uses, else its region's, else the site's (which the browser may replace)."""
    existing = next((m.timezone for m in group.meetings.all()), "") if group.pk else ""
    if existing:
        return existing, "listing"
    if group.region_id:
        zone = timezones.for_region(group.region_id, tree or RegionTree.load())
        if zone:
            return zone, "region"
    return timezones.SITE_DEFAULT, "site"


def meeting_formset(group, data=None, extra=None):
    """The meetings formset, with blank forms preset to the zone the group most likely uses.

    A listing with meeting times gets no blank block (the page stays short; "Add another time"
    adds one); a listing without any starts with one.
    """
    if extra is None:
        extra = 0 if group.pk and group.meetings.exists() else 1
    zone, source = default_timezone(group)
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
        data, instance=group, prefix="meetings", default_timezone=zone, zone_source=source
    )


def sentence_words():
    """What the page's script needs to write a meeting time in words, translated."""
    from groups import schedule

    return {
        "days": [str(label) for _value, label in schedule.WEEKDAY_CHOICES],
        "plurals": [str(label) for label in schedule.WEEKDAY_PLURALS],
        "ordinals": {
            ("last" if n == -1 else str(n)): str(label) for n, label in schedule.ORDINALS.items()
        },
        "every_other": str(_("Every other %(day)s")),
        "monthly": str(_("The %(weeks)s %(day)s of the month")),
        "bimonthly": str(_("The %(weeks)s %(day)s of every other month")),
        "every_other_month": str(_("Every other month")),
        "arranged": str(_("By arrangement")),
        "and": str(_("%(first)s and %(last)s")),
        "with_time": str(_("%(days)s, %(times)s %(zone)s")),
        "am": str(_("am")),
        "pm": str(_("pm")),
    }


def error_summary(form, formset):
    """Every error as (field id, what to fix) for the summary at the top of the page; each
    links to its field."""
    items = []

    def add(bound, prefix=""):
        # Ticked choices have no single label target: link to the first box.
        target = bound.id_for_label or f"{bound.auto_id}_0"
        for message in bound.errors:
            items.append({"id": target, "label": f"{prefix}{bound.label}", "message": message})

    if form.is_bound:
        for message in form.non_field_errors():
            items.append({"id": "listing-form", "label": "", "message": message})
        for bound in form.visible_fields():
            add(bound)
    if formset.is_bound:
        for message in formset.non_form_errors():
            items.append({"id": "meetings", "label": "", "message": message})
        for number, meeting_form in enumerate(formset.forms, start=1):
            prefix = _("Meeting time %(n)d: ") % {"n": number}
            for bound in meeting_form.visible_fields():
                add(bound, prefix)
    return items


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Their email address"),
        error_messages={"required": _("Enter the email address to send the invitation to.")},
        help_text=_("We send them a link. They log in or sign up with this address to accept."),
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password to confirm it is you.")},
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your current password."))
        return password
