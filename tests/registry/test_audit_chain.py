"""The audit log itself: what an event records, the hash chain, append-only triggers,
``verify_audit`` naming the first broken row, concurrent writers, SHA-256 / SM3."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import RequestFactory, override_settings

from registry.audit import AuditAction, AuditOutcome, canonical_form, chain_hash, genesis_of, record_event, verify_chain
from registry.audit.chain import CHAINED_FIELDS, canonical_sql, hasher
from registry.models import AuditEvent, AuditLogImmutableError
from tests.factories import UserFactory
from tests.helpers import at_once, audit_triggers_lifted

TABLE = AuditEvent._meta.db_table


def verify(*args) -> tuple[bool, str]:
    """Run ``verify_audit``: (passed, its output or error)."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_audit", *args, stdout=out)
    except CommandError as error:
        return False, str(error)
    return True, out.getvalue()


def some_events(cast, count=5) -> list[AuditEvent]:
    return [
        record_event(action=AuditAction.CASE_VIEWED, actor=cast.alice, case_uuid=uuid.uuid4(), sections=["person"])
        for _ in range(count)
    ]


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- What an event records ---------------------------------------------------------------


@pytest.mark.django_db
def test_an_event_copies_who_where_and_what_from_actor_and_request(cast):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="203.0.113.9", HTTP_X_REQUEST_ID="0" * 8 + "-1111-4222-8333-" + "4" * 12
    )
    request.user = cast.alice
    case = uuid.uuid4()

    event = record_event(action=AuditAction.CASE_VIEWED, request=request, case_uuid=case, sections=["person", "health"])

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.actor_uuid, stored.actor_username) == (cast.alice, cast.alice.uuid, "alice")
    assert (stored.role, stored.organization_ref, stored.organization_name) == (
        "caseworker",
        cast.alice.organization_id,
        "福州市救助管理站",
    )
    assert (stored.action, stored.outcome, stored.case_uuid) == ("case_viewed", "success", case)
    assert stored.sections == ["person", "health"]
    assert stored.ip_address == "203.0.113.9"
    assert stored.request_id == "00000000-1111-4222-8333-444444444444"
    assert stored.occurred_at.utcoffset().total_seconds() == 0


@pytest.mark.django_db
def test_events_of_one_request_share_its_generated_request_id_and_a_smuggled_one_is_replaced(cast):
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="王小梅 350102201001011234")
    request.user = cast.alice
    first = record_event(action=AuditAction.CASE_LISTED, request=request)
    second = record_event(action=AuditAction.CASE_VIEWED, request=request)
    assert first.request_id == second.request_id
    assert len(first.request_id) == 32 and "350102" not in first.request_id


@pytest.mark.django_db
def test_an_anonymous_event_has_no_actor(db):
    event = record_event(action=AuditAction.LOGIN_FAILED, outcome=AuditOutcome.FAILURE)
    assert (event.actor, event.actor_username, event.role, event.organization_ref) == (None, "", "", None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": "made_up"}, "made_up"),
        ({"action": AuditAction.LOGIN, "outcome": "maybe"}, "maybe"),
        ({"action": AuditAction.CASE_VIEWED, "sections": ["kidneys"]}, "kidneys"),
        ({"action": AuditAction.LOGIN, "detail": {"Name": "x"}}, "snake_case"),
        ({"action": AuditAction.LOGIN, "detail": {"note": "x" * 201}}, "200 characters"),
        ({"action": AuditAction.LOGIN, "detail": {"ratio": 0.5}}, "float"),
        ({"action": AuditAction.LOGIN, "detail": {"a": {"b": {"c": {}}}}}, "unsupported"),
    ],
)
def test_record_event_refuses_unknown_values_and_a_detail_that_is_not_a_small_note(db, kwargs, message):
    with pytest.raises(ValueError, match=message):
        record_event(**kwargs)
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_event_rolls_back_with_the_transaction_it_describes(cast):
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(action=AuditAction.RECORD_CREATED, actor=cast.alice)
        raise RuntimeError("the operation failed after writing its event")
    assert not AuditEvent.objects.exists()
    event = record_event(action=AuditAction.LOGIN, actor=cast.alice)
    assert event.prev_hash == genesis_of(event.partition)


