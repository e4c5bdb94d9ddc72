"""Helpers that look at what the database really stores, and at what a page holds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from django.utils import translation


def database_bytes() -> bytes:
    """Every byte the database holds: the SQLite file (and its WAL), or a dump of every table
    on PostgreSQL. Call from a ``transactional_db`` test so the writes are committed."""
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
        parts = [path.read_bytes()]
        for suffix in ("-wal", "-journal"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                parts.append(extra.read_bytes())
        return b"".join(parts)
    dump = bytearray()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:  # names come from the catalogue
                for block in copy:
                    dump += bytes(block)
    return bytes(dump)


def assert_not_stored(*values: str) -> None:
    """Fail naming the first value whose UTF-8 bytes appear anywhere in the database."""
    stored = database_bytes()
    for value in values:
        assert value.encode("utf-8") not in stored, f"plaintext {value!r} found in the database"


def assert_history_holds_only_ciphertext(model) -> None:
    """Every encrypted field of ``model``'s history table stores ciphertext (or NULL) only."""
    from registry.fields import EncryptedField

    encrypted = [f.name for f in model.history.model._meta.concrete_fields if isinstance(f, EncryptedField)]
    assert encrypted, f"{model.__name__} history has no encrypted field"
    assert model.history.model.objects.exists(), f"{model.__name__} has no history rows to check"
    for name in encrypted:
        for raw in history_raw_values(model, name):
            assert raw is None or raw.startswith("e1$"), f"{model.__name__} history {name} holds {raw!r}"


def history_raw_values(model, field_name: str) -> list[str | None]:
    """The raw stored text of ``field_name`` in every history row of ``model``."""
    table = model.history.model._meta.db_table
    column = model.history.model._meta.get_field(field_name).column
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}"')  # noqa: S608 (names from model metadata)
        return [row[0] for row in cursor.fetchall()]


# --- The audit log's append-only triggers ----------------------------------------------------


def _audit_migration():
    import importlib

    return importlib.import_module("registry.migrations.0008_audit_partitions")


def audit_trigger_statements(vendor: str) -> tuple[list[str], list[str]]:
    """(lift, restore): the statements that drop the audit tables' triggers and put them back,
    taken from the migration that created them, so a restored trigger is the production one."""
    migration = _audit_migration()
    return migration.drop_statements(vendor), migration.create_statements(vendor)


@contextmanager
def audit_triggers_lifted(using: str = "default") -> Iterator[None]:
    """Inside the block the audit table accepts UPDATE and DELETE (to tamper on purpose)."""
    from django.db import connections

    db = connections[using]
    lift, restore = audit_trigger_statements(db.vendor)
    with db.cursor() as cursor:
        for statement in lift:
            cursor.execute(statement)
    try:
        yield
    finally:
        with db.cursor() as cursor:
            for statement in restore:
                cursor.execute(statement)


def inline_scripts(page: str) -> list[str]:
    """The ``<script>`` tags of ``page`` without a ``src``: code the Content-Security-Policy
    would refuse (scripts of the registry are static files, loaded by ``src``)."""
    return [tag for tag in re.findall(r"<script\b[^>]*>", page) if " src=" not in tag]


def zh(message: str, **params) -> str:
    """``message`` as a Chinese user reads it: the catalogue's translation, with ``params``."""
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    return text % params if params else text


def at_once(threads: int, work) -> list[str]:
    """Run ``work(number)`` in ``threads`` threads released together, each on its own database
    connection (closed when it ends); the errors they raised, as text (none: ``[]``)."""
    import threading

    from django.db import connections

    start = threading.Barrier(threads)
    errors: list[str] = []

    def run(number):
        try:
            start.wait()
            work(number)
        except Exception as error:  # noqa: BLE001 (handed to the caller)
            errors.append(repr(error))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors
