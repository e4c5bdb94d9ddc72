"""``manage.py rotate_keys``: every stored value, history included, ends under the keyring's
first key and reads the same; a run killed mid-way is finished by the next; a missing or wrong
key stops it before it writes anything; a rotation writes no history and one audit event."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from registry import crypto, rotation
from registry.audit import verify_chain
from registry.keyring import new_key_entry, new_keyring_document
from registry.models import AuditAction, AuditEvent, AuditOutcome
from registry.policy import Section
from tests.helpers import history_raw_values
from tests.test_plaintext import ISSUE_13
from tests.victims.conftest import RESCUE, person
from victims import operations
from victims.models import Case, HealthAssessment, Rescue, Victim

ROOT = Path(__file__).resolve().parents[2]


# --- keyrings ---------------------------------------------------------------------------------


def with_new_first_key(document: str) -> str:
    """The keyring ``document`` with a fresh key in front (what ``registry.keyring add`` does)."""
    data = json.loads(document)
    data["keys"].insert(0, new_key_entry("aes-256-gcm"))
    return json.dumps(data)


def only_first_key(document: str) -> str:
    """The keyring ``document`` once the old keys are retired."""
    data = json.loads(document)
    data["keys"] = data["keys"][:1]
    return json.dumps(data)


def first_key_id(document: str) -> str:
    return json.loads(document)["keys"][0]["id"]


# --- what the database stores -----------------------------------------------------------------


def stored_key_ids() -> Counter:
    """Values per key id over every encrypted column of every table (history included)."""
    tally: Counter = Counter()
    with connection.cursor() as cursor:
        for table in rotation.encrypted_tables():
            columns = ", ".join(connection.ops.quote_name(f.column) for f in table.fields)
            cursor.execute(f"SELECT {columns} FROM {connection.ops.quote_name(table.db_table)}")  # noqa: S608
            for row in cursor.fetchall():
                tally.update(crypto.key_id_of(value) for value in row if value is not None)
    return tally


def stored_tokens() -> dict:
    """The raw ciphertext of every encrypted column, by (table, primary key)."""
    tokens = {}
    with connection.cursor() as cursor:
        for table in rotation.encrypted_tables():
            columns = ", ".join(connection.ops.quote_name(f.column) for f in table.fields)
            pk = connection.ops.quote_name(table.pk_column)
            cursor.execute(f"SELECT {pk}, {columns} FROM {connection.ops.quote_name(table.db_table)}")  # noqa: S608
            for row_pk, *values in cursor.fetchall():
                tokens[(table.db_table, row_pk)] = tuple(values)
    return tokens


def decrypted_everything() -> dict:
    """Every encrypted value of every row of every table, read through the ORM (decrypting with
    the active keyring; a value it cannot open raises)."""
    values = {}
    for table in rotation.encrypted_tables():
        names = [f.name for f in table.fields]
        for row in table.model._base_manager.order_by("pk").values_list("pk", *names):
            values[(table.label, row[0])] = row[1:]
    return values


def history_rows() -> int:
    return sum(t.model._base_manager.count() for t in rotation.encrypted_tables() if "historical" in t.label)


def rotate_command(*args) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def registry_data(places, cast):
    """Three cases through the operations, with records and changes, so every table of the
    victim file holds ciphertext in its rows and its history rows."""
    cases = [
        operations.case_register(actor=cast.alice, victim=person(seed), jurisdiction=places.gulou, rescue=dict(RESCUE))
        for seed in (11, 12, 13)
    ]
    for case in cases:
        operations.record_add(
            actor=cast.alice,
            case=case,
            model="healthassessment",
            data={"assessed_on": case.opened_on, "assessor": "医务室", "physical": "良好", "needs": "心理辅导"},
        )
        household = operations.record_add(
            actor=cast.alice,
            case=case,
            model="household",
            data={"address": "云南省昆明市五华区某村", "notes": "原生家庭"},
        )
        operations.record_add(
            actor=cast.alice,
            case=case,
            model="familymember",
            data={"household": household, "relationship": "mother", "full_name": "王秀兰", "phone": "13800000000"},
        )
    operations.victim_update(
        actor=cast.alice,
        case=cases[0],
        expected_version=cases[0].version,
        section=Section.CONTACTS,
        changes={"phone": "13911112222"},
    )
    return cases


# --- a rotation -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rotation_leaves_every_value_history_included_under_the_new_key_reading_the_same(registry_data, settings):
    old_key = first_key_id(settings.REGISTRY_KEYRING)
    before = decrypted_everything()
    assert {label for label, _ in before} >= {"victims.victim", "victims.historicalvictim", "victims.historicalrescue"}
    assert set(stored_key_ids()) == {old_key}
    histories = history_rows()
    versions = list(Case.objects.order_by("pk").values_list("version", flat=True))

    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    new_key = first_key_id(settings.REGISTRY_KEYRING)
    output = rotate_command("--batch-size", "2")

    assert set(stored_key_ids()) == {new_key}, "a value is still under the old key"
    assert f"to key {new_key}" in output
    settings.REGISTRY_KEYRING = only_first_key(settings.REGISTRY_KEYRING)  # the old key retired
    assert decrypted_everything() == before  # every row readable without the old key, unchanged
    assert history_rows() == histories  # a re-encryption is not a change: no history row
    assert list(Case.objects.order_by("pk").values_list("version", flat=True)) == versions
    # Blind indexes were left alone and still find the person.
    victim = Victim.objects.get(pk=registry_data[1].victim_id)
    assert Victim.objects.blind_search("id_number_index", victim.id_number).get() == victim


@pytest.mark.django_db
def test_rotation_records_one_audit_event_with_counts_and_key_ids_only(registry_data, settings):
    old_key = first_key_id(settings.REGISTRY_KEYRING)
    values = sum(stored_key_ids().values())
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    rotate_command()
    event = AuditEvent.objects.filter(action=AuditAction.KEY_ROTATED).get()
    assert event.outcome == AuditOutcome.SUCCESS
    assert event.detail["to_key"] == first_key_id(settings.REGISTRY_KEYRING)
    assert event.detail["from_keys"] == [f"{old_key}:{values}"]
    assert event.detail["values"] == values and event.detail["rows"] > 0
    assert verify_chain().ok
    victim = registry_data[0].victim
    assert victim.full_name not in json.dumps(event.detail, ensure_ascii=False)


@pytest.mark.django_db
def test_a_second_run_writes_nothing(registry_data, settings):
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    rotate_command()
    tokens = stored_tokens()
    events = AuditEvent.objects.count()
    assert "nothing to rotate" in rotate_command()
    assert stored_tokens() == tokens
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_dry_run_counts_values_under_old_keys_and_writes_nothing(registry_data, settings):
    old_key = first_key_id(settings.REGISTRY_KEYRING)
    values = sum(stored_key_ids().values())
    tokens = stored_tokens()
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    output = rotate_command("--dry-run")
    assert f"{values:,} values under older keys: {values:,} under {old_key}" in output
    assert "victims.historicalvictim:" in output and "nothing written" in output
    assert stored_tokens() == tokens
    assert not AuditEvent.objects.filter(action=AuditAction.KEY_ROTATED).exists()
    victim = registry_data[0].victim
    assert victim.full_name not in output and victim.id_number not in output


# --- crash and resume -------------------------------------------------------------------------


class Killed(Exception):
    """Stands for the process dying after a batch has committed."""


@pytest.mark.django_db
def test_a_run_that_dies_mid_way_is_finished_by_the_next(registry_data, settings):
    before = decrypted_everything()
    old_key = first_key_id(settings.REGISTRY_KEYRING)
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    new_key = first_key_id(settings.REGISTRY_KEYRING)
    batches = []

    def die_after_third_batch(done):
        batches.append(done)
        if len(batches) == 3:
            raise Killed

    with pytest.raises(Killed):
        rotation.rotate(batch_size=2, after_batch=die_after_third_batch)
    halfway = stored_key_ids()
    assert halfway[new_key] == sum(batch.values for batch in batches) > 0
    assert halfway[old_key] > 0  # the run really stopped mid-way
    failure = AuditEvent.objects.get(action=AuditAction.KEY_ROTATED)
    assert failure.outcome == AuditOutcome.FAILURE and failure.detail["values"] == halfway[new_key]
    assert decrypted_everything() == before  # mixed keys, every row readable

    report = rotation.rotate(batch_size=2)
    assert report.values == halfway[old_key]  # only what was left
    assert set(stored_key_ids()) == {new_key}
    settings.REGISTRY_KEYRING = only_first_key(settings.REGISTRY_KEYRING)
    assert decrypted_everything() == before
    assert verify_chain().ok


KILLABLE_ROTATION = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from registry import rotation

    def report(done):
        sys.stdout.write(f"committed {done.table} {done.rows}\\n")
        sys.stdout.flush()
        time.sleep(0.05)  # leave the test time to kill the process between or inside batches

    rotation.rotate(batch_size=2, after_batch=report)
    sys.stdout.write("finished\\n")
    """
)


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_rotation_process_killed_outright_is_finished_by_the_next_run(registry_data, settings):
    before = decrypted_everything()
    old_key = first_key_id(settings.REGISTRY_KEYRING)
    keyring = with_new_first_key(settings.REGISTRY_KEYRING)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "REGISTRY_KEYRING": keyring,
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", KILLABLE_ROTATION],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        committed = [process.stdout.readline() for _ in range(3)]
        assert all(line.startswith("committed") for line in committed), process.stderr.read()
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    settings.REGISTRY_KEYRING = keyring
    new_key = first_key_id(keyring)
    halfway = stored_key_ids()
    assert halfway[new_key] > 0 and halfway[old_key] > 0, halfway  # killed mid-way
    assert decrypted_everything() == before

    rotate_command()
    assert set(stored_key_ids()) == {new_key}
    settings.REGISTRY_KEYRING = only_first_key(keyring)
    assert decrypted_everything() == before
    assert verify_chain().ok


