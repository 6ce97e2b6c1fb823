"""Who may open what: every URL pattern of the project × five roles × GET and POST.

The matrix below is the specification. `test_every_url_pattern_is_classified` walks the URL
resolver (admin and allauth included) and fails when a route is missing from it, so a new
route cannot ship without someone deciding who may use it. Admin routes follow one rule per
model, with each registered admin model listed with the moderator's access level.

Statuses are sets of allowed codes; LOGIN means "302 to a login page". POSTs carry no data
(the test Client skips CSRF checks; tests/test_csrf.py covers CSRF). Each request runs in a
savepoint that is rolled back, so one role's POST cannot change what the next role sees.

Set ACCESS_MATRIX_DUMP=1 to print the observed table (handy when classifying a new route).
"""

import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.cast import build_cast
from tests.factories import (
    make_audience,
    make_language,
    make_organization,
    make_superuser,
)

ROLES = ("anonymous", "owner", "other", "moderator", "superuser")
LOGIN = "login"  # a 302 whose Location is a login page

# --- Walking the resolver ----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # namespaced ("groups:detail"), None for unnamed patterns
    route: str  # the pattern text, joined with its parents'
    pattern: URLPattern

    @property
    def key(self):
        return self.name or self.route


def walk(patterns=None, prefix="", namespace=None):
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Route(name, prefix + str(entry.pattern), entry)


def all_routes():
    return list(walk())


def is_admin(route):
    return route.route.startswith("admin/")


def admin_model_keys():
    return {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}


# --- The people and things every check needs --------------------------------------------------


@dataclass
class World:
    owner: object
    other: object
    moderator: object
    superuser: object
    group: object  # published, owned by `owner`, hidden email
    unowned: object  # published, nobody owns it
    pending: object  # submitted by `owner`, awaiting moderation
    meeting: object
    region: object
    group_type: object
    organization: object
    audience: object
    language: object
    objects: dict = field(default_factory=dict)  # admin objects by "app.model"
    claim: object = None  # owner's pending claim on `unowned`
    invitation_token: str = ""  # an invitation to `group` addressed to `other`

    def user(self, role):
        return None if role == "anonymous" else getattr(self, role)

    def admin_object(self, key):
        from django.apps import apps

        if key in self.objects:
            return self.objects[key]
        model = apps.get_model(key)
        return model._default_manager.order_by("pk").first()


def build_world():
    """The shared cast (tests/cast.py) in the matrix's roles, plus a superuser and one object of
    every model the admin shows."""
    cast = build_cast()
    superuser = make_superuser(email="root@example.org")
    region, group_type = cast.region, cast.group_type
    organization = make_organization(name="Host Org", slug="host-org", region=region)
    audience = make_audience(name="Family", slug="family")
    language = make_language()
    group = cast.listing
    group.host = organization
    group.save()
    group.audiences.set([audience])
    group.languages.set([language])
    meeting = cast.meeting
    meeting.notes = "Side door"
    meeting.save()
    owner, other, moderator = cast.organizer, cast.visitor, cast.moderator
    unowned, pending = cast.unowned_listing, cast.pending_listing
    world = World(
        owner=owner,
        other=other,
        moderator=moderator,
        superuser=superuser,
        group=group,
        unowned=unowned,
        pending=pending,
        meeting=meeting,
        region=region,
        group_type=group_type,
        organization=organization,
        audience=audience,
        language=language,
    )
    world.objects.update(
        {
            "groups.supportgroup": group,
            "groups.meeting": meeting,
            "groups.region": region,
            "groups.grouptype": group_type,
            "groups.organization": organization,
            "groups.audience": audience,
            "groups.language": language,
            "accounts.user": owner,
            "auth.group": moderator.groups.first(),
        }
    )
    _add_optional_objects(world)
    return world


