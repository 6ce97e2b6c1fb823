"""Small builders for test data. Each returns a saved object; pass keyword arguments to override."""

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.utils import timezone

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

_seq = itertools.count(1)

# Every account's password unless a test gives another: what the login forms take.
PASSWORD = "correct horse battery staple"


def unique(prefix):
    return f"{prefix}-{next(_seq)}"


def make_region(name=None, parent=None, kind="area", slug=None):
    name = name or unique("Region")
    return Region.objects.create(name=name, slug=slug or unique("region"), kind=kind, parent=parent)


def make_region_tree():
    """Worldwide > Europe > United Kingdom > Scotland > Lothians; North America > US > Massachusetts."""
    world = Region.objects.create(name="Worldwide", slug="worldwide", kind="world")
    europe = Region.objects.create(name="Europe", slug="europe", kind="continent", parent=world)
    uk = Region.objects.create(
        name="United Kingdom", slug="united-kingdom", kind="country", parent=europe
    )
    scotland = Region.objects.create(name="Scotland", slug="scotland", kind="state", parent=uk)
    lothians = Region.objects.create(name="Lothians", slug="lothians", kind="area", parent=scotland)
    america = Region.objects.create(
        name="North America", slug="north-america", kind="continent", parent=world
    )
    us = Region.objects.create(
        name="United States", slug="united-states", kind="country", parent=america
    )
    mass = Region.objects.create(
        name="Massachusetts", slug="massachusetts", kind="state", parent=us
    )
    return {
        "worldwide": world,
        "europe": europe,
        "united-kingdom": uk,
        "scotland": scotland,
        "lothians": lothians,
        "north-america": america,
        "united-states": us,
        "massachusetts": mass,
    }


def make_type(name=None, slug=None, synonyms=""):
    name = name or unique("Type")
    return GroupType.objects.create(name=name, slug=slug or unique("type"), synonyms=synonyms)


def make_audience(name=None, slug=None):
    name = name or unique("Audience")
    return Audience.objects.create(name=name, slug=slug or unique("audience"))


def make_language(code="en", name="English"):
    return Language.objects.get_or_create(code=code, defaults={"name": name})[0]


def make_organization(name=None, **kwargs):
    name = name or unique("Organization")
    return Organization.objects.create(name=name, slug=kwargs.pop("slug", unique("org")), **kwargs)


def make_support_group(name=None, types=(), audiences=(), languages=(), owners=(), **kwargs):
    name = name or unique("Group")
    fields = {
        "slug": unique("group"),
        "summary": f"{name}: a peer support group",
        "kind": SupportGroup.Kind.MEETING_GROUP,
        "attendance": SupportGroup.Attendance.ONLINE,
        "status": SupportGroup.Status.ACTIVE,
        "moderation": SupportGroup.Moderation.PUBLISHED,
        "last_confirmed": timezone.localdate(),
    }
    fields.update(kwargs)
    group = SupportGroup.objects.create(name=name, **fields)
    if types:
        group.types.set(types)
    if audiences:
        group.audiences.set(audiences)
    if languages:
        group.languages.set(languages)
    for user in owners:
        Ownership.objects.create(group=group, user=user)
    return group


def make_meeting(group, **kwargs):
    fields = {
        "frequency": Meeting.Frequency.WEEKLY,
        "weekday": 3,
        "start_time": dt.time(17, 0),
        "end_time": dt.time(18, 0),
        "timezone": "America/Los_Angeles",
    }
    fields.update(kwargs)
    return Meeting.objects.create(group=group, **fields)


def make_user(email=None, password=PASSWORD, verified=True, **kwargs):
    """An organizer account with a (by default verified) primary email, as allauth records it."""
    from allauth.account.models import EmailAddress

    email = email or f"{unique('organizer')}@example.org"
    user = get_user_model().objects.create_user(email=email, password=password, **kwargs)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


def make_superuser(email=None, password=PASSWORD):
    return make_user(
        email=email or f"{unique('admin')}@example.org",
        password=password,
        is_staff=True,
        is_superuser=True,
    )


def make_claim(group=None, user=None, **kwargs):
    from accounts.models import Claim

    fields = {"role": "Facilitator", "evidence": "https://example.org/about-us", "message": ""}
    fields.update(kwargs)
    return Claim.objects.create(
        group=group or make_support_group(), user=user or make_user(), **fields
    )


# The data migrations that grant the Moderators group its permissions.
MODERATOR_MIGRATIONS = ["0004_moderators_group", "0012_owner_notices"]


def restore_moderators_group():
    """The Moderators group as the data migrations make it, for tests whose flush removed it."""
    import importlib

    from django.contrib.auth.models import Group, Permission

    moderators, _created = Group.objects.get_or_create(name="Moderators")
    for name in MODERATOR_MIGRATIONS:
        migration = importlib.import_module(f"groups.migrations.{name}")
        for app_label, codenames in migration.MODERATOR_PERMISSIONS.items():
            moderators.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
    return moderators


def make_moderator(email=None, **kwargs):
    """Staff in the Moderators group, as moderators are in production (not a superuser). The
    group and its permissions come from a data migration (groups/migrations/0004)."""
    from django.contrib.auth.models import Group

    user = make_user(email=email or f"{unique('moderator')}@example.org", is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user