# --- loud errors ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_missing_key_stops_the_rotation_before_it_writes_anything(registry_data, settings):
    old_key = first_key_id(settings.REGISTRY_KEYRING)
    tokens = stored_tokens()
    settings.REGISTRY_KEYRING = only_first_key(with_new_first_key(settings.REGISTRY_KEYRING))  # old key lost
    with pytest.raises(CommandError, match=rf"hold values under key '{old_key}', which the keyring lacks \(victims_"):
        rotate_command()
    with pytest.raises(CommandError, match="which the keyring lacks"):
        rotate_command("--dry-run")
    assert stored_tokens() == tokens
    assert not AuditEvent.objects.filter(action=AuditAction.KEY_ROTATED).exists()


@pytest.mark.django_db
def test_a_wrong_key_stops_the_rotation_before_it_writes_anything(registry_data, settings):
    tokens = stored_tokens()
    data = json.loads(with_new_first_key(settings.REGISTRY_KEYRING))
    data["keys"][1]["secret"] = new_key_entry("aes-256-gcm")["secret"]  # the old id, another secret
    settings.REGISTRY_KEYRING = json.dumps(data)
    with pytest.raises(CommandError, match="do not decrypt with the keyring's key of that id"):
        rotate_command()
    assert stored_tokens() == tokens