def _add_optional_objects(world):
    """Objects of models other engineers are adding: made only once the model exists."""
    from django.apps import apps

    from groups.audit import record

    record(world.superuser, "test", world.group, "matrix")
    models = {m._meta.label_lower: m for m in apps.get_models()}
    if "accounts.claim" in models:
        world.claim = models["accounts.claim"].objects.create(
            group=world.unowned, user=world.owner, role="Facilitator", evidence="ask Sam"
        )
        world.objects["accounts.claim"] = world.claim
    if "accounts.invitation" in models:
        invitation_model = models["accounts.invitation"]
        world.invitation_token = secrets.token_urlsafe(24)
        world.objects["accounts.invitation"] = invitation_model.objects.create(
            group=world.group,
            email=world.other.email,
            token_hash=invitation_model.hash_token(world.invitation_token),
            invited_by=world.owner,
        )
    if "groups.report" in models:
        world.objects["groups.report"] = models["groups.report"].objects.create(
            group=world.group, reason="other", details="The room moved."
        )
    if "groups.contactmessage" in models:
        world.objects["groups.contactmessage"] = models["groups.contactmessage"].objects.create(
            group=world.group, body="Is the group still meeting?"
        )
    if "groups.ownernotice" in models:
        world.objects["groups.ownernotice"] = models["groups.ownernotice"].objects.create(
            group=world.group, decision="published"
        )


# --- Expectations -------------------------------------------------------------------------------


def everyone(statuses):
    return dict.fromkeys(ROLES, frozenset(statuses))


def roles(anonymous, owner, other, moderator, superuser):
    values = (anonymous, owner, other, moderator, superuser)
    return {role: frozenset(v) for role, v in zip(ROLES, values, strict=True)}


@dataclass
class Row:
    get: dict
    post: dict
    kwargs: Callable = lambda w: {}
    query: str = ""
    marker: str | None = None  # text only someone allowed to use the form sees

    def url(self, route, world):
        kwargs = self.kwargs(world)
        if "args" in kwargs:
            url = reverse(route.name, args=kwargs["args"])
        else:
            url = reverse(route.name, kwargs=kwargs)
        return url + self.query


def slug_of(attr):
    return lambda w: {"slug": getattr(w, attr).slug}


PUBLIC = everyone({200})
NOT_ALLOWED = everyone({405})
NOT_YOURS = {403, 404}
STAFF_ONLY = roles({LOGIN}, {LOGIN}, {LOGIN}, {200}, {200})


def organizer(owner, other, moderator, superuser, anonymous=(LOGIN,)):
    return roles(anonymous, owner, other, moderator, superuser)


