"""Settings in a fresh Python process: they are read once, at import, so each configuration a
test tries needs its own process, with the test run's own configuration variables removed."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = secrets.token_urlsafe(50)
CONFIG_VARS = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "DATABASE_URL",
    "EMAIL_BACKEND",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by conftest for Playwright; check --deploy rejects it
)


def run_python(code, tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(DJANGO_SETTINGS_MODULE="peerdir.settings", VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def import_settings(tmp_path, **env):
    return run_python("import peerdir.settings", tmp_path, **env)
