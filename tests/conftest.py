"""Shared test set-up: production's settings, the cast (tests/cast.py), Playwright on Debian's
Chromium, and the database flavour in use."""

import atexit
import importlib
import os
import runpy
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models.signals import post_migrate
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Sync Playwright runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Pages shared between workers (groups/pagecache.py) go to files: each test process gets its own
# empty folder, so parallel test processes (pytest-xdist) and earlier runs never share pages.
# Set before any cache is first used (Django reads CACHES on first use).
_PAGES_DIR = tempfile.mkdtemp(prefix="peerdir-test-pages-")
settings.CACHES["pages_shared"]["LOCATION"] = _PAGES_DIR
atexit.register(shutil.rmtree, _PAGES_DIR, True)

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


# Hypothesis: "ci" (the default) is reproducible (derandomized, no example database) so a red
# build is red again on re-run; "dev" explores new random inputs and remembers failures.
# Choose with HYPOTHESIS_PROFILE=dev. Example counts of the fuzz tests: see tests/test_fuzz.py.
_HYPOTHESIS_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
}
hypothesis_settings.register_profile(
    "ci", derandomize=True, database=None, print_blob=True, **_HYPOTHESIS_COMMON
)
hypothesis_settings.register_profile("dev", **_HYPOTHESIS_COMMON)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def chromium_path():
    candidate = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if Path(candidate).exists():
        return candidate
    return shutil.which(candidate) or ""


