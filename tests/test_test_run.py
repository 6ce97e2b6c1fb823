"""The tests run with production's settings, except the few tests/conftest.py lists with a reason:
a difference nobody chose (a setting development derives from DEBUG, a fixture's override) would
let a test pass on behaviour production does not have."""

import pytest
from django.conf import global_settings
from django.conf import settings as django_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db  # the test database is part of what the tests run with

# Not settings: Django's record of which module it read.
NOT_SETTINGS = {"SETTINGS_MODULE"}


def flattened(name, value):
    """(dotted name, value) for a setting, one entry per key inside dict settings."""
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from flattened(f"{name}.{key}", inner)
    else:
        yield name, value


def differences(production, current):
    production_flat = dict(
        item for name, value in production.items() for item in flattened(name, value)
    )
    current_flat = dict(item for name, value in current.items() for item in flattened(name, value))
    found = set()
    for name in production_flat.keys() | current_flat.keys():
        if name not in production_flat and name.startswith("DATABASES."):
            continue  # Django fills in each connection's defaults (ATOMIC_REQUESTS, TEST, ...)
        if production_flat.get(name, KeyError) != current_flat.get(name, KeyError):
            found.add(name)
    return found


def settings_now():
    return {
        name: getattr(django_settings, name)
        for name in dir(django_settings)
        if name.isupper() and name not in NOT_SETTINGS
    }


def production_with_defaults(production_settings):
    defaults = {
        name: getattr(global_settings, name) for name in dir(global_settings) if name.isupper()
    }
    values = {**defaults, **production_settings}
    for name in ("STATIC_URL", "MEDIA_URL"):
        # As django.conf.settings returns them: a relative URL gets the script prefix ("/").
        if not values[name].startswith(("/", "http://", "https://")):
            values[name] = "/" + values[name]
    return values


def covered(name, listed):
    return name in listed or any(name.startswith(f"{entry}.") for entry in listed)


def test_every_setting_that_differs_from_production_is_listed_with_its_reason(
    production_settings, test_only_settings
):
    found = differences(production_with_defaults(production_settings), settings_now())
    unexplained = {name for name in found if not covered(name, test_only_settings)}
    stale = {entry for entry in test_only_settings if not any(covered(n, {entry}) for n in found)}
    assert unexplained == set(), (
        "These settings differ from production's in the tests: make them equal, or add them to "
        "TEST_ONLY_SETTINGS in tests/conftest.py with the reason the tests need their own value."
    )
    assert stale == set(), (
        "Listed in TEST_ONLY_SETTINGS but equal to production's now: remove them from the list."
    )


def test_the_comparison_sees_a_setting_a_test_changed(production_settings, settings):
    settings.SESSION_COOKIE_SECURE = False
    found = differences(production_with_defaults(production_settings), settings_now())
    assert "SESSION_COOKIE_SECURE" in found


def test_a_form_page_sets_the_csrf_cookie_as_production_does(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    cookie = response.cookies["__Host-csrftoken"]
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["path"] == "/" and not cookie["domain"]
