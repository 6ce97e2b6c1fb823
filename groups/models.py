"""The directory's data: listings, their schedules, and the taxonomies they are filed under."""

from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from groups import schedule, timezones


def choices_check(field, choices_cls, name):
    """A CHECK constraint keeping a TextChoices column to its enumeration in the database too."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices_cls.values}), name=name)


def web_url(value):
    """The URL if it is http(s), else "": a javascript: or data: URL saved by the shell or a fixture
    must never become a link (forms, the admin and the CSV import already refuse them)."""
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) else ""


def validate_timezone(value):
    # timezones.is_known reads the zone list once per process; available_timezones() walks
    # tzdata's folders on every call (about 3 ms, once per meeting of a CSV import).
    if not timezones.is_known(value):
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class RegionKind(models.TextChoices):
    WORLD = "world", _("Worldwide")
    CONTINENT = "continent", _("Continent")
    COUNTRY = "country", _("Country")
    STATE = "state", _("State, province or nation")
    AREA = "area", _("Area or city")


class SupportGroupKind(models.TextChoices):
    MEETING_GROUP = "meeting_group", _("Group that meets")
    ONLINE_COMMUNITY = "online_community", _("Online community or forum")
    NETWORK = "network", _("Network or organisation")
    RESIDENTIAL = "residential", _("Peer respite or crisis service")
    TRAINING = "training", _("Training programme")
    # A source that describes a type of group without naming one (issue #21).
    KIND_OF_GROUP = "kind_of_group", _("A kind of group, not one group")


class Attendance(models.TextChoices):
    NOT_STATED = "", _("Not stated")
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("By phone")
    HYBRID = "hybrid", _("In person and online")


# Groups one can join from elsewhere: the filters read their times in the visitor's zone.
REMOTE = (Attendance.ONLINE, Attendance.PHONE, Attendance.HYBRID)
# Groups with a place to go to (the feeds' and structured data's physical locations).
MEETS_IN_PERSON = (Attendance.IN_PERSON, Attendance.HYBRID)


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    # Listed and searchable like an active group, but no source says it still meets: a listing
    # built from an old document must not claim the present (issue #21).
    UNCONFIRMED = "unconfirmed", _("Not confirmed: not known to be still running")
    FORMING = "forming", _("Forming: first meeting not yet set")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


# Statuses under which a listing advertises no upcoming meetings anywhere (page, calendar, structured
# data, feeds). Every other status, including any added later, still lists the meetings.
NOT_MEETING_STATUSES = frozenset({Status.CLOSED, Status.PAUSED})


class Cost(models.TextChoices):
    UNKNOWN = "", _("Not stated")
    FREE = "free", _("Free")
    DONATION = "donation", _("By donation")
    FEE = "fee", _("Fee")


class Moderation(models.TextChoices):
    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Pending review")
    ARCHIVED = "archived", _("Archived")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    BIWEEKLY = "biweekly", _("Every other week")
    MONTHLY = "monthly", _("Monthly, on given weeks")
    BIMONTHLY = "bimonthly", _("Every other month")
    BY_ARRANGEMENT = "arranged", _("By arrangement")


class Region(models.Model):
    """A place in a hierarchy: Worldwide > Europe > United Kingdom > Scotland > Lothians."""

    Kind = RegionKind

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            choices_check("kind", RegionKind, "region_kind_valid"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="region_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("groups:region", args=[self.slug])


class RegionTree:
    """All regions in memory (a few hundred rows): ancestors and descendants, no SQL recursion."""

    def __init__(self, regions):
        self.by_id = {r.id: r for r in regions}
        self.by_slug = {r.slug: r for r in regions}
        self.children = {}
        for r in regions:
            self.children.setdefault(r.parent_id, []).append(r)

    @classmethod
    def load(cls):
        return cls(list(Region.objects.all()))

    def descendant_ids(self, region_id):
        """The region and everything inside it."""
        found, stack = [], [region_id]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(child.id for child in self.children.get(current, []))
        return found

    def ancestors(self, region_id):
        """From the top of the tree down to the region itself."""
        chain = []
        region = self.by_id.get(region_id)
        while region is not None:
            chain.append(region)
            region = self.by_id.get(region.parent_id)
        return list(reversed(chain))

    def contains(self, outer_id, inner_id):
        return any(r.id == outer_id for r in self.ancestors(inner_id))


class GroupType(models.Model):
    """A curated kind of peer support, with synonyms that search also matches."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    synonyms = models.TextField(
        _("synonyms"), blank=True, help_text=_("Other words people use for this, comma-separated.")
    )
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("group type")
        verbose_name_plural = _("group types")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("groups:type", args=[self.slug])