def e2e_required():
    return os.environ.get("E2E_REQUIRED", "") in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if not path:
        reason = (
            "Chromium not found at CHROMIUM_PATH or /usr/bin/chromium "
            "(install it with: apt-get install -y chromium)"
        )
        if e2e_required():
            pytest.fail(f"E2E_REQUIRED=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


# --- Settings: production's, except the few a test needs otherwise ------------------------------
#
# The test process imports peerdir/settings.py as development does (DEBUG unset: no SECRET_KEY or
# ALLOWED_HOSTS needed). Every setting that differs from production's then gets production's
# value for each test, except these, each with the reason the tests need their own value.
# tests/test_test_run.py fails when any other setting differs, or when one listed here no longer
# does. A dotted name is one key inside a dict setting.
TEST_ONLY_SETTINGS = {
    "SECRET_KEY": "the deployment's secret; start-up refuses a weak one (tests/test_settings.py)",
    "ALLOWED_HOSTS": "the deployment's host names; the test client and live server use their own",
    "SECURE_SSL_REDIRECT": "the test client and live server speak plain HTTP (test_settings.py)",
    "ACCOUNT_DEFAULT_HTTP_PROTOCOL": "links in mail must open on the plain-HTTP live server",
    "STORAGES": "the tests do not run collectstatic (test_production.py checks the manifest)",
    "EMAIL_BACKEND": "Django's test runner keeps sent mail in memory (django.core.mail.outbox)",
    "DATABASES.default.NAME": "each test run gets a throwaway database",
    "CACHES.pages_shared.LOCATION": "each test process gets its own empty folder (above)",
    "PASSWORD_HASHERS": "production's hashing is slow by design (_fast_password_hashing)",
    "DIRECTORY_GENERATION_TTL": "read on every request (_generation_read_on_every_request)",
    "DIRECTORY_INDEX_REBUILD_SECONDS": "rebuilt at once (_index_rebuilt_at_once)",
    "FEED_DIR": "each test gets its own empty folder (_feeds_kept_per_test)",
    "PAGE_CACHE_HEADER": "tests read X-Page-Cache to see a page was kept (test_security_probe.py)",
    "SEARCH_LIMIT": "tests search far faster than people (_searches_not_limited)",
}


def _read_production_settings():
    """peerdir/settings.py as a production server reads it: DEBUG=0 and the values start-up
    insists on; every other variable as the test run has it (DATABASE_URL, VAR_DIR)."""
    saved = dict(os.environ)
    os.environ.update(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="peerdirectory.example.org"
    )
    try:
        values = runpy.run_path(str(Path(settings.BASE_DIR) / "peerdir" / "settings.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {name: value for name, value in values.items() if name.isupper()}


PRODUCTION_SETTINGS = _read_production_settings()
# DEBUG is pytest-django's to set: False, as in production, unless --django-debug-mode says so.
_KEPT = {name.split(".")[0] for name in TEST_ONLY_SETTINGS} | {"DEBUG"}
_FROM_PRODUCTION = {
    name: value
    for name, value in PRODUCTION_SETTINGS.items()
    if name not in _KEPT and getattr(settings, name, None) != value
}


@pytest.fixture(autouse=True)
def _production_settings():
    """Production's values where development's differ (secure cookies and their __Host- names,
    the page cache's minute, links from SITE_URL, ...): what the tests see is what runs. One
    override for all of them: each `settings.X = ...` would stack another layer of settings."""
    with override_settings(**_FROM_PRODUCTION):
        yield


@pytest.fixture(scope="session")
def production_settings():
    """Every setting peerdir/settings.py gives a production server (tests/test_test_run.py)."""
    return PRODUCTION_SETTINGS


@pytest.fixture(scope="session")
def test_only_settings():
    return TEST_ONLY_SETTINGS


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The one test-only password hasher, for every test (no module sets its own): production's
    PBKDF2 makes every account a test creates or logs in cost a fraction of a second
    (tests/test_privacy.py: 3.6 s instead of 1.5 s). No test is about hash strength, and
    production keeps Django's default hashers (tests/test_test_run.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _generation_read_on_every_request(settings):
    """Production reads the directory generation at most once a second per process; tests read
    it on every request, so pinned query counts do not depend on how fast a test runs. The
    remembered generation has its own tests (tests/test_generation.py)."""
    settings.DIRECTORY_GENERATION_TTL = 0


@pytest.fixture(autouse=True)
def _index_rebuilt_at_once(settings):
    """Tests change data between requests far more often than every 10 s: the directory index
    is rebuilt whenever the generation moved (tests of the throttle set it themselves). The
    index itself is NOT cleared between tests: it must notice every change by its generation."""
    settings.DIRECTORY_INDEX_REBUILD_SECONDS = 0


@pytest.fixture(autouse=True)
def _feeds_kept_per_test(settings, tmp_path):
    """Whole feeds are kept in files per version of the data (groups/feeds/stored.py): each test
    gets its own empty folder, so no test is answered with a feed another test built."""
    settings.FEED_DIR = tmp_path / "feeds"


@pytest.fixture(autouse=True)
def _searches_not_limited(settings):
    """The fuzz tests send 2,000 searches in a test, and pinned query counts would include the
    limit's own. The limit's tests set production's value (tests/test_rate_limits.py)."""
    settings.SEARCH_LIMIT = 0


@pytest.fixture
def cast(db):
    """The organizer, the second organizer, the moderator, the visitor and their listings
    (tests/cast.py)."""
    from tests.cast import build_cast

    return build_cast()


@pytest.fixture
def smtp_down(monkeypatch):
    """The mail server refuses every send until the test calls `monkeypatch.undo()`."""

    def refuse(self, messages):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)


def _restore_migration_data(sender, **kwargs):
    """After a transactional test's flush, bring back what data migrations made: the Sites row
    named after SITE_URL and the Moderators group. Without it, a test scheduled after a browser
    test on the same xdist worker sees example.com and no Moderators group."""
    from django.apps import apps
    from django.contrib.sites.models import Site

    from tests.factories import restore_moderators_group

    if sender is not list(apps.get_app_configs())[-1]:
        return  # once per flush, after every app's permissions exist again
    site_migration = importlib.import_module("accounts.migrations.0003_site_from_settings")
    site_migration.name_site(apps, None)
    Site.objects.clear_cache()
    restore_moderators_group()


post_migrate.connect(_restore_migration_data, dispatch_uid="tests-restore-migration-data")