@pytest.mark.django_db
def test_a_wrong_current_key_is_caught_too(registry_data, settings):
    """Values already under the first key's id are probed as well: were its secret wrong, the
    rotation would mix two secrets under one id."""
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    rotate_command()
    data = json.loads(settings.REGISTRY_KEYRING)
    data["keys"][0]["secret"] = new_key_entry("aes-256-gcm")["secret"]
    settings.REGISTRY_KEYRING = json.dumps(data)
    with pytest.raises(CommandError, match="do not decrypt"):
        rotate_command()


@pytest.mark.django_db
def test_a_changed_blind_index_secret_stops_the_rotation(registry_data, settings):
    tokens = stored_tokens()
    data = json.loads(with_new_first_key(settings.REGISTRY_KEYRING))
    data["blind_index_secret"] = json.loads(new_keyring_document())["blind_index_secret"]
    settings.REGISTRY_KEYRING = json.dumps(data)
    with pytest.raises(CommandError, match="blind index .* another blind-index secret"):
        rotate_command()
    assert stored_tokens() == tokens


@pytest.mark.django_db
def test_a_value_that_is_not_ciphertext_stops_the_rotation(registry_data, settings):
    table = Victim._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "phone" = %s WHERE id = %s', ["plain", registry_data[0].victim_id])  # noqa: S608
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    with pytest.raises(CommandError, match=r"victims_victim\.phone: 1 value\(s\) are not ciphertext"):
        rotate_command()


def test_every_table_with_encrypted_columns_is_rotated_history_tables_included():
    labels = {table.label for table in rotation.encrypted_tables()}
    from django.apps import apps

    for model in apps.get_models():
        if any(isinstance(f, rotation.EncryptedField) for f in model._meta.concrete_fields):
            assert model._meta.label_lower in labels
    assert {"victims.victim", "victims.historicalvictim", "victims.case", "victims.historicalcase"} <= labels


def test_the_columns_encrypted_for_issue_13_are_rotated_with_their_history():
    columns = {(table.label, f.name) for table in rotation.encrypted_tables() for f in table.fields}
    for app, model_name, field_name in ISSUE_13:
        assert (f"{app}.{model_name}", field_name) in columns
        assert (f"{app}.historical{model_name}", field_name) in columns


@pytest.mark.django_db
def test_a_rotation_reseals_the_police_unit_and_the_assessor_history_included(registry_data, settings):
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    new_key = first_key_id(settings.REGISTRY_KEYRING)
    rotate_command()
    settings.REGISTRY_KEYRING = only_first_key(settings.REGISTRY_KEYRING)
    for model, field_name in ((Rescue, "police_unit"), (HealthAssessment, "assessor")):
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {connection.ops.quote_name(field_name)} FROM {table}")  # noqa: S608
            raw = [row[0] for row in cursor.fetchall()] + history_raw_values(model, field_name)
        assert len(raw) >= 6 and {crypto.key_id_of(token) for token in raw} == {new_key}, field_name
    assert {rescue.police_unit for rescue in Rescue.objects.all()} == {RESCUE["police_unit"]}
    assert {assessment.assessor for assessment in HealthAssessment.history.all()} == {"医务室"}