class Audience(models.Model):
    """Who a listing is for: people with lived experience, family, partners, ..."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self):
        return self.name


class Language(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, help_text=_("BCP 47, e.g. en"))
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self):
        return self.name


class Organization(models.Model):
    """A host organisation: a centre, a network, a charity, a website that runs groups."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="organizations"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("groups:organization", args=[self.slug])

    @property
    def public_website(self):
        return web_url(self.website)


def status_rank():
    """0 for an active group, then unconfirmed, forming, paused, the rest: the default order."""
    return Case(
        When(status=Status.ACTIVE, then=Value(0)),
        # Listed like an active group, after the ones a source says are running.
        When(status=Status.UNCONFIRMED, then=Value(1)),
        When(status=Status.FORMING, then=Value(2)),
        When(status=Status.PAUSED, then=Value(3)),
        default=Value(4),
        output_field=models.IntegerField(),
    )


class SupportGroupQuerySet(models.QuerySet):
    def published(self):
        return self.filter(moderation=SupportGroup.Moderation.PUBLISHED)

    def advertising_meetings(self):
        """Listings whose meetings we announce as upcoming (SupportGroup.advertises_meetings)."""
        return self.exclude(status__in=NOT_MEETING_STATUSES)

    def in_region(self, region_ids):
        return self.filter(region_id__in=region_ids)

    def in_default_order(self):
        """The directory's order without a sort: running groups first, then by name. The
        directory index numbers listings in this order (groups/directory/index.py)."""
        return self.order_by(status_rank(), "name", "pk")

    def visible_to(self, user):
        """What a person may open: published listings, plus (signed in) those they submitted or own.

        The hook the new-group flow relies on so a submitter can see their pending listing.
        """
        published = Q(moderation=SupportGroup.Moderation.PUBLISHED)
        if user is None or not user.is_authenticated:
            return self.filter(published)
        mine = Q(submitted_by=user) | Q(pk__in=Ownership.objects.filter(user=user).values("group"))
        return self.filter(published | (mine & ~Q(moderation=SupportGroup.Moderation.ARCHIVED)))

    def stale(self, today=None):
        """Published listings nobody has confirmed for a year (or ever)."""
        today = today or timezone.localdate()
        cutoff = today - SupportGroup.STALE_AFTER
        return self.published().filter(
            Q(last_confirmed__lt=cutoff) | Q(last_confirmed__isnull=True)
        )


