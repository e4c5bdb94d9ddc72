"""The production deployment, started for real: gunicorn, a Celery worker and Celery beat on
loopback, against a throwaway PostgreSQL database and Redis (DESIGN §7, issues 8, 17 and 19).

``python -m registry.serve --bind …`` runs in production mode in a child process exactly as
``make serve`` starts it: the same command line, its configuration in an env file named by
``REGISTRY_ENV_FILE`` (broker, database, keyring …), nothing of it in the process environment —
behind a TLS terminator as a deployment is (``BEHIND_TLS_PROXY``: a request carrying
``X-Forwarded-Proto: https`` came over HTTPS); the test seeds a small demo into its database
beforehand (the demo command refuses production mode, so that one step runs in demo mode), then
checks that the app answers over HTTP with its security headers — HSTS on HTTPS only, the
session and CSRF cookies ``Secure``, ``HttpOnly`` and ``SameSite=Lax`` — that the API demands a
second factor, answers an unknown route and a too deeply nested body in its JSON error shape,
that the access log holds no query string, and that ``archive_dossiers`` hands a jurisdiction's
closed cases to the worker and gets back dossiers that ``verify_archive`` accepts, and that beat
runs the reminders (every 2 s here, ``REMINDERS_INTERVAL_SECONDS``): a follow-up visit seeded
overdue gets its reminder in an inbox. It stops the servers and drops what it created.

It runs in the PostgreSQL pass of CI (``DATABASE_URL=postgres://…``), where PostgreSQL and
Redis are known to be there; the SQLite pass skips it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import pytest

from registry.keyring import new_keyring_document, write_secret_file

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/14")
PASSWORD = "smoke-password-2026"
# Search terms sent in a query string, to be looked for in the logs (synthetic, percent-encoded).
SEARCHED_NAME = "%E6%B5%8B%E8%AF%95%E6%90%9C%E7%B4%A2%E5%90%8D"
SEARCHED_ID = "350102199001019999"

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgres"), reason="the production smoke test runs in CI's PostgreSQL pass"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _admin_sql(statement: str) -> None:
    import psycopg

    server = urlsplit(DATABASE_URL)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(statement)


# What the test process's own environment must not pass on: an operator's shell has none of it.
_PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "LD_LIBRARY_PATH")


@pytest.fixture
def deployment(tmp_path):
    """A production deployment's environment: an operator's shell and ``REGISTRY_ENV_FILE``
    naming an env file with its own database, keyring, broker and archive (as ``make serve``
    writes ``var/serve.env``)."""
    name = f"registry_smoke_{uuid.uuid4().hex[:8]}"
    _admin_sql(f"CREATE DATABASE {name}")
    keyring = tmp_path / "keyring.json"
    write_secret_file(keyring, new_keyring_document())
    settings = {
        "REGISTRY_MODE": "production",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "REGISTRY_KEYRING_FILE": str(keyring),
        "DATABASE_URL": urlsplit(DATABASE_URL)._replace(path=f"/{name}").geturl(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_CONCURRENCY": "1",
        "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat" / "schedule"),
        "REMINDERS_INTERVAL_SECONDS": "2",
        "WEB_CONCURRENCY": "2",
        "ALLOWED_HOSTS": "127.0.0.1",
        "BEHIND_TLS_PROXY": "true",  # cookies keep production's Secure flag
        "WEB_ACCESS_LOG": str(tmp_path / "access.log"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env_file = tmp_path / "serve.env"
    write_secret_file(env_file, "".join(f"{key}={value}\n" for key, value in settings.items()))
    env = {key: os.environ[key] for key in _PASSED_ON if key in os.environ}
    env.update(REGISTRY_ENV_FILE=str(env_file), PYTHONUNBUFFERED="1")
    try:
        yield SimpleNamespace(env=env, settings=settings)
    finally:
        _admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()


def manage(env, *args, mode: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**env, "REGISTRY_MODE": mode} if mode else env
    return subprocess.run(  # noqa: S603 (our own manage.py, arguments from this test)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def get(url: str, data: dict | None = None):
    """GET (or POST ``data`` as JSON) on the loopback server: (status, headers, body)."""
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body)  # noqa: S310 (http://127.0.0.1 only)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def exchange(port: int, method: str, path: str, *, https: bool = False, headers=None, body: bytes | None = None):
    """One request, redirects not followed: (status, headers, body). ``https``: as the TLS
    terminator in front passes a request that came over HTTPS."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = dict(headers or {})
    if https:
        headers["X-Forwarded-Proto"] = "https"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def cookies_set(headers) -> dict[str, tuple[str, set[str]]]:
    """``{name: ("name=value", {attribute, …})}`` of each ``Set-Cookie``, attributes lower-cased
    (``samesite=lax``)."""
    found = {}
    for line in headers.get_all("Set-Cookie") or ():
        pair, *attributes = (part.strip() for part in line.split(";"))
        found[pair.split("=", 1)[0]] = (pair, {attribute.lower().replace(" ", "") for attribute in attributes})
    return found


def check_https_headers_and_cookies(port: int) -> None:
    """HSTS on HTTPS only; the CSRF cookie (the sign-in page) and the session cookie (the
    password step, which keeps the sign-in waiting for its second factor) are Secure,
    HttpOnly and SameSite=Lax."""
    status, headers, page = exchange(port, "GET", "/accounts/login/", https=True)
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in exchange(port, "GET", "/accounts/login/")[1]
    cookie, csrf = cookies_set(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    origin = f"https://127.0.0.1:{port}"
    form = f"csrfmiddlewaretoken={token}&username=civil_affairs_fz&password={PASSWORD}".encode()
    status, headers, _ = exchange(
        port, "POST", "/accounts/login/", https=True, body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                 "Origin": origin, "Referer": f"{origin}/accounts/login/"},
    )  # fmt: skip
    assert status == 302, status
    _, session = cookies_set(headers)["sessionid"]
    for flags in (csrf, session):
        assert {"secure", "httponly", "samesite=lax"} <= flags, flags