MATRIX = {
    # The public directory: the same page for everyone; nothing to post.
    "groups:home": Row(get=PUBLIC, post=NOT_ALLOWED),
    "groups:list": Row(get=PUBLIC, post=NOT_ALLOWED, query="?q=voices&type=hearing-voices"),
    "groups:detail": [
        Row(get=PUBLIC, post=NOT_ALLOWED, kwargs=slug_of("group")),
        # A listing awaiting moderation: only its submitter/owners (and moderators) see it.
        Row(
            get=roles({404}, {200}, {404}, {200, 404}, {200, 404}),
            post=NOT_ALLOWED,
            kwargs=slug_of("pending"),
        ),
    ],
    "groups:calendar": [
        Row(get=PUBLIC, post=NOT_ALLOWED, kwargs=slug_of("group")),
        Row(
            get=roles({404}, {200, 404}, {404}, {200, 404}, {200, 404}),
            post=NOT_ALLOWED,
            kwargs=slug_of("pending"),
        ),
    ],
    "groups:search_calendar": Row(get=PUBLIC, post=NOT_ALLOWED, query="?type=hearing-voices"),
    "groups:region": Row(get=everyone({200, 301}), post=NOT_ALLOWED, kwargs=slug_of("region")),
    "groups:type": Row(get=everyone({200, 301}), post=NOT_ALLOWED, kwargs=slug_of("group_type")),
    "groups:organization": Row(get=PUBLIC, post=NOT_ALLOWED, kwargs=slug_of("organization")),
    "crisis": Row(get=PUBLIC, post=everyone({200, 405})),
    "about": Row(get=PUBLIC, post=NOT_ALLOWED),
    "privacy": Row(get=PUBLIC, post=NOT_ALLOWED),
    "contact": Row(get=PUBLIC, post=NOT_ALLOWED),
    "healthz": Row(get=PUBLIC, post=NOT_ALLOWED),
    "robots_txt": Row(get=PUBLIC, post=NOT_ALLOWED),
    "sitemap": Row(get=PUBLIC, post=everyone({200, 405})),
    "api:meeting_guide": Row(get=PUBLIC, post=NOT_ALLOWED),
    "api:hsds": Row(get=PUBLIC, post=NOT_ALLOWED),
    # Visitors' feedback: no account needed. An empty POST shows the form with its errors.
    "groups:report": [
        Row(get=PUBLIC, post=PUBLIC, kwargs=slug_of("group"), marker='name="details"'),
        Row(get=everyone({404}), post=everyone({404}), kwargs=slug_of("pending")),
    ],
    "groups:report_done": Row(get=PUBLIC, post=everyone({200, 405}), kwargs=slug_of("group")),
    "groups:contact": [
        Row(get=PUBLIC, post=PUBLIC, kwargs=slug_of("group"), marker='name="body"'),
        # Nobody to relay a message to on an unowned listing.
        Row(get=everyone({404}), post=everyone({404}), kwargs=slug_of("unowned")),
    ],
    "groups:contact_done": Row(get=PUBLIC, post=everyone({200, 405}), kwargs=slug_of("group")),
    # allauth: the logged-out pages send logged-in people on; the logged-in ones need a login.
    "account_login": Row(
        get=roles({200}, {302}, {302}, {302}, {302}), post=roles({200}, {302}, {302}, {302}, {302})
    ),
    "account_signup": Row(
        get=roles({200}, {302}, {302}, {302}, {302}), post=roles({200}, {302}, {302}, {302}, {302})
    ),
    "account_logout": Row(get=roles({302}, {200}, {200}, {200}, {200}), post=everyone({302})),
    "account_inactive": Row(get=PUBLIC, post=NOT_ALLOWED),
    "account_reauthenticate": Row(
        get=organizer({200}, {200}, {200}, {200}), post=organizer({200}, {200}, {200}, {200})
    ),
    "account_email": Row(
        get=organizer({200}, {200}, {200}, {200}), post=organizer({302}, {302}, {302}, {302})
    ),
    "account_email_verification_sent": Row(get=PUBLIC, post=NOT_ALLOWED),
    "account_change_password": Row(
        get=organizer({200}, {200}, {200}, {200}), post=organizer({200}, {200}, {200}, {200})
    ),
    # Everyone here has a password already: set-password sends them to change-password.
    "account_set_password": Row(
        get=organizer({302}, {302}, {302}, {302}), post=organizer({302}, {302}, {302}, {302})
    ),
    "account_reset_password": Row(get=PUBLIC, post=PUBLIC),
    "account_reset_password_done": Row(get=PUBLIC, post=NOT_ALLOWED),
    "account_reset_password_from_key": Row(
        get=PUBLIC, post=PUBLIC, kwargs=lambda w: {"uidb36": "1", "key": "not-a-real-key"}
    ),
    "account_reset_password_from_key_done": Row(get=PUBLIC, post=NOT_ALLOWED),
    "account_confirm_email": Row(
        get=PUBLIC, post=everyone({404}), kwargs=lambda w: {"key": "not-a-real-key"}
    ),
    # Re-authentication by a mailed code (added in allauth 65.22) is off: signed-in people are
    # refused, so a sensitive change always asks for the password and no code mail can be sent.
    "account_request_reauthentication_code": Row(
        get=organizer({403}, {403}, {403}, {403}), post=organizer({403}, {403}, {403}, {403})
    ),
    "account_confirm_reauthentication_code": Row(
        get=organizer({403}, {403}, {403}, {403}), post=organizer({403}, {403}, {403}, {403})
    ),
    # Login by code is off: the page sends everyone away.
    "account_confirm_login_code": Row(
        get=organizer({302}, {302}, {302}, {302}), post=organizer({302}, {302}, {302}, {302})
    ),
    # Organizer pages: anonymous → login; another organizer → 404, never the form.
    "accounts:dashboard": Row(
        get=organizer({200}, {200}, {200}, {200}),
        post=organizer({200, 405}, {200, 405}, {200, 405}, {200, 405}),
    ),
    "accounts:new_group": Row(
        get=organizer({200}, {200}, {200}, {200}),
        post=organizer({200, 400}, {200, 400}, {200, 400}, {200, 400}),
    ),
    "accounts:claim": [
        # Claiming an unowned listing: the owner already has a pending claim on it.
        Row(
            get=organizer({200, 302}, {200}, {200}, {200}),
            post=organizer({200, 302, 409}, {200}, {200}, {200}),
            kwargs=slug_of("unowned"),
        ),
        # An owned listing cannot be claimed: owners are sent to it, others told so.
        Row(
            get=organizer({302}, {409}, {409}, {409}),
            post=organizer({302}, {409}, {409}, {409}),
            kwargs=slug_of("group"),
        ),
    ],
    "accounts:edit": Row(
        get=organizer({200}, NOT_YOURS, {200}, {200}),
        post=organizer({200, 400}, NOT_YOURS, {200, 400}, {200, 400}),
        kwargs=slug_of("group"),
        marker='name="summary"',
    ),
    "accounts:saved": Row(
        get=organizer({200}, NOT_YOURS, {200}, {200}),
        post=organizer({405}, {405}, {405}, {405}),
        kwargs=slug_of("group"),
    ),
    "accounts:history": Row(
        get=organizer({200}, NOT_YOURS, {200}, {200}),
        post=organizer({200, 405}, NOT_YOURS, {200, 405}, {200, 405}),
        kwargs=slug_of("group"),
    ),
    "accounts:confirm": Row(
        get=organizer({405}, {405}, {405}, {405}),
        post=organizer({302}, NOT_YOURS, {302}, {302}),
        kwargs=slug_of("group"),
    ),
    "accounts:invite": Row(
        get=organizer({200}, NOT_YOURS, NOT_YOURS, NOT_YOURS),
        post=organizer({200}, NOT_YOURS, NOT_YOURS, NOT_YOURS),
        kwargs=slug_of("group"),
        marker='name="email"',
    ),
    "accounts:leave": Row(
        get=organizer({200}, NOT_YOURS, NOT_YOURS, NOT_YOURS),
        post=organizer({302}, NOT_YOURS, NOT_YOURS, NOT_YOURS),
        kwargs=slug_of("group"),
    ),
    "accounts:withdraw_claim": Row(
        get=organizer({405}, {405}, {405}, {405}),
        post=organizer({302}, NOT_YOURS, NOT_YOURS, NOT_YOURS),
        kwargs=lambda w: {"pk": w.claim.pk},
    ),
    # The invitation is addressed to `other`: only that account can accept it.
    "accounts:accept_invitation": Row(
        get=organizer({200}, {200}, {200}, {200}),
        post=organizer({403}, {302}, {403}, {403}),
        kwargs=lambda w: {"token": w.invitation_token},
    ),
    # A reminder mail's signed link: works without logging in; a bad token is unknown to all.
    "accounts:reminder": Row(
        get=everyone({404}),
        post=everyone({404}),
        kwargs=lambda w: {"action": "confirm", "token": "not-a-signed-token"},
    ),
    "accounts:delete_account": Row(
        get=organizer({200}, {200}, {200}, {200}), post=organizer({200}, {200}, {200}, {200})
    ),
    # Admin pages that are not a model's: staff only.
    "admin:index": Row(get=STAFF_ONLY, post=STAFF_ONLY),
    "admin:moderation_queue": Row(
        get=STAFF_ONLY, post=roles({LOGIN}, {LOGIN}, {LOGIN}, {200, 405}, {200, 405})
    ),
    # The admin login is allauth's (rate-limited) or Django's; staff already in are sent on.
    "admin:login": Row(
        get=roles({200, LOGIN}, {200, LOGIN}, {200, LOGIN}, {302}, {302}),
        post=roles({200, LOGIN}, {200, LOGIN}, {200, LOGIN}, {200, 302}, {200, 302}),
    ),
    "admin:logout": Row(
        get=roles({302, LOGIN}, {302, LOGIN}, {302, LOGIN}, {405}, {405}),
        post=roles({302, LOGIN}, {302, LOGIN}, {302, LOGIN}, {200}, {200}),
    ),
    "admin:password_change": Row(get=STAFF_ONLY, post=STAFF_ONLY),
    "admin:password_change_done": Row(
        get=STAFF_ONLY, post=roles({LOGIN}, {LOGIN}, {LOGIN}, {405}, {405})
    ),
    # Without its parameters the autocomplete refuses.
    "admin:autocomplete": Row(
        get=roles({LOGIN}, {LOGIN}, {LOGIN}, {403}, {403}),
        post=roles({LOGIN}, {LOGIN}, {LOGIN}, {405}, {405}),
    ),
    "admin:jsi18n": Row(get=STAFF_ONLY, post=roles({LOGIN}, {LOGIN}, {LOGIN}, {405}, {405})),
    "admin:app_list": Row(
        get=STAFF_ONLY, post=STAFF_ONLY, kwargs=lambda w: {"app_label": "groups"}
    ),
    # contenttypes' shortcut: a redirect to the public page, for anyone (Django's design).
    "admin:view_on_site": [
        Row(get=everyone({302}), post=everyone({302}), kwargs=lambda w: _view_on_site(w.group)),
        Row(
            get=everyone({302, 404}),
            post=everyone({302, 404}),
            kwargs=lambda w: _view_on_site(w.owner),
        ),
    ],
}