# --- The chain -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_event_chains_from_the_previous_one(cast):
    events = some_events(cast, 3)
    rows = list(AuditEvent.objects.order_by("id").values())
    assert rows[0]["prev_hash"] == genesis_of(rows[0]["partition"])
    assert [row["prev_hash"] for row in rows[1:]] == [row["hash"] for row in rows[:-1]]
    for row in rows:
        assert row["hash"] == chain_hash(row["prev_hash"], row)
    assert [event.hash for event in events] == [row["hash"] for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"actor_username": 'quo"te\\back\nline\ttab\x01\x1f\x7f', "organization_name": "福州 𝕏 emoji 🙂"},
        {"detail": {"z": [1, "二"], "a": {"b": None, "c": True}}, "sections": ["person", "dna"]},
        {"ip_address": "2001:db8::1", "case_uuid": None, "actor_uuid": None, "organization_ref": None},
        {"occurred_at": datetime(2026, 3, 1, 8, 0, 0, 0, tzinfo=UTC)},
        {"occurred_at": datetime(2026, 3, 1, 8, 0, 0, 500, tzinfo=UTC)},
    ],
)
def test_the_database_computes_the_same_canonical_text_as_python(cast, variant):
    """verify_audit hashes the canonical text the database builds in SQL; it must be exactly the
    text record_event hashed in Python, for every kind of value, on both databases."""
    event = record_event(action=AuditAction.CASE_VIEWED, actor=cast.alice, case_uuid=uuid.uuid4())
    values = {name: getattr(event, name) for name in (*CHAINED_FIELDS, "partition")} | variant
    with audit_triggers_lifted():
        AuditEvent._base_manager.filter(pk=event.pk).update(**{k: v for k, v in variant.items()})
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {canonical_sql(connection.vendor)} FROM {TABLE} WHERE id = %s", [event.pk])  # noqa: S608
        computed = cursor.fetchone()[0]
    assert computed == canonical_form(values)


@pytest.mark.django_db
def test_verify_audit_passes_an_intact_chain_and_reports_count_speed_and_head(cast):
    events = some_events(cast, 7)
    passed, output = verify("--batch-size", "3")
    assert passed, output
    assert "checked 7 events in 1 chains" in output and "events per second" in output
    assert f"latest event id {events[-1].pk}" in output


@pytest.mark.django_db
def test_verify_audit_on_an_empty_log_passes(db):
    passed, output = verify()
    assert passed and "empty" in output


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("organization_name", "另一个机构"),
        ("actor_username", "mallory"),
        ("action", "login"),
        ("outcome", "denied"),
        ("sections", '["person","identity","health"]'),
        ("detail", '{"count":0}'),
        ("case_uuid", uuid.UUID(int=7).hex),
        ("occurred_at", "2020-01-01 00:00:00"),
        ("ip_address", "198.51.100.1"),
    ],
)
def test_a_changed_event_breaks_the_chain_at_that_event(cast, column, value):
    events = some_events(cast, 5)
    target = events[2]
    if column == "occurred_at":
        value = datetime(2020, 1, 1, tzinfo=UTC)
    elif column == "case_uuid":
        value = uuid.UUID(value)
    with audit_triggers_lifted():
        AuditEvent._base_manager.filter(pk=target.pk).update(**{column: value}) if column in {
            "occurred_at",
            "case_uuid",
        } else raw(f'UPDATE {TABLE} SET "{column}" = %s WHERE id = %s', [value, target.pk])  # noqa: S608

    passed, message = verify("--batch-size", "2")
    assert not passed
    assert f"event id {target.pk} " in message and "changed" in message
    assert AuditEvent.objects.get(pk=target.pk).occurred_at.isoformat() in message


@pytest.mark.django_db
def test_a_changed_event_whose_hash_was_recomputed_breaks_the_chain_at_the_next_event(cast):
    events = some_events(cast, 4)
    target = events[1]
    values = {name: getattr(target, name) for name in (*CHAINED_FIELDS, "partition")} | {"organization_name": "forged"}
    forged_hash = chain_hash(target.prev_hash, values)
    with audit_triggers_lifted():
        raw(f"UPDATE {TABLE} SET organization_name = %s, hash = %s WHERE id = %s", ["forged", forged_hash, target.pk])  # noqa: S608
    passed, message = verify()
    assert not passed and f"event id {events[2].pk} " in message and "removed or moved" in message


