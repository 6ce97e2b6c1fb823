"""Production settings: a half-configured server refuses to start, a configured one passes
`check --deploy` with nothing silenced. Each case runs in its own Python process, because
settings are read once at import."""

import json
import os
import subprocess
import sys

import pytest

from tests.processes import CONFIG_VARS, ROOT, STRONG_KEY, import_settings, run_python


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"ALLOWED_HOSTS": "example.org"}, "SECRET_KEY is not set"),
        ({"ALLOWED_HOSTS": "example.org", "SECRET_KEY": "short-key"}, "SECRET_KEY is too weak"),
        ({"ALLOWED_HOSTS": "example.org", "SECRET_KEY": "a" * 60}, "SECRET_KEY is too weak"),
        (
            {"ALLOWED_HOSTS": "example.org", "SECRET_KEY": "django-insecure-" + "x1y2z3" * 10},
            "SECRET_KEY is too weak",
        ),
        ({"SECRET_KEY": STRONG_KEY}, "ALLOWED_HOSTS is empty"),
        ({"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS is empty"),
    ],
    ids=["no-key", "short-key", "one-character-key", "insecure-key", "no-hosts", "blank-hosts"],
)
def test_production_refuses_to_start_half_configured(tmp_path, env, complaint):
    result = import_settings(tmp_path, DEBUG="0", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_development_starts_without_any_configuration(tmp_path):
    result = import_settings(tmp_path)
    assert result.returncode == 0, result.stderr


def test_configured_production_passes_check_deploy_with_nothing_silenced(tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="peerdirectory.example.org",
        VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def production_values(tmp_path, **env):
    code = """
import json, re
from django.conf import settings
import django
django.setup()
policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
print(json.dumps({
    "hsts": settings.SECURE_HSTS_SECONDS,
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "csrf_httponly": settings.CSRF_COOKIE_HTTPONLY,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "proxy_header": list(settings.SECURE_PROXY_SSL_HEADER),
    "healthz_exempt": any(re.search(p, "healthz") for p in settings.SECURE_REDIRECT_EXEMPT),
    "others_exempt": any(re.search(p, path) for p in settings.SECURE_REDIRECT_EXEMPT
                         for path in ("", "groups/", "healthz/x", "xhealthz", "admin/")),
    "csp": {k: list(v) for k, v in policy.items()},
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""
    env = {"DEBUG": "0", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "example.org", **env}
    result = run_python(code, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_are_secure_by_default(tmp_path):
    values = production_values(tmp_path)
    assert values["hsts"] >= 31536000
    assert values["session_secure"] and values["csrf_secure"] and values["csrf_httponly"]
    assert values["ssl_redirect"] is True
    assert values["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_only_the_health_check_is_exempt_from_the_https_redirect(tmp_path):
    values = production_values(tmp_path)
    assert values["healthz_exempt"] is True
    assert values["others_exempt"] is False


def test_content_security_policy_allows_nothing_inline_or_from_other_sites(tmp_path):
    csp = production_values(tmp_path)["csp"]
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    every_source = [source for sources in csp.values() for source in sources]
    assert "'unsafe-inline'" not in every_source
    assert "'unsafe-eval'" not in every_source
    assert not [s for s in every_source if s.startswith(("http", "*"))]


def test_hsts_and_ssl_redirect_can_be_tuned_from_the_environment(tmp_path):
    values = production_values(tmp_path, SECURE_HSTS_SECONDS="300", SECURE_SSL_REDIRECT="0")
    assert values["hsts"] == 300
    assert values["ssl_redirect"] is False


def test_persistent_database_connections_are_health_checked_before_reuse(tmp_path):
    """Otherwise the first request each worker serves after a database restart gets a 503."""
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "d = settings.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    result = run_python(
        code,
        tmp_path,
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="example.org",
        DATABASE_URL="postgres://peerdir@db.invalid:5432/peerdir",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "True"]
