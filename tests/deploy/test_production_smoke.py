"""The production deployment, started for real: gunicorn and a Celery worker on loopback,
against a throwaway PostgreSQL database and Redis (DESIGN §7, issue 8).

``python -m registry.serve`` runs in production mode in a child process, as ``make serve``
does; the test seeds a small demo into its database beforehand (the demo command refuses
production mode, so that one step runs in demo mode), then checks that the app answers over
HTTP with its security headers, that the API demands a second factor, and that
``archive_dossiers`` hands a jurisdiction's closed cases to the worker and gets back dossiers
that ``verify_archive`` accepts. It stops both servers and drops what it created.

It runs in the PostgreSQL pass of CI (``DATABASE_URL=postgres://…``), where PostgreSQL and
Redis are known to be there; the SQLite pass skips it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from registry.keyring import new_keyring_document, write_secret_file

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/14")
PASSWORD = "smoke-password-2026"

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


@pytest.fixture
def deployment(tmp_path):
    """Environment of a production deployment with its own database, keyring and archive."""
    name = f"registry_smoke_{uuid.uuid4().hex[:8]}"
    _admin_sql(f"CREATE DATABASE {name}")
    keyring = tmp_path / "keyring.json"
    write_secret_file(keyring, new_keyring_document())
    env = {
        **os.environ,
        "REGISTRY_ENV_FILE": str(tmp_path / "absent.env"),  # never this checkout's var/dev.env
        "DJANGO_SETTINGS_MODULE": "registry.settings",
        "REGISTRY_MODE": "production",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "REGISTRY_KEYRING_FILE": str(keyring),
        "DATABASE_URL": urlsplit(DATABASE_URL)._replace(path=f"/{name}").geturl(),
        "CELERY_BROKER_URL": REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    try:
        yield env
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


def test_gunicorn_and_a_celery_worker_serve_and_archive_in_production_mode(deployment):
    env = deployment
    for step in (("migrate", "--no-input"), ("collectstatic", "--no-input", "--verbosity", "0")):
        done = manage(env, *step)
        assert done.returncode == 0, done.stderr
    seeded = manage(env, "seed_demo", "--password", PASSWORD, "--victims", "40", mode="demo")
    assert seeded.returncode == 0, seeded.stderr

    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "registry.serve", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--celery-concurrency", "1"],
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
