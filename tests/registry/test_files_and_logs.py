"""Files and logs (issue 13 item 11): the SQLite database and its companions are readable by
their owner only, ``var/`` too; no log line carries a query string, in any shape."""

from __future__ import annotations

import io
import logging
import os
import socket
import stat
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.db.utils import ConnectionHandler

from registry import devsetup
from registry.log_filters import StripQueryString

NAME = "张秀英"
ID_NUMBER = "350102199001011234"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(value: int):
    previous = os.umask(value)
    try:
        yield
    finally:
        os.umask(previous)


def sqlite_connection(path: Path):
    """A connection to the SQLite database at ``path`` with the registry's options (WAL)."""
    from django.conf import settings

    options = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        options = settings.DATABASES["default"]["OPTIONS"]
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": options}}
    )
    return handler["default"]


def companions(path: Path) -> dict[str, int]:
    return {suffix: mode(path.with_name(path.name + suffix)) for suffix in ("", "-wal", "-shm")}


# --- The database files -----------------------------------------------------------------------


def test_a_new_database_its_wal_and_shm_are_created_owner_only(tmp_path, django_db_blocker):
    path = tmp_path / "registry.sqlite3"
    with umask(0o022), django_db_blocker.unblock():
        db = sqlite_connection(path)
        with db.cursor() as cursor:
            cursor.execute("CREATE TABLE secret (value TEXT)")
            cursor.execute("INSERT INTO secret VALUES ('argon2 hash')")
        assert companions(path) == {"": 0o600, "-wal": 0o600, "-shm": 0o600}
        db.close()

        # -wal and -shm files made later, by the next connection, are owner-only too.
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        db = sqlite_connection(path)
        with db.cursor() as cursor:
            cursor.execute("INSERT INTO secret VALUES ('totp seed')")
        assert companions(path) == {"": 0o600, "-wal": 0o600, "-shm": 0o600}
        db.close()


def test_the_files_of_an_existing_database_are_tightened_at_the_next_connection(tmp_path, django_db_blocker):
    path = tmp_path / "registry.sqlite3"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)

    with django_db_blocker.unblock():
        db = sqlite_connection(path)
        db.ensure_connection()
        db.close()

    assert mode(path) == 0o600


@pytest.mark.django_db
def test_the_test_database_is_owner_only_too():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps its files itself")
    connection.ensure_connection()
    path = Path(connection.settings_dict["NAME"])

    assert {suffix: value for suffix, value in companions(path).items()} == {"": 0o600, "-wal": 0o600, "-shm": 0o600}


@pytest.mark.parametrize("existing", [None, 0o755])
def test_devsetup_makes_var_owner_only(tmp_path, monkeypatch, existing):
    var = tmp_path / "var"
    if existing is not None:
        var.mkdir(mode=existing)
        os.chmod(var, existing)
    monkeypatch.setattr(devsetup, "VAR", var)

    with umask(0o022):
        assert devsetup.main(["dev"]) == 0

    assert mode(var) == 0o700
    assert mode(var / "keyring.json") == 0o600


# --- The logs ---------------------------------------------------------------------------------


@contextmanager
def captured(*loggers: str):
    """Everything the handlers ``LOGGING`` gave ``loggers`` write, filters and formatters applied
    (pytest's own capturing handlers left out)."""
    stream = io.StringIO()
    handlers = {
        handler
        for name in loggers
        for handler in logging.getLogger(name or None).handlers
        if type(handler) is logging.StreamHandler
    }
    assert handlers, "the loggers have no handlers"
    previous = {handler: handler.setStream(stream) for handler in handlers}
    try:
        yield stream
    finally:
        for handler, old in previous.items():
            handler.setStream(old)


@contextmanager
def development_server():
    """runserver's own server and request handler, on a free port, in a thread."""
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def raw_request(port: int, request_line: str) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request_line.encode("utf-8") + b"\r\nHost: 127.0.0.1\r\n\r\n")
        sock.recv(65536)


@pytest.mark.django_db(transaction=True)
def test_the_development_servers_access_log_holds_paths_without_query_strings(cast):
    query = urllib.parse.urlencode({"name": NAME, "id_number": ID_NUMBER})
    # The server first: building its WSGI application sets logging up afresh.
    with development_server() as port, captured("django.server", "") as log:
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/cases/?{query}")  # noqa: S310
        urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/?next=/cases/%3Fname%3D{query}")  # noqa: S310
        raw_request(port, f"GET /api/v1/cases/?name={NAME} {ID_NUMBER} HTTP/1.1")  # malformed: quoted whole
        raw_request(port, f"GET /api/v1/cases/?id_number={ID_NUMBER}")  # no protocol at all

    written = log.getvalue()
    assert "GET /api/v1/cases/ HTTP/1.1" in written and "GET /accounts/login/ HTTP/1.1" in written
    assert "Bad request" in written  # the malformed lines were logged, without their query
    for value in (NAME, ID_NUMBER, query, "name=", "id_number=", "?"):
        assert value not in written, f"{value!r} reached the log"


def test_every_configured_handler_drops_query_strings(settings):
    assert settings.LOGGING["filters"]["no_query_string"]["()"] == "registry.log_filters.StripQueryString"
    for name, handler in settings.LOGGING["handlers"].items():
        assert "no_query_string" in handler.get("filters", ()), name
    for name in ("", "django.server"):
        for handler in logging.getLogger(name or None).handlers:
            if type(handler) is logging.StreamHandler:
                assert any(isinstance(f, StripQueryString) for f in handler.filters), handler


def test_a_question_in_a_message_is_left_alone():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "Is the key right? %s", ("GET /a?b=c HTTP/1.1",), None)

    StripQueryString().filter(record)

    assert record.getMessage() == "Is the key right? GET /a HTTP/1.1"