def _view_on_site(obj):
    from django.contrib.contenttypes.models import ContentType

    return {
        "content_type_id": str(ContentType.objects.get_for_model(obj).pk),
        "object_id": str(obj.pk),
    }


# Every registered admin model, with what a moderator and a superuser may do in it:
# v(iew) c(hange) a(dd) d(elete). Written by hand (not read from the database) so a wrong
# permission in the Moderators migration or a ModelAdmin fails here.
ADMIN_MODELS = {
    "groups.supportgroup": ("vc", "vcad"),
    "groups.region": ("vc", "vcad"),
    "groups.grouptype": ("vc", "vcad"),
    "groups.organization": ("vc", "vcad"),
    "groups.audience": ("v", "vcad"),
    "groups.language": ("v", "vcad"),
    # Reports come from visitors, messages are relayed: nobody adds them in the admin.
    "groups.report": ("vc", "vcd"),
    "groups.contactmessage": ("v", "vd"),
    # Mail about a moderator's decision: read-only; a superuser deletes it with its listing.
    "groups.ownernotice": ("v", "vd"),
    # The audit trail is append-only, for everyone.
    "groups.auditentry": ("v", "v"),
    "accounts.claim": ("vc", "vcd"),
    "accounts.invitation": ("", "vcad"),
    # Moderators may look people up (to pick owners), never change them or their passwords.
    "accounts.user": ("v", "vcad"),
    "auth.group": ("", "vcad"),
    "sites.site": ("", "vcad"),
    "account.emailaddress": ("", "vcad"),
}
ADMIN_VIEWS = ("changelist", "add", "history", "delete", "change")


