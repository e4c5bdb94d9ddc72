"""The migrations that encrypt columns which used to hold plain text (issue 13): rows written by
the code before them, and their history rows, end up holding ciphertext that reads as the same
value; a second run changes nothing; reversed, the values are plain again; an empty database
migrates without a keyring.

Each test builds a scratch database of its own (a file on SQLite, a database on PostgreSQL),
migrates it to the state before the encryption, writes rows there through the models of that
state — as the old code stored them — and migrates on. The test database of the suite is never
migrated backwards: later migrations of other work may not be reversible.
"""

from __future__ import annotations

import datetime
import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from registry import crypto
from registry.encrypt_existing import EncryptExistingValues
from registry.keyring import active_keyring
from services.models import ReturnPlan
from tests.victims.conftest import RESCUE, person
from victims import operations
from victims.models import Rescue

SCRATCH = "encrypt_existing_scratch"
BEFORE = [("victims", "0002_division_codes"), ("services", "0002_returnplan_authors")]
AFTER = [
    ("victims", "0003_encrypt_unit_and_people_fields"),
    ("services", "0003_encrypt_grade_programme_job_units_visitor"),
]
DAY = datetime.date(2025, 3, 1)

# What the old code stored in clear: (app, model, field) -> a value per row. The empty string
# is a value too (a blank field): it must be sealed, or the encrypted field could not read it.
PLAIN = {
    ("victims", "rescue", "police_unit"): "福州市公安局鼓楼分局刑侦大队（虚构）",
    ("victims", "healthassessment", "assessor"): "福州市第一医院 张医生（虚构）",
    ("victims", "dnasample", "collected_by"): "鼓楼分局 李警官（虚构）",
    ("services", "schoolenrollment", "grade"): "五年级二班",
    ("services", "vocationaltraining", "programme"): "中式面点师（初级）",
    ("services", "employmentplacement", "job_title"): "面点学徒",
    ("services", "returnplan", "police_unit"): "福州市公安局出入境管理支队",
    ("services", "returnplan", "civil_affairs_unit"): "",
    ("services", "followupvisit", "visitor"): "福州市救助管理站社工 王某（虚构）",
}


@contextmanager
def scratch_database() -> Iterator:
    """A connection to a new, empty database of the suite's engine, removed afterwards."""
    default = connections["default"]
    base = default.settings_dict
    if default.vendor == "sqlite":
        name = str(Path(base["NAME"]).with_name(f"{SCRATCH}-{os.getpid()}.sqlite3"))
    else:
        name = f"{base['NAME']}_encmig"[:63]
        with default.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    connections.settings[SCRATCH] = {**base, "NAME": name}
    try:
        scratch = connections[SCRATCH]
        # Connected here, directly: the test case's guard refuses to open a connection to an
        # alias it was not told about, and this one is made and dropped inside the test.
        scratch.connect()
        yield scratch
    finally:
        connections[SCRATCH].close()
        del connections[SCRATCH]
        del connections.settings[SCRATCH]
        if default.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(name + suffix).unlink(missing_ok=True)
        else:
            with default.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def migrate(connection, targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh one sees what is applied now


def write_old_rows(connection, apps) -> None:
    """One row of each model in ``PLAIN`` and one history row of each, through the models of the
    state before the encryption (the plain ``CharField`` columns the old code wrote)."""
    db = connection.alias

    def model(app, name):
        return apps.get_model(app, name)

    county = model("registry", "Jurisdiction").objects.using(db).create(code="350102", name="鼓楼区", level="county")
    office = (
        model("registry", "Organization")
        .objects.using(db)
        .create(name="鼓楼区民政局", department="civil_affairs", kind="bureau", jurisdiction=county)
    )
    user = (
        model("registry", "User")
        .objects.using(db)
        .create(username="old_caseworker", role="caseworker", organization=office, jurisdiction=county)
    )
    victim = (
        model("victims", "Victim")
        .objects.using(db)
        .create(full_name="林某（虚构）", sex="female", document_type="none")
    )
    case = model("victims", "Case").objects.using(db).create(
        number="FJ-350102-2025-00001", victim=victim, jurisdiction=county, lead_organization=office, opened_on=DAY,
        created_by=user,
    )  # fmt: skip
    required = {
        "rescue": {"rescued_on": DAY, "place": "某地（虚构）", "exploitation": "labour"},
        "healthassessment": {"assessed_on": DAY},
        "dnasample": {"collected_on": DAY},
        "schoolenrollment": {"school": "某小学（虚构）", "started_on": DAY},
        "vocationaltraining": {"provider": "某培训学校（虚构）", "started_on": DAY},
        "employmentplacement": {"employer": "某食品厂（虚构）", "started_on": DAY},
        "returnplan": {"pathway": "local_resettlement", "destination_code": "350102", "planned_on": DAY,
                       "created_by": user},
        "followupvisit": {"due_on": DAY},
    }  # fmt: skip
    for (app, name), values in _rows_by_model().items():
        row = model(app, name).objects.using(db).create(case=case, **required[name], **values)
        history = model(app, f"historical{name}")
        copied = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields if f.attname in values}
        history.objects.using(db).create(
            id=row.pk, uuid=row.uuid, version=1, created_at=row.created_at, case_id=case.pk, **required[name],
            **copied, history_date=timezone.now(), history_type="+", history_change_reason="written before issue 13",
        )  # fmt: skip