class SupportGroup(models.Model):
    """A listing in the directory: a group, an online community, a network, a service."""

    STALE_AFTER = timezone.timedelta(days=365)

    Kind = SupportGroupKind

    Attendance = Attendance

    Status = Status

    Cost = Cost

    Moderation = Moderation

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.CharField(_("one-line summary"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind of listing"), max_length=20, choices=Kind.choices)
    types = models.ManyToManyField(GroupType, related_name="groups", verbose_name=_("group types"))
    audiences = models.ManyToManyField(
        Audience, blank=True, related_name="groups", verbose_name=_("who it is for")
    )
    attendance = models.CharField(_("attendance"), max_length=12, choices=Attendance, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.ACTIVE)

    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="groups",
        verbose_name=_("region"),
        help_text=_("Where it meets, or for online groups the widest area it serves."),
    )
    service_area = models.CharField(
        _("area served"), max_length=120, blank=True, help_text=_("e.g. “US and Canada”")
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    host = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups",
        verbose_name=_("host organisation"),
    )

    # Contact: every field has a visibility its organizer controls.
    website = models.URLField(_("website"), blank=True, max_length=500)
    website_public = models.BooleanField(_("show website"), default=True)
    join_url = models.URLField(
        _("joining link"), blank=True, max_length=500, help_text=_("Video call or group page")
    )
    join_url_public = models.BooleanField(_("show joining link"), default=True)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_name_public = models.BooleanField(_("show contact person"), default=True)
    email = models.EmailField(_("email"), blank=True)
    email_public = models.BooleanField(_("show email"), default=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_public = models.BooleanField(_("show phone"), default=False)
    how_to_join = models.TextField(_("how to join"), blank=True)

    languages = models.ManyToManyField(
        Language, blank=True, related_name="groups", verbose_name=_("languages")
    )
    cost = models.CharField(_("cost"), max_length=10, choices=Cost, blank=True)
    accessibility = models.TextField(_("accessibility notes"), blank=True)

    source_document = models.CharField(_("source document"), max_length=120, blank=True)
    source_excerpt = models.TextField(
        _("source excerpt"), blank=True, validators=[MaxLengthValidator(300)]
    )

    moderation = models.CharField(
        _("moderation"), max_length=10, choices=Moderation, default=Moderation.PENDING
    )
    last_confirmed = models.DateField(_("last confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised on every edit; a stale form cannot overwrite.")
    )
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Ownership",
        related_name="owned_groups",
        blank=True,
        verbose_name=_("owners"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submitted_groups",
    )

    # Denormalised for search; rebuilt only by groups.search.refresh_search_document().
    search_document = models.TextField(_("search text"), blank=True, default="", editable=False)
    search_names = models.CharField(
        _("search names"), max_length=600, blank=True, default="", editable=False
    )

    history = HistoricalRecords(
        excluded_fields=["version", "updated_at", "created_at", "search_document", "search_names"]
    )

    objects = SupportGroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            choices_check("kind", SupportGroupKind, "group_kind_valid"),
            choices_check("attendance", Attendance, "group_attendance_valid"),
            choices_check("status", Status, "group_status_valid"),
            choices_check("cost", Cost, "group_cost_valid"),
            choices_check("moderation", Moderation, "group_moderation_valid"),
        ]
        indexes = [
            models.Index(fields=["moderation", "status", "name"], name="group_public_order"),
            # The admin's list (ordering name, pk): a page reads 50 rows in order instead of
            # sorting every listing (page 1: 163 ms → 3 ms at 100,000 listings).
            models.Index(fields=["name", "id"], name="group_name_order"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("groups:detail", args=[self.slug])

    @property
    def is_stale(self):
        if self.last_confirmed is None:
            return True
        return self.last_confirmed < timezone.localdate() - self.STALE_AFTER

    @property
    def status_label(self):
        """The status as a visitor reads it: for a listing not confirmed, which document it is
        known from and how old that document is."""
        if self.status == Status.UNCONFIRMED:
            from groups.sources import not_confirmed_label

            return not_confirmed_label(self.source_document) or self.get_status_display()
        return self.get_status_display()

    @property
    def past_review(self):
        """Past the 12-month rule: nobody confirmed it (or, never confirmed, it was listed) more
        than a year ago. Visitors are warned only then; a listing never confirmed yet is not,
        by itself, out of date."""
        since = self.last_confirmed or timezone.localdate(self.created_at)
        return since < timezone.localdate() - self.STALE_AFTER

    def public_contacts(self):
        """Only what the organizer chose to publish."""
        contacts = {}
        for field in ("website", "join_url", "contact_name", "email", "phone"):
            value = getattr(self, field)
            if field in ("website", "join_url"):
                value = web_url(value)
            if value and getattr(self, f"{field}_public"):
                contacts[field] = value
        return contacts

    @property
    def advertises_meetings(self):
        """Whether pages, calendars, structured data and feeds announce upcoming meetings.

        The one rule every output follows: closed and paused listings give no upcoming dates."""
        return self.status not in NOT_MEETING_STATUSES

    def link_ids(self):
        """(kind, id) of this listing's types, audiences, languages and owners: one statement."""
        from django.db import connection

        parts, params = [], []
        for kind, model, column in (
            ("types", SupportGroup.types.through, "grouptype_id"),
            ("audiences", SupportGroup.audiences.through, "audience_id"),
            ("languages", SupportGroup.languages.through, "language_id"),
            ("ownerships", Ownership, "user_id"),
        ):
            key = "supportgroup_id" if kind != "ownerships" else "group_id"
            parts.append(f"SELECT %s, {column} FROM {model._meta.db_table} WHERE {key} = %s")  # noqa: S608
            params += [kind, self.pk]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            return cursor.fetchall()

    @property
    def accepts_messages(self):
        """Visitors write through the site (groups:contact): it has owners and no public email."""
        return self.takes_messages(has_owners=self.ownerships.exists())

    def takes_messages(self, has_owners):
        """`accepts_messages` for a page that already knows whether the listing has owners."""
        return has_owners and not (self.email and self.email_public)


class Ownership(models.Model):
    """An organizer account that may edit a listing."""

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="ownerships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ownerships"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="ownership_unique"),
        ]

    def __str__(self):
        return f"{self.user} → {self.group}"


class Meeting(models.Model):
    """A recurring meeting schedule of a listing, in the time zone the group gives its times in."""

    Frequency = Frequency

    # What a schedule is made of: the fields organizers and moderators edit and feeds export.
    # A tuple: an inline formset appends its foreign key to its form's Meta.fields when that is a
    # list, and once did so to this one, giving every meeting block a stray "Group" label.
    SCHEDULE_FIELDS = (
        "frequency",
        "weekday",
        "weeks_of_month",
        "start_date",
        "start_time",
        "end_time",
        "timezone",
        "notes",
    )

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="meetings")
    frequency = models.CharField(_("how often"), max_length=10, choices=Frequency)
    weekday = models.PositiveSmallIntegerField(
        _("day"), null=True, blank=True, choices=schedule.WEEKDAY_CHOICES
    )
    weeks_of_month = models.CharField(
        _("weeks of the month"),
        max_length=20,
        blank=True,
        help_text=_(
            "For monthly meetings: e.g. “1” for the first, “2,4” for 2nd and 4th, “-1” last."
        ),
    )
    start_date = models.DateField(
        _("first meeting"),
        null=True,
        blank=True,
        help_text=_("Anchors every-other-week and every-other-month schedules."),
    )
    start_time = models.TimeField(_("starts"), null=True, blank=True)
    end_time = models.TimeField(_("ends"), null=True, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    # Weekly start as minutes since Monday 00:00 (0-10079): in the meeting's own zone, and in UTC
    # at the zone's current offset. Set by groups.search.refresh_search_document(); they make
    # "Thursday evening in my time zone" a range query.
    minute_of_week = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    utc_minute_of_week = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["minute_of_week", "utc_minute_of_week"])

    class Meta:
        ordering = ["weekday", "start_time", "id"]
        verbose_name = _("meeting time")
        verbose_name_plural = _("meeting times")
        constraints = [
            choices_check("frequency", Frequency, "meeting_frequency_valid"),
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__gte=0, weekday__lte=6),
                name="meeting_weekday_valid",
            ),
            # An end before the start is the next day (a meeting 11 pm - 1 am); only an end
            # at the start itself says nothing.
            models.CheckConstraint(
                condition=Q(end_time__isnull=True)
                | Q(start_time__isnull=True)
                | ~Q(end_time=models.F("start_time")),
                name="meeting_end_differs_from_start",
            ),
        ]
        indexes = [
            models.Index(fields=["weekday", "start_time"], name="meeting_day_time"),
            models.Index(fields=["minute_of_week"], name="meeting_local_week_minute"),
            models.Index(fields=["utc_minute_of_week"], name="meeting_utc_week_minute"),
        ]

    def __str__(self):
        return f"{self.group}: {self.describe()}"

    def clean(self):
        errors = {}
        if (
            self.frequency != self.Frequency.BY_ARRANGEMENT
            and self.frequency != self.Frequency.BIMONTHLY
        ):
            if self.weekday is None:
                errors["weekday"] = _("Choose the day the group meets.")
        if self.frequency == self.Frequency.MONTHLY:
            try:
                schedule.parse_weeks(self.weeks_of_month, required=True)
            except ValueError as exc:
                errors["weeks_of_month"] = str(exc)
        if self.frequency in (self.Frequency.BIWEEKLY,) and self.start_date is None:
            errors["start_date"] = _("Give the date of one meeting so we know which weeks.")
        problem = schedule.length_problem(self.start_time, self.end_time)
        if problem:
            errors["end_time"] = problem
        if errors:
            raise ValidationError(errors)

    @cached_property
    def zone(self):
        return schedule.zone(self.timezone)

    def rrule_text(self):
        return schedule.rrule_text(self)

    def next_occurrences(self, count=3, after=None):
        return schedule.next_occurrences(self, count=count, after=after)

    def describe(self):
        return schedule.describe(self)