def admin_rows(model_key):
    """The rule for one admin model's standard pages, per role and method."""
    moderator_perms, superuser_perms = ADMIN_MODELS[model_key]

    def allowed(perms, view, method):
        reads = bool(set(perms) & {"v", "c"})
        if view in ("changelist", "history"):
            return {200} if reads else {403}
        if view == "add":
            return {200} if "a" in perms else {403}
        if view == "delete":  # an empty POST only shows the confirmation page again
            return {200} if "d" in perms else {403}
        if method == "GET":
            return {200} if reads else {403}
        return {200, 302} if "c" in perms else {403}

    rows = {}
    for view in ADMIN_VIEWS:
        get, post = (
            roles(
                {LOGIN},
                {LOGIN},
                {LOGIN},
                allowed(moderator_perms, view, method),
                allowed(superuser_perms, view, method),
            )  # fmt: skip
            for method in ("GET", "POST")
        )
        needs_object = view in ("history", "delete", "change")
        rows[view] = Row(
            get=get,
            post=post,
            kwargs=(lambda w: {"object_id": w.admin_object(model_key).pk})
            if needs_object
            else (lambda w: {}),
        )
    return rows


def admin_route_name(model_key, view):
    app_label, model_name = model_key.split(".")
    return f"admin:{app_label}_{model_name}_{view}"