def check_api_error_shapes(port: int) -> None:
    """An unknown route under /api/ and a body nested a thousand deep answer the JSON error shape."""
    for path in ("/api/v1/nonexistent/", "/api/whatever"):
        status, headers, body = exchange(port, "GET", path)
        assert (status, headers["Content-Type"]) == (404, "application/json"), path
        assert json.loads(body)["code"] == "not_found"
    deep = b"[" * 1000 + b"]" * 1000
    status, _, body = exchange(
        port, "POST", "/api/v1/auth/token/", body=deep, headers={"Content-Type": "application/json"}
    )
    assert (status, json.loads(body)["code"]) == (400, "json_too_deep")


def wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped while starting"
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


# An open case of the seeded demo gets a follow-up visit due yesterday (written as set-up, with its history).
OVERDUE_VISIT = (
    "import datetime; from django.utils import timezone; from registry.history import recorded_change\n"
    "from services.models import FollowUpVisit; from victims.models import Case\n"
    "from victims.stages import CLOSED_STAGES\n"
    "case = Case.objects.exclude(stage__in=CLOSED_STAGES).order_by('id').first()\n"
    "with recorded_change(actor=None, reason='smoke test: an overdue visit'):\n"
    "    visit = FollowUpVisit.objects.create(case=case, due_on=timezone.localdate() - datetime.timedelta(days=1))\n"
    "print(visit.uuid)"
)


def wait_for_reminder(database_url: str, visit_uuid: str, server: subprocess.Popen, seconds: float = 90) -> None:
    """Poll the smoke database until beat's reminders run wrote the visit's reminder."""
    import psycopg

    deadline = time.monotonic() + seconds
    with psycopg.connect(database_url, autocommit=True) as connection:
        while time.monotonic() < deadline:
            assert server.poll() is None, "the server stopped while waiting for beat"
            found = connection.execute(
                "SELECT count(*) FROM inbox_notification WHERE reminder_key = %s", [f"follow_up_due:{visit_uuid}"]
            ).fetchone()[0]
            if found:
                return
            time.sleep(0.5)
    raise AssertionError(f"beat wrote no reminder within {seconds} s")


def test_gunicorn_celery_worker_and_beat_serve_archive_and_remind_in_production_mode(deployment):
    env = deployment.env
    for step in (("migrate", "--no-input"), ("collectstatic", "--no-input", "--verbosity", "0")):
        done = manage(env, *step)
        assert done.returncode == 0, done.stderr
    seeded = manage(env, "seed_demo", "--password", PASSWORD, "--victims", "40", mode="demo")
    assert seeded.returncode == 0, seeded.stderr
    overdue = manage(env, "shell", "-c", OVERDUE_VISIT)
    assert overdue.returncode == 0, overdue.stderr
    visit_uuid = overdue.stdout.strip().splitlines()[-1]

    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 (make serve's command line: `python -m registry.serve --bind …`)
        [sys.executable, "-m", "registry.serve", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/accounts/login/", server)
        status, headers, _ = get(f"{base}/accounts/login/")
        assert status == 200
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "no-store" in headers["Cache-Control"]
        assert get(f"{base}/static/registry/app.css")[0] == 200
        # Production requires the second factor: a password alone gets no token.
        status, _, body = get(f"{base}/api/v1/auth/token/", {"username": "civil_affairs_fz", "password": PASSWORD})
        assert status in (400, 401) and b"token" not in body.replace(b'"code"', b"")
        wait_for_reminder(deployment.settings["DATABASE_URL"], visit_uuid, server)
        check_https_headers_and_cookies(port)
        check_api_error_shapes(port)
        # Search terms travel in query strings; the access log names the path alone.
        status, _, _ = exchange(port, "GET", f"/api/v1/cases/?name={SEARCHED_NAME}&id_number={SEARCHED_ID}")
        assert status == 401

        archived = manage(env, "archive_dossiers", "--jurisdiction", "3501", "--as", "civil_affairs_fz", timeout=600)
        assert archived.returncode == 0, archived.stdout + archived.stderr
        assert "on Celery workers" in archived.stdout
        checked = manage(env, "verify_archive")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        counted = manage(
            env, "shell", "-c",
            "from exports.models import ArchiveRecord, ArchiveBatch; from victims.models import Case; "
            "print(ArchiveRecord.objects.count(), "
            "Case.objects.filter(stage='closed', jurisdiction__code__startswith='3501').count(), "
            "ArchiveBatch.objects.get().mode)",
        )  # fmt: skip
        records, closed, mode = counted.stdout.strip().splitlines()[-1].split()  # after the shell's own notice
        assert int(closed) > 0 and records == closed and mode == "celery"
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert "celery@" in output or "registry@" in output  # the worker ran beside gunicorn
    assert "beat: Starting" in output and "inbox.send_reminders" in output  # and beat sent the reminders task
    access_log = Path(deployment.settings["WEB_ACCESS_LOG"]).read_text(encoding="utf-8")
    assert '"GET /api/v1/cases/ HTTP/1.1" 401' in access_log
    assert '"GET /api/v1/nonexistent/ HTTP/1.1" 404' in access_log
    for logged in (access_log, output):
        assert SEARCHED_ID not in logged and "id_number=" not in logged
        assert SEARCHED_NAME not in logged and unquote(SEARCHED_NAME) not in logged
        assert "RecursionError" not in logged
