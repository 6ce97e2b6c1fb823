"""The database going away gives calm 503 pages, and the site comes back by itself.

Two layers. In-process tests make every SQL statement fail (fast, run everywhere). The real
test starts its OWN throwaway PostgreSQL cluster and a production-configured gunicorn on it,
kills PostgreSQL mid-run, and brings it back: the suite's own database is never touched.
It lives in pytest rather than a .ci/checks script so that `make test` (both CI legs, and
every developer's run) exercises it, with the usual skip-or-fail rule for missing binaries.
"""

import importlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.test import Client

from tests.factories import make_support_group

PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
REPO = Path(settings.BASE_DIR)
CRISIS_MARKERS = ("/help-now/", "116 123", "988")


def assert_calm_503(status, headers, body):
    assert status == 503, body[:500]
    assert headers.get("Retry-After", "").isdigit()
    assert "briefly unavailable" in body
    for marker in CRISIS_MARKERS:
        assert marker in body
    for leak in ("Traceback", "OperationalError", "InterfaceError", "psycopg", "Server Error"):
        assert leak not in body


def database_down(exc=OperationalError("connection to server failed: Connection refused")):
    """Every SQL statement fails, as it does when PostgreSQL has stopped."""
    return mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=exc)


# --- In-process --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/groups/", "/groups/?q=hearing+voices", "GROUP"])
def test_pages_answer_503_with_crisis_numbers_while_the_database_is_down(client, path):
    group = make_support_group(name="Fault Test Group")
    path = group.get_absolute_url() if path == "GROUP" else path
    with database_down():
        response = client.get(path)
    if path == "/" and response.status_code == 200:
        return  # a home page that needs no database may keep working: even better
    assert_calm_503(response.status_code, response.headers, response.content.decode())
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_interface_error_also_gives_the_503_page(client):
    with database_down(InterfaceError("connection already closed")):
        response = client.get("/groups/")
    assert_calm_503(response.status_code, response.headers, response.content.decode())


@pytest.mark.django_db
def test_a_database_error_in_a_middleware_response_phase_gives_503_not_500(settings):
    """The session is saved after the view ran, by SessionMiddleware: a failure there is
    turned into a response by Django before our middleware sees an exception, yet must not
    become a 500."""
    settings.SESSION_SAVE_EVERY_REQUEST = True
    # The test client re-raises exceptions Django signalled; a browser would only see the page.
    client = Client(raise_request_exception=False)
    session = client.session
    session["seen"] = True
    session.save()
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore
    with mock.patch.object(store, "save", side_effect=OperationalError("server closed")):
        response = client.get("/")
    assert_calm_503(response.status_code, response.headers, response.content.decode())


@pytest.mark.django_db
def test_the_site_serves_pages_again_as_soon_as_the_database_answers(client):
    make_support_group(name="Recovery Group")
    with database_down():
        assert client.get("/groups/").status_code == 503
    response = client.get("/groups/")
    assert response.status_code == 200
    assert "Recovery Group" in response.content.decode()


@pytest.mark.django_db
def test_the_503_page_renders_from_its_template_without_any_database_access(
    django_assert_num_queries,
):
    from peerdir.dbfaults import unavailable_response

    with database_down(), django_assert_num_queries(0):
        response = unavailable_response()
    body = response.content.decode()
    assert_calm_503(response.status_code, response.headers, body)
    assert '<meta name="robots" content="noindex">' in body  # the template, not the fallback


@pytest.mark.django_db
def test_the_fault_is_logged_without_the_query_string(client, caplog):
    with database_down(), caplog.at_level("WARNING", logger="peerdir.dbfaults"):
        client.get("/groups/?q=my+private+search")
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "/groups/" in logged
    assert "private" not in logged