ADMIN_MODEL_ROUTE_NAMES = {
    admin_route_name(key, view): (key, view) for key in ADMIN_MODELS for view in ADMIN_VIEWS
}

# Extra admin pages of particular models.
MATRIX.update(
    {
        # Moderators change listings, so they may open a past version (and revert it).
        "admin:groups_supportgroup_simple_history": Row(
            get=STAFF_ONLY,
            post=STAFF_ONLY,
            kwargs=lambda w: {"args": [w.group.pk, w.group.history.first().history_id]},
        ),
        # CSV import creates listings: staff with add_supportgroup only (not moderators).
        "admin:groups_supportgroup_import_csv": Row(
            get=roles({LOGIN}, {LOGIN}, {LOGIN}, {403}, {200}),
            post=roles({LOGIN}, {LOGIN}, {LOGIN}, {403}, {200, 400}),
        ),
        "admin:groups_supportgroup_export_csv": Row(
            get=STAFF_ONLY, post=roles({LOGIN}, {LOGIN}, {LOGIN}, {200, 405}, {200, 405})
        ),
        # A decision on an item's own page: POST only, for those who may change the item.
        # Without a decision chosen nothing changes and the item's page is shown again (302).
        **{
            f"admin:{key.replace('.', '_')}_decide": Row(
                get=roles({LOGIN}, {LOGIN}, {LOGIN}, {405}, {405}),
                post=roles({LOGIN}, {LOGIN}, {LOGIN}, {302}, {302}),
                kwargs=(lambda key: lambda w: {"object_id": w.admin_object(key).pk})(key),
            )
            for key in ("accounts.claim", "groups.supportgroup", "groups.report")
        },
        "admin:auth_user_password_change": Row(
            get=roles({LOGIN}, {LOGIN}, {LOGIN}, {403}, {200}),
            post=roles({LOGIN}, {LOGIN}, {LOGIN}, {403}, {200}),
            kwargs=lambda w: {"id": w.owner.pk},
        ),
    }
)


def is_admin_object_redirect(route):
    """Django's unnamed `admin/<app>/<model>/<object_id>/` → change page redirect."""
    return route.name is None and re.fullmatch(r"admin/\w+/\w+/<path:object_id>/", route.route)


def is_admin_catch_all(route):
    return route.name is None and route.route.startswith("admin/") and "(?P<url>" in route.route


# --- Running it -----------------------------------------------------------------------------------


def request_as(world, role, method, url):
    client = Client()
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    with transaction.atomic():
        response = client.generic(method, url)
        transaction.set_rollback(True)
    return response


def outcome(response):
    if response.status_code == 302 and re.search(r"/login/", response.get("Location", "")):
        return LOGIN
    return response.status_code