@pytest.mark.django_db
def test_a_deleted_event_breaks_the_chain_at_the_event_after_it(cast):
    events = some_events(cast, 5)
    with audit_triggers_lifted():
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [events[1].pk])  # noqa: S608
    passed, message = verify()
    assert not passed and f"event id {events[2].pk} " in message and "removed or moved" in message


@pytest.mark.django_db
def test_two_swapped_events_break_the_chain_at_the_first_of_them(cast):
    events = some_events(cast, 5)
    first, second = (AuditEvent.objects.filter(pk=e.pk).values().get() for e in events[1:3])
    columns = [name for name in first if name != "id"]
    placeholder = {name: first[name] for name in columns} | {
        "uuid": uuid.uuid4(),
        "prev_hash": "p" * 64,
        "hash": "h" * 64,
    }
    with audit_triggers_lifted():
        AuditEvent._base_manager.filter(pk=first["id"]).update(**placeholder)
        AuditEvent._base_manager.filter(pk=second["id"]).update(**{name: first[name] for name in columns})
        AuditEvent._base_manager.filter(pk=first["id"]).update(**{name: second[name] for name in columns})
    passed, message = verify()
    assert not passed and f"event id {first['id']} " in message


@pytest.mark.django_db
def test_events_cut_off_the_end_are_caught_by_the_head_of_their_chain(cast):
    events = some_events(cast, 5)
    with audit_triggers_lifted():
        raw(f"DELETE FROM {TABLE} WHERE id >= %s", [events[3].pk])  # noqa: S608
    passed, message = verify()
    assert not passed and f"head of chain '{events[0].partition}'" in message and "cut off" in message


@pytest.mark.django_db
def test_verify_audit_fails_when_an_append_only_trigger_is_missing(cast):
    some_events(cast, 2)
    from tests.helpers import audit_trigger_statements

    lift, _ = audit_trigger_statements(connection.vendor)
    raw(lift[0])
    passed, message = verify()
    assert not passed and "trigger" in message and "missing" in message


@pytest.mark.django_db(transaction=True)
def test_verify_audit_exits_non_zero_from_the_command_line(cast, capsys):
    events = some_events(cast, 3)
    with audit_triggers_lifted():
        raw(f"UPDATE {TABLE} SET role = 'auditor' WHERE id = %s", [events[0].pk])  # noqa: S608
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "verify_audit"])
    assert exit_info.value.code != 0
    assert f"event id {events[0].pk} " in capsys.readouterr().err