# --- Real PostgreSQL + gunicorn ---------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, timeout=10):
    """(status, headers, body) without raising on HTTP errors."""
    request = urllib.request.Request(url, headers={"Accept-Language": "en"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def child_pids(parent_pid):
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent_pid:
            children.add(int(stat.parent.name))
    return children


class ThrowawayPostgres:
    """A private PostgreSQL cluster, as .ci/pg.sh makes, which this test may stop and start."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="peerdir-faults-pg."))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        self.root.chmod(0o755)
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def run(self, *args, check=True):
        command = [str(PGBIN / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, cwd="/", check=check, capture_output=True, text=True, timeout=60
        )

    def init(self):
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "peerdir")

    def start(self):
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-o", options, "-w", "start",
        )  # fmt: skip

    def stop(self):
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def destroy(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/peerdir"


@pytest.fixture
def production_site():
    """gunicorn with production settings on a private PostgreSQL: yields (base_url, pg, gunicorn)."""
    missing = [name for name in ("initdb", "pg_ctl", "postgres") if not (PGBIN / name).exists()]
    if missing or (os.geteuid() == 0 and not shutil.which("runuser")):
        reason = f"PostgreSQL server binaries not found in {PGBIN} (apt-get install postgresql)"
        if os.environ.get("E2E_REQUIRED", "") in {"1", "true", "yes"} or os.environ.get("CI"):
            pytest.fail(f"E2E_REQUIRED/CI set but {reason}", pytrace=False)
        pytest.skip(reason)

    pg = ThrowawayPostgres()
    work = Path(tempfile.mkdtemp(prefix="peerdir-faults-site."))
    gunicorn = None
    try:
        pg.init()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
            "DJANGO_SETTINGS_MODULE": "peerdir.settings",
            "DATABASE_URL": pg.url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "VAR_DIR": str(work / "var"),
            "STATIC_ROOT": str(work / "static"),
            "LOG_LEVEL": "WARNING",
        }
        manage = [sys.executable, str(REPO / "manage.py")]
        for command in (["migrate", "--noinput"], ["createcachetable"], ["load_seed"]):
            subprocess.run(
                [*manage, *command], cwd=REPO, env=env, check=True, capture_output=True, timeout=180
            )
        # Production settings serve static files from the manifest; without it {% static %} fails.
        subprocess.run(
            [*manage, "collectstatic", "--noinput", "-v", "0"],
            cwd=REPO, env=env, check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        port = free_port()
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "peerdir.wsgi",
                "--bind", f"127.0.0.1:{port}",
                "--workers", "2",
                "--timeout", "30",
                "--no-control-socket",
            ],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=open(work / "gunicorn.log", "w"),
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if fetch(base + "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert gunicorn.poll() is None, (work / "gunicorn.log").read_text()[-3000:]
            time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not become healthy:\n" + (work / "gunicorn.log").read_text())
        yield base, pg, gunicorn
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"setting up the production site failed: {exc.cmd}\n{exc.stdout}\n{exc.stderr}")
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=10)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        pg.destroy()
        shutil.rmtree(work, ignore_errors=True)


PAGES = ["/groups/", "/groups/?q=voices"]


def test_database_outage_gives_503_and_the_site_recovers_without_a_restart(production_site):
    base, pg, gunicorn = production_site
    workers_before = child_pids(gunicorn.pid)
    assert len(workers_before) == 2

    for path in ["/", *PAGES, "/healthz"]:
        status, _, body = fetch(base + path)
        assert status == 200, (path, body[:300])

    pg.stop()
    # Each worker reads the directory generation at most once a second (groups/generation.py):
    # until it tries again, a page it kept may still be served, which is fine. After that: 503.
    time.sleep(1.5)
    # Every worker: several rounds, so each has seen its persistent connection break.
    for _ in range(3):
        for path in PAGES:
            status, headers, body = fetch(base + path)
            assert_calm_503(status, headers, body)
        assert fetch(base + "/healthz")[0] == 503
        status, headers, body = fetch(base + "/")
        if status != 200:  # a home page that needs no database may keep working
            assert_calm_503(status, headers, body)
    assert gunicorn.poll() is None
    assert child_pids(gunicorn.pid) == workers_before, "a worker crashed or was restarted"

    pg.start()
    started = time.monotonic()
    while time.monotonic() - started < 15:
        if all(fetch(base + path)[0] == 200 for path in [*PAGES, "/healthz"]):
            break
        time.sleep(0.25)
    recovered_after = time.monotonic() - started
    for _ in range(4):  # both workers, not just one
        for path in [*PAGES, "/healthz"]:
            assert fetch(base + path)[0] == 200, (path, recovered_after)
    assert recovered_after < 10
    assert child_pids(gunicorn.pid) == workers_before, "recovery needed a worker restart"
