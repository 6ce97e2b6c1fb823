"""Peer Directory settings: one module, read from the environment.

Development defaults are safe to run on a laptop. With DEBUG off, missing or weak production
values stop start-up with ImproperlyConfigured rather than running half-configured.
"""

import os
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False) if "DEBUG" in os.environ else True

# How many proxies of ours (TLS terminator, load balancer) each add an X-Forwarded-For entry in
# front of the app. 0: clients connect directly. Rate limits count the client that the outermost
# of ours saw; too low a number makes every visitor one client, too high lets clients choose
# their own address. Ours (groups/ratelimit.py) and allauth's read the same value.
try:
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
except ValueError:
    TRUSTED_PROXY_COUNT = -1
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT must be a whole number, 0 or more: how many proxies of yours "
        "(e.g. 1 for one nginx or load balancer) stand in front of the app."
    )
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

_DEV_SECRET_KEY = "dev-insecure-key-only-for-local-development-never-in-production"  # noqa: S105 (development only)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off, set SECRET_KEY to a random string of at "
            "least 50 characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or "insecure" in SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters "
        "with at least 5 different ones."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is empty. With DEBUG off, set ALLOWED_HOSTS to the site's host names, "
        "comma-separated (e.g. ALLOWED_HOSTS=peerdirectory.org)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Where the site lives, for links in emails, calendar feeds and sitemaps.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Development without SITE_URL: links follow the host that served the request (peerdir/siteurl.py).
SITE_URL_FROM_REQUEST = DEBUG and not os.environ.get("SITE_URL")
SITE_NAME = os.environ.get("SITE_NAME", "Peer Directory")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_filters",
    "simple_history",
    "allauth",
    "allauth.account",
    "groups",
    "accounts",
]