# --- Append-only -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET organization_name = 'changed'",  # noqa: S608
        f"UPDATE {TABLE} SET hash = hash",  # noqa: S608
        f"UPDATE {TABLE} SET actor_id = NULL, role = 'auditor'",  # noqa: S608
        f"UPDATE {TABLE} SET actor_id = NULL, \"partition\" = 'org-0'",  # noqa: S608
        f"DELETE FROM {TABLE}",  # noqa: S608
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(cast, sql):
    some_events(cast, 2)
    before = list(AuditEvent.objects.values_list("id", "hash", "role", "organization_name"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql)
    assert list(AuditEvent.objects.values_list("id", "hash", "role", "organization_name")) == before


@pytest.mark.django_db
def test_the_database_refuses_to_point_an_event_at_another_actor(cast):
    (event,) = some_events(cast, 1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(f"UPDATE {TABLE} SET actor_id = %s WHERE id = %s", [cast.grace.pk, event.pk])  # noqa: S608
    assert AuditEvent.objects.get(pk=event.pk).actor == cast.alice


@pytest.mark.django_db
def test_the_database_refuses_to_empty_the_audit_log_at_once(cast):
    """PostgreSQL's TRUNCATE skips row triggers, so a statement trigger refuses it; SQLite has
    no TRUNCATE, its truncate optimisation of an unqualified DELETE is off while triggers exist."""
    some_events(cast, 2)
    if connection.vendor == "postgresql":
        raw("SET CONSTRAINTS ALL IMMEDIATE")  # run the pending foreign-key checks of the inserts first
        statement = f"TRUNCATE {TABLE}"
    else:
        statement = f"DELETE FROM {TABLE}"  # noqa: S608
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(statement)
    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db
def test_the_orm_refuses_to_change_or_delete_events(cast):
    (event,) = some_events(cast, 1)
    refusals = [
        lambda: AuditEvent.objects.update(role="auditor"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["role"]),
        lambda: AuditEvent.objects.bulk_create([AuditEvent()]),
        lambda: AuditEvent.objects.get(pk=event.pk).save(),
        lambda: AuditEvent.objects.get(pk=event.pk).delete(),
        lambda: AuditEvent(action="login", outcome="success", prev_hash="x", hash="y").save(),
    ]
    for refusal in refusals:
        with pytest.raises(AuditLogImmutableError):
            refusal()
    assert AuditEvent.objects.count() == 1 and verify()[0]


@pytest.mark.django_db
def test_deleting_an_account_keeps_its_events_and_the_chain(cast):
    leaver = UserFactory(username="leaver", organization=cast.alice.organization)
    record_event(action=AuditAction.LOGIN, actor=leaver)
    record_event(action=AuditAction.LOGOUT, actor=leaver)
    leaver_uuid = leaver.uuid

    leaver.delete()

    events = AuditEvent.objects.filter(actor_username="leaver")
    assert events.count() == 2
    assert {(e.actor_id, e.actor_uuid) for e in events} == {(None, leaver_uuid)}
    assert verify()[0]


# --- Concurrent writers ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_unbroken_chain(cast):
    """Eight threads, each with its own database connection, append 25 events each at once."""
    threads, per_thread = 8, 25

    def write(number):
        for _ in range(per_thread):
            record_event(action=AuditAction.CASE_VIEWED, actor=cast.alice, detail={"writer": number})

    errors = at_once(threads, write)
    assert errors == []
    assert AuditEvent.objects.count() == threads * per_thread
    assert AuditEvent.objects.values("prev_hash").distinct().count() == threads * per_thread
    report = verify_chain()
    assert report.ok and report.checked == threads * per_thread
    times = list(AuditEvent.objects.order_by("id").values_list("occurred_at", flat=True))
    assert times == sorted(times)


@pytest.mark.django_db
def test_a_fork_of_the_chain_is_refused_by_the_database(cast):
    (event,) = some_events(cast, 1)
    values = {name: getattr(event, name) for name in CHAINED_FIELDS} | {"uuid": uuid.uuid4()}
    fork = AuditEvent(**values, prev_hash=event.prev_hash, hash=chain_hash(event.prev_hash, values))
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent._base_manager.bulk_create([fork])


# --- Digest ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sm3_can_be_chosen_for_the_chain(cast):
    with override_settings(REGISTRY_AUDIT_HASH="sm3"):
        events = some_events(cast, 3)
        assert verify()[0]
    row = AuditEvent.objects.filter(pk=events[1].pk).values().get()
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update((row["prev_hash"] + canonical_form(row)).encode())
    assert row["hash"] == sm3.finalize().hex()
    assert row["hash"] != chain_hash(row["prev_hash"], row, digest=hasher("sha256"))
    passed, message = verify("--hash", "sha256")
    assert not passed and f"event id {events[0].pk} " in message
    assert verify("--hash", "sm3")[0]


@pytest.mark.django_db
def test_sha256_is_the_default_digest(cast):
    import hashlib

    (event,) = some_events(cast, 1)
    row = AuditEvent.objects.filter(pk=event.pk).values().get()
    assert row["hash"] == hashlib.sha256((genesis_of(event.partition) + canonical_form(row)).encode()).hexdigest()


def test_an_unknown_digest_is_refused_at_start_up(monkeypatch):
    from tests.registry.test_settings import load_settings

    result = load_settings(
        {"REGISTRY_MODE": "dev", "SECRET_KEY": "x" * 50, "REGISTRY_KEYRING": _keyring(), "REGISTRY_AUDIT_HASH": "md5"}
    )
    assert result.returncode != 0 and "REGISTRY_AUDIT_HASH" in result.stderr


def _keyring() -> str:
    from registry.keyring import new_keyring_document

    return new_keyring_document()