class AuditEntry(models.Model):
    """A moderation decision: who did what to which object, when, and why. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
        verbose_name=_("who"),
    )
    action = models.CharField(_("what"), max_length=60)
    target_type = models.CharField(_("object type"), max_length=60)
    target_id = models.CharField(_("object id"), max_length=60)
    target_repr = models.CharField(_("object"), max_length=300)
    reason = models.TextField(_("why"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor}: {self.action} {self.target_repr}"


class ReportReason(models.TextChoices):
    NO_LONGER_MEETS = "no_longer_meets", _("The group no longer meets")
    WRONG_TIME_OR_PLACE = "wrong_time_or_place", _("Wrong time or place")
    WRONG_CONTACT = "wrong_contact", _("Wrong contact details")
    HARMFUL = "harmful", _("Harmful or unsafe content")
    OTHER = "other", _("Something else")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class MailQuerySet(models.QuerySet):
    # When the row's mail became due: send_pending_mail leaves younger rows to the request
    # that made them.
    due_field = "created_at"

    def mail_pending(self):
        return self.filter(sent_at__isnull=True)

    def mail_failing(self):
        """Unsent after at least one failed attempt: what the moderation queue shows."""
        return self.mail_pending().filter(send_attempts__gt=0)

    def mail_due(self, before):
        return self.mail_pending().filter(**{f"{self.due_field}__lt": before})


class MailDelivery(models.Model):
    """A row that is mailed: saved first, then sent, and retried by `send_pending_mail` until it
    goes (groups/mail.py), so no failure is lost."""

    MAIL_FIELDS = ["sent_at", "send_attempts", "last_error", "sending_since"]

    sent_at = models.DateTimeField(_("email sent"), null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    last_error = models.CharField(_("last email error"), max_length=300, blank=True)
    # Set by the one sender that took the row (groups.mail.deliver), so a request and a cron
    # run, or two cron runs, never both send it.
    sending_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def mail_again(self):
        """The row now calls for a new email: unsent, untried, and let go by any sender still
        busy with the old one (its outcome is then not recorded over the new one's)."""
        self.sent_at, self.send_attempts, self.last_error, self.sending_since = None, 0, "", None


class ReportQuerySet(MailQuerySet):
    def open(self):
        return self.filter(status=ReportStatus.OPEN)

    def for_owner(self, user):
        """Reports on the listings `user` owns, newest first, for the organizer's dashboard.

        The reporter's email is for moderators' follow-up only: dashboards must not show it.
        """
        return (
            self.filter(group__ownerships__user=user)
            .select_related("group")
            .order_by("-created_at", "-id")
        )


class Report(MailDelivery):
    """A visitor's report of a problem with a listing, or a suggested change. No account needed.

    `sent_at`/`send_attempts`/`last_error` track the email the report's current state calls for:
    while open, the notice to the listing's owners; once closed, the follow-up to the reporter.
    """

    Reason = ReportReason
    Status = ReportStatus

    DETAILS_MAX = 4000

    group = models.ForeignKey(
        SupportGroup, on_delete=models.CASCADE, related_name="reports", verbose_name=_("listing")
    )
    reason = models.CharField(_("what is wrong"), max_length=24, choices=Reason.choices)
    details = models.TextField(
        _("details"), blank=True, validators=[MaxLengthValidator(DETAILS_MAX)]
    )
    reporter_email = models.EmailField(_("reporter's email"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("closed by"),
    )
    resolved_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution_note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    client_hash = models.CharField(_("client"), max_length=64, blank=True, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            choices_check("reason", ReportReason, "report_reason_valid"),
            choices_check("status", ReportStatus, "report_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="report_queue")]

    def __str__(self):
        return f"{self.group}: {self.get_reason_display()}"


class ContactMessageQuerySet(MailQuerySet):
    def expired(self, now=None):
        return self.filter(created_at__lt=(now or timezone.now()) - ContactMessage.KEEP_FOR)


class ContactMessage(MailDelivery):
    """A visitor's message relayed by email to a listing's owners; deleted after KEEP_FOR."""

    KEEP_FOR = timezone.timedelta(days=30)
    BODY_MAX = 4000

    group = models.ForeignKey(
        SupportGroup,
        on_delete=models.CASCADE,
        related_name="contact_messages",
        verbose_name=_("listing"),
    )
    sender_name = models.CharField(_("sender's name"), max_length=120, blank=True)
    reply_to = models.EmailField(_("reply address"), blank=True)
    body = models.TextField(_("message"), validators=[MaxLengthValidator(BODY_MAX)])
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    client_hash = models.CharField(_("client"), max_length=64, blank=True, editable=False)

    objects = ContactMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")

    def __str__(self):
        return _("Message to %(group)s") % {"group": self.group}


class OwnerNoticeDecision(models.TextChoices):
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class OwnerNotice(MailDelivery):
    """A moderator published or archived a listing: the mail telling its organizers (the active
    owners and the submitter, groups.mail.owner_notice_messages). The addresses are looked up
    when it is sent, never stored here."""

    Decision = OwnerNoticeDecision

    group = models.ForeignKey(
        SupportGroup,
        on_delete=models.CASCADE,
        related_name="owner_notices",
        verbose_name=_("listing"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    objects = MailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice to organizers")
        verbose_name_plural = _("notices to organizers")
        constraints = [
            choices_check("decision", OwnerNoticeDecision, "owner_notice_decision_valid")
        ]

    def __str__(self):
        return f"{self.group}: {self.get_decision_display()}"


class DirectoryGeneration(models.Model):
    """One row: a stamp database triggers renew on every change to public data (generation.py)."""

    value = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("directory generation")

    def __str__(self):
        return str(self.value)


class SearchWord(models.Model):
    """A word some listing's search text has used: what search corrects misspellings towards.

    Written by groups.search.refresh_search_document(); never pruned (a word no listing uses any
    more only costs a correction that finds nothing).
    """

    word = models.CharField(max_length=40, unique=True)

    class Meta:
        verbose_name = _("search word")

    def __str__(self):
        return self.word