MIDDLEWARE = [
    # First: its request id and timing cover everything below, static files included.
    "peerdir.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Up here, not at the end: the 413, 414 and 503 pages answered below carry it too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Compresses what every middleware below produced (peerdir/middleware.py: why BREACH is not
    # a concern here); static files come precompressed from WhiteNoise.
    "peerdir.middleware.CompressPagesMiddleware",
    "peerdir.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the body (no form here needs anywhere near 1 MB), after the headers
    # above so that its 413 page carries them too.
    "peerdir.middleware.RequestSizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database outage answers 503 with a calm static page, not a 500 (peerdir/dbfaults.py).
    "peerdir.dbfaults.DatabaseFaultMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "peerdir.siteurl.RequestOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Counts POSTs to the login, sign-up and password pages (groups/ratelimit.py PAGE_LIMITS).
    "peerdir.middleware.RateLimitMiddleware",
    "peerdir.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "peerdir.urls"
WSGI_APPLICATION = "peerdir.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "peerdir.context_processors.site",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (postgres:// in production).
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
# The whole feeds, built once per version of the data (groups/feeds/stored.py).
FEED_DIR = Path(os.environ.get("FEED_DIR", VAR_DIR / "feeds"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections, health-checked before reuse so a database restart costs no request
    # a 503. (dj_database_url always sets CONN_HEALTH_CHECKS, False unless asked: say True here.)
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "peerdir.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if USING_POSTGRES:
    INSTALLED_APPS.insert(
        INSTALLED_APPS.index("django.contrib.sitemaps"), "django.contrib.postgres"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache every gunicorn worker shares (rate limits must hold across workers).
CACHES = {
    # Shared by every worker (rate limits need that).
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "peerdir_cache",
        # Past MAX_ENTRIES Django deletes live keys too (a third of them): with the default 300,
        # a burst of requests would wipe rate-limit counts. Expired ones go first; 50,000 live
        # counts is far beyond anything but an attack the limits themselves slow down.
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
    # Per process: whole public pages for anonymous visitors (groups/pagecache.py), under keys
    # that include the directory generation. At most ~500 pages (~20 MB) per worker.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "peerdir-pages",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
    # Per process: counts that need not be shared (the search limit, groups/ratelimit.py).
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "peerdir-local",
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
    # The same pages shared by the workers of one machine or container (files, zlib-compressed),
    # so each page is computed once there rather than once per worker.
    "pages_shared": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("PAGE_CACHE_DIR", str(VAR_DIR / "pagecache")),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}
# Off by default in development, where a template edit should show on the next reload.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "0" if DEBUG else "60"))
# X-Page-Cache: hit|miss on kept pages, for the tests and the bench (bench/run.sh turns it on).
# Off in production: a "hit" tells anyone that someone opened that URL in the last minute.
PAGE_CACHE_HEADER = env_bool("PAGE_CACHE_HEADER", default=DEBUG)

# At most this many searches (directory pages with words) per client in any SEARCH_LIMIT_SECONDS
# (groups/ratelimit.py): far more than a person types or clicks, far fewer than a script sends.
# 0 turns it off: bench/run.sh does, as all of its load comes from 127.0.0.1.
SEARCH_LIMIT = int(os.environ.get("SEARCH_LIMIT", "30"))
SEARCH_LIMIT_SECONDS = 10

# The in-memory directory index answers every count and page of results (groups/directory/).
# After a change each process rebuilds it in the background, at most this often (about a
# second of work at 100,000 listings), answering from the previous one meanwhile.
DIRECTORY_INDEX_REBUILD_SECONDS = float(os.environ.get("DIRECTORY_INDEX_REBUILD_SECONDS", "5"))
# Each process reads the directory generation at most this often (and after its own writes):
# changes made by other processes reach it within this many seconds (groups/generation.py).
DIRECTORY_GENERATION_TTL = float(os.environ.get("DIRECTORY_GENERATION_TTL", "1"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 15 characters: current guidance for a password without a breached-password check
    # (NIST SP 800-63B rev. 4); a short sentence is easy to remember and type.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTH_USER_MODEL = "accounts.User"

# allauth's backend alone (it extends ModelBackend: permissions, the admin login): with both,
# a failed login hashed the password twice.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]

SITE_ID = 1

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# The manifest (every static file's hashed name) lives beside STATIC_ROOT, not in it: WhiteNoise
# serves everything in STATIC_ROOT, and has no setting to leave one file out.
STATIC_MANIFEST_ROOT = STATIC_ROOT.with_name(STATIC_ROOT.name + "-manifest")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": (
        {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        if DEBUG
        else {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
            "OPTIONS": {"manifest_storage": FileSystemStorage(location=STATIC_MANIFEST_ROOT)},
        }
    ),
}

# Email: console in development, SMTP from the environment in production.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587" if not DEBUG else "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=not DEBUG)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Peer Directory <noreply@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Where visitors write to the moderators: the Contact page, and the sign-up, confirmation and reset
# pages for account trouble.
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL") or parseaddr(SERVER_EMAIL)[1]

# django-allauth: email + password, verification mandatory, no enumeration.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_PREVENT_ENUMERATION = True
# Sensitive account changes ask for the password again. allauth 65.22 added "a code by mail" as a
# default alternative; every organizer has a password, so that page (and its mail) stays off.
ACCOUNT_REAUTHENTICATION_METHODS = ("password",)
# A password reset for an address without an account sends nothing (not "no account here" to
# whatever address anyone types).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# One rate-limit mechanism for the site (groups/ratelimit.py), allauth's pages included.
ACCOUNT_RATE_LIMITS = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# One email per organizer, changed through a confirm-the-new-address flow.
ACCOUNT_CHANGE_EMAIL = True
# After clicking the emailed link in the same browser, they are in: one less step.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Mail scanners pre-fetch links: a GET must not confirm an address, the page asks for a click.
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_NOTIFICATIONS = True

# Moderators' mail about new claims, listings and reports: "immediate" (one mail each) or "daily"
# (one digest a day, sent by the send_pending_mail cron job).
MODERATOR_MAIL = os.environ.get("MODERATOR_MAIL", "immediate")
if MODERATOR_MAIL not in ("immediate", "daily"):
    raise ImproperlyConfigured("MODERATOR_MAIL must be 'immediate' or 'daily'.")

# Security. Production values are on whenever DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host-: browsers accept these only Secure, for this exact host and path /, so neither a
    # sibling subdomain nor plain HTTP can plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # No script reads the CSRF cookie (forms carry the token), so keep it away from scripts too.
    CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "peerdir.errors.csrf_failure"

# Content-Security-Policy (django-csp 4), enforced in development too so that an inline script,
# style="" attribute or third-party request shows up in the browser console at once.
# Nothing inline, nothing from other sites: JS and CSS are files under static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Permissions-Policy (peerdir.middleware): browser features the site never uses, switched off.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "geolocation=(), gyroscope=(), interest-cohort=(), magnetometer=(), microphone=(), "
    "midi=(), payment=(), usb=(), browsing-topics=()"
)

# `make bench` only: serves /bench/baseline, a no-database view to compare throughput against.
BENCH_BASELINE = env_bool("PEERDIR_BENCH", default=False)

# Logs go to stdout, one line per request from peerdir.middleware.RequestLogMiddleware with its
# request id (gunicorn's own access log is off: it would print query strings, i.e. searches).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "peerdir.logging.RequestIdFilter"},
        # Reset keys, confirmation keys and invitation tokens never reach a log line.
        "mask_tokens": {"()": "peerdir.logging.MaskTokensFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
            "filters": ["request_id", "mask_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