def _rows_by_model() -> dict[tuple[str, str], dict[str, str]]:
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for (app, name, field), value in PLAIN.items():
        rows.setdefault((app, name), {})[field] = value
    return rows


def stored(connection, app: str, name: str, field: str) -> list[str]:
    """The raw text of ``field`` in the model's table and in its history table."""
    values = []
    with connection.cursor() as cursor:
        for table in (f"{app}_{name}", f"{app}_historical{name}"):
            cursor.execute(f"SELECT {connection.ops.quote_name(field)} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            values += [row[0] for row in cursor.fetchall()]
    return values


def run_data_operations(connection, state) -> None:
    """Run the data half of the encryption migrations again, over ``state``'s models."""
    for app, migration_name in AFTER:
        module = importlib.import_module(f"{app}.migrations.{migration_name}")
        with connection.schema_editor() as editor:
            for operation in module.Migration.operations:
                if isinstance(operation, EncryptExistingValues):
                    operation.database_forwards(app, editor, state, state)


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_what_the_old_code_stored_history_included_and_reverse():
    with scratch_database() as connection:
        executor = migrate(connection, BEFORE)
        write_old_rows(connection, executor.loader.project_state(BEFORE).apps)
        for (app, name, field), value in PLAIN.items():
            assert stored(connection, app, name, field) == [value, value]  # in clear, as before issue 13

        executor = migrate(connection, AFTER)
        tokens = {}
        for (app, name, field), value in PLAIN.items():
            raw = stored(connection, app, name, field)
            assert all(token.startswith("e1$") for token in raw), (name, field, raw)
            label = f"{app}.{name}.{field}"
            opened = [crypto.decrypt(token, column=label, keyring=active_keyring()).decode() for token in raw]
            assert opened == [value, value], label
            tokens[label] = raw
        # The application's fields read them as what they wrote themselves, history included.
        for model, key in ((Rescue, ("victims", "rescue", "police_unit")),
                           (ReturnPlan, ("services", "returnplan", "civil_affairs_unit"))):  # fmt: skip
            for reader in (model._meta.get_field(key[2]), model.history.model._meta.get_field(key[2])):
                assert {reader.from_db_value(token, None, connection) for token in stored(connection, *key)} == {
                    PLAIN[key]
                }

        # Idempotent: run again over ciphertext, they change nothing.
        run_data_operations(connection, executor.loader.project_state(AFTER))
        for (app, name, field), _value in PLAIN.items():
            assert stored(connection, app, name, field) == tokens[f"{app}.{name}.{field}"]

        # Reversed, the plain columns the code before expects hold the values again.
        migrate(connection, BEFORE)
        for (app, name, field), value in PLAIN.items():
            assert stored(connection, app, name, field) == [value, value]


@pytest.mark.django_db(transaction=True)
def test_rows_written_by_the_application_are_left_alone_and_need_no_keyring(places, cast, settings):
    operations.case_register(actor=cast.alice, victim=person(1), jurisdiction=places.gulou, rescue=dict(RESCUE))
    connection = connections["default"]
    before = stored(connection, "victims", "rescue", "police_unit")
    assert len(before) == 2 and all(token.startswith("e1$") for token in before)
    settings.REGISTRY_KEYRING = ""
    settings.REGISTRY_KEYRING_FILE = "/nonexistent/keyring.json"
    run_data_operations(connection, MigrationExecutor(connection).loader.project_state(AFTER))
    assert stored(connection, "victims", "rescue", "police_unit") == before


def test_the_operation_names_itself_for_the_migration_writer():
    operation = EncryptExistingValues(model_name="ReturnPlan", fields=["police_unit", "civil_affairs_unit"])
    assert operation.deconstruct() == (
        "EncryptExistingValues",
        [],
        {"model_name": "returnplan", "fields": ["police_unit", "civil_affairs_unit"]},
    )
    assert operation.reversible