def check_row(world, route, row):
    url = row.url(route, world)
    mismatches, observed = [], {}
    for method, expected in (("GET", row.get), ("POST", row.post)):
        for role in ROLES:
            response = request_as(world, role, method, url)
            got = outcome(response)
            observed[(method, role)] = got
            allowed = expected[role]
            if got not in allowed and response.status_code not in allowed:
                mismatches.append(
                    f"{method} {url} as {role}: got {got}, expected {sorted(allowed, key=str)}"
                )
            body = response.content.decode(errors="replace") if not response.streaming else ""
            if row.marker and response.status_code in {403, 404}:
                if row.marker in body:
                    mismatches.append(f"{method} {url} as {role}: denied page shows the form")
            if response.status_code in {403, 404} and 'name="csrfmiddlewaretoken"' in body:
                mismatches.append(f"{method} {url} as {role}: denied page contains a POST form")
    if os.environ.get("ACCESS_MATRIX_DUMP"):
        print(f"\n{route.key} {url}")
        for method in ("GET", "POST"):
            print(f"  {method}: " + "  ".join(f"{r}={observed[(method, r)]}" for r in ROLES))
    return mismatches


# --- Tests ----------------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    return build_world()


def routes_by_key():
    return {r.key: r for r in all_routes()}


def test_every_url_pattern_is_classified():
    unclassified = [
        r.key
        for r in all_routes()
        if r.key not in MATRIX
        and r.key not in ADMIN_MODEL_ROUTE_NAMES
        and not is_admin_object_redirect(r)
        and not is_admin_catch_all(r)
    ]
    assert unclassified == [], (
        "Routes missing from tests/test_access_matrix.py MATRIX (decide who may use them): "
        + ", ".join(unclassified)
    )
    existing = set(routes_by_key())
    stale = sorted(set(MATRIX) - existing)
    assert stale == [], f"MATRIX lists routes that no longer exist: {stale}"


def test_every_admin_model_is_listed_with_its_permissions():
    registered = admin_model_keys()
    assert sorted(registered - set(ADMIN_MODELS)) == [], "add these to ADMIN_MODELS"
    assert sorted(set(ADMIN_MODELS) - registered) == [], "no longer registered in the admin"


def variants(entry):
    return entry if isinstance(entry, list) else [entry]


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_access_matches_the_matrix(world, key):
    routes = routes_by_key()
    if key not in routes:
        pytest.fail(f"{key} is in MATRIX but not a URL pattern")
    mismatches = []
    for row in variants(MATRIX[key]):
        mismatches += check_row(world, routes[key], row)
    assert mismatches == [], "\n".join(mismatches)


@pytest.mark.parametrize("model_key", sorted(ADMIN_MODELS))
def test_admin_pages_of_each_model_follow_the_permission_rule(world, model_key):
    if model_key not in admin_model_keys():
        pytest.skip(f"{model_key} is not registered in the admin")
    routes = routes_by_key()
    mismatches = []
    for view, row in admin_rows(model_key).items():
        mismatches += check_row(world, routes[admin_route_name(model_key, view)], row)
    # admin/<app>/<model>/<id>/ only redirects to the change page, for staff.
    obj = world.admin_object(model_key)
    app_label, model_name = model_key.split(".")
    url = f"/admin/{app_label}/{model_name}/{obj.pk}/"
    for role in ROLES:
        got = outcome(request_as(world, role, "GET", url))
        expected = {302} if role in ("moderator", "superuser") else {LOGIN}
        if got not in expected:
            mismatches.append(f"GET {url} as {role}: got {got}, expected {expected}")
    assert mismatches == [], "\n".join(mismatches)


def test_unknown_admin_pages_are_404_for_staff_and_login_for_everyone_else(world):
    for role in ROLES:
        got = outcome(request_as(world, role, "GET", "/admin/no-such-page/"))
        expected = 404 if role in ("moderator", "superuser") else LOGIN
        assert got == expected, role


def test_the_matrix_counts_every_route():
    """A figure for the report: how many URL patterns the matrix classifies."""
    total = len(all_routes())
    assert total > 50
