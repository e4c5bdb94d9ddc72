"""The audit chain in partitions (issue 19): one chain per organization, each with its own head,
all pinned by chained checkpoints; ``verify_audit`` checks every chain, the heads and the
checkpoints, and names the first broken event or checkpoint. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from registry.audit import AuditAction, chain_hash, checkpoint_record, genesis_of, record_event, verify_chain
from registry.audit.chain import CHAINED_FIELDS, GENESIS
from registry.choices import Role
from registry.models import AuditChainHead, AuditCheckpoint, AuditEvent
from tests.factories import UserFactory
from tests.helpers import at_once, audit_triggers_lifted
from tests.registry.test_audit_chain import raw, verify

EVENTS = AuditEvent._meta.db_table
CHECKPOINTS = AuditCheckpoint._meta.db_table


def interleaved(cast, rounds=3) -> list[AuditEvent]:
    """Events of Fuzhou's shelter, Xiamen's shelter and the provincial office, taking turns."""
    return [
        record_event(action=AuditAction.CASE_VIEWED, actor=actor, case_uuid=uuid.uuid4(), sections=["person"])
        for _ in range(rounds)
        for actor in (cast.alice, cast.carol, cast.grace)
    ]


@pytest.mark.django_db
def test_each_organization_writes_a_chain_of_its_own_from_its_own_genesis(cast):
    events = interleaved(cast)
    partitions = {event.partition for event in events}
    assert partitions == {f"org-{user.organization_id}" for user in (cast.alice, cast.carol, cast.grace)}
    for partition in partitions:
        chain = [event for event in events if event.partition == partition]
        assert chain[0].prev_hash == genesis_of(partition) != GENESIS
        assert [event.prev_hash for event in chain[1:]] == [event.hash for event in chain[:-1]]
        head = AuditChainHead.objects.get(partition=partition)
        assert (head.last_event_id, head.hash) == (chain[-1].pk, chain[-1].hash)
    anonymous = record_event(action=AuditAction.LOGIN_FAILED, outcome="failure")
    assert anonymous.partition == "anonymous"
    without_organization = UserFactory(username="province_auditor", role=Role.AUDITOR, organization=None)
    assert record_event(action=AuditAction.LOGIN, actor=without_organization).partition == "staff"
    report = verify_chain()
    assert report.ok and report.checked == len(events) + 2 and report.partitions == 5


@pytest.mark.django_db
def test_an_event_moved_to_another_partition_is_named(cast):
    events = interleaved(cast)
    moved = events[3]  # Fuzhou's second event
    with audit_triggers_lifted():
        raw(f'UPDATE {EVENTS} SET "partition" = %s WHERE id = %s', [events[4].partition, moved.pk])  # noqa: S608
    passed, message = verify()
    assert not passed and f"event id {moved.pk} " in message and "removed or moved" in message


@pytest.mark.django_db
def test_an_event_moved_with_its_hash_recomputed_still_breaks_its_old_chain(cast):
    """Moved to Xiamen's chain and re-hashed as if it had always been there: Fuzhou's next event
    no longer finds the event before it."""
    events = interleaved(cast)
    moved, xiamen_before, fuzhou_after = events[3], events[1], events[6]
    values = {name: getattr(moved, name) for name in CHAINED_FIELDS} | {"partition": xiamen_before.partition}
    forged = chain_hash(xiamen_before.hash, values)
    with audit_triggers_lifted():
        raw(
            f'UPDATE {EVENTS} SET "partition" = %s, prev_hash = %s, hash = %s WHERE id = %s',  # noqa: S608
            [xiamen_before.partition, "x" * 64, forged, moved.pk],
        )
    report = verify_chain()
    assert not report.ok and report.broken.id in {moved.pk, fuzhou_after.pk}
    assert "removed or moved" in report.broken.reason


@pytest.mark.django_db
def test_a_rewritten_chain_end_is_caught_by_the_checkpoint_that_recorded_it(cast):
    """Fuzhou's last event changed, its hash recomputed and the head moved to match: the chain and
    the head agree, but the checkpoint taken before still names the old hash."""
    events = interleaved(cast)
    checkpoint_record()
    target = events[6]  # Fuzhou's last event
    values = {name: getattr(target, name) for name in (*CHAINED_FIELDS, "partition")} | {"role": "auditor"}
    forged = chain_hash(target.prev_hash, values)
    with audit_triggers_lifted():
        raw(f"UPDATE {EVENTS} SET role = 'auditor', hash = %s WHERE id = %s", [forged, target.pk])  # noqa: S608
    AuditChainHead.objects.filter(partition=target.partition).update(hash=forged)
    passed, message = verify()
    assert not passed and f"event id {target.pk} " in message and "checkpoint #" in message


@pytest.mark.django_db
def test_events_cut_off_a_chain_and_its_head_moved_back_are_caught_by_a_checkpoint(cast):
    events = interleaved(cast)
    checkpoint = checkpoint_record()
    cut = events[7]  # Xiamen's last event
    with audit_triggers_lifted():
        raw(f"DELETE FROM {EVENTS} WHERE id = %s", [cut.pk])  # noqa: S608
    AuditChainHead.objects.filter(partition=cut.partition).update(hash=events[4].hash, last_event_id=events[4].pk)
    passed, message = verify()
    assert not passed and f"checkpoint #{checkpoint.pk} " in message and f"event id {cut.pk} " in message


@pytest.mark.django_db
def test_a_changed_head_is_named(cast):
    events = interleaved(cast, rounds=2)
    AuditChainHead.objects.filter(partition=events[0].partition).update(hash="f" * 64)
    passed, message = verify()
    assert not passed and f"head of chain '{events[0].partition}'" in message


@pytest.mark.django_db
def test_checkpoints_chain_and_a_removed_or_changed_checkpoint_is_named(cast):
    interleaved(cast, rounds=1)
    first = checkpoint_record()
    record_event(action=AuditAction.LOGIN, actor=cast.alice)
    second = checkpoint_record()
    record_event(action=AuditAction.LOGIN, actor=cast.carol)
    third = checkpoint_record()
    assert (first.prev_hash, second.prev_hash, third.prev_hash) == (GENESIS, first.hash, second.hash)
    assert set(second.heads) == {f"org-{user.organization_id}" for user in (cast.alice, cast.carol, cast.grace)}
    passed, output = verify()
    assert passed and f"checkpoint #{third.pk} hash {third.hash}" in output

    with audit_triggers_lifted():
        raw(f"DELETE FROM {CHECKPOINTS} WHERE id = %s", [second.pk])  # noqa: S608
    passed, message = verify()
    assert not passed and f"checkpoint #{third.pk} " in message and "removed" in message


@pytest.mark.django_db
def test_a_changed_checkpoint_is_named(cast):
    interleaved(cast, rounds=1)
    checkpoint = checkpoint_record()
    with audit_triggers_lifted():
        raw(f"UPDATE {CHECKPOINTS} SET heads = %s WHERE id = %s", ["{}", checkpoint.pk])  # noqa: S608
    passed, message = verify()
    assert not passed and f"checkpoint #{checkpoint.pk} " in message and "changed" in message


@pytest.mark.django_db
def test_the_last_checkpoint_removed_is_caught_by_its_hash_kept_as_an_anchor(cast):
    interleaved(cast, rounds=1)
    checkpoint_record()
    passed, output = verify("--checkpoint")
    latest = AuditCheckpoint.objects.order_by("-id").first()
    assert passed and f"recorded checkpoint #{latest.pk} hash {latest.hash}" in output
    with audit_triggers_lifted():
        raw(f"DELETE FROM {CHECKPOINTS} WHERE id = %s", [latest.pk])  # noqa: S608
    assert verify()[0]  # the checkpoints' own end shows only against a hash kept elsewhere…
    passed, message = verify("--anchor", latest.hash)
    assert not passed and latest.hash in message  # …which the anchor is


@pytest.mark.django_db
def test_the_database_refuses_to_change_or_delete_a_checkpoint(cast):
    from django.db import DatabaseError, transaction

    interleaved(cast, rounds=1)
    checkpoint = checkpoint_record()
    for sql in (f"UPDATE {CHECKPOINTS} SET heads = '{{}}'", f"DELETE FROM {CHECKPOINTS}"):  # noqa: S608
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw(sql)
    assert AuditCheckpoint.objects.get().hash == checkpoint.hash


@pytest.mark.django_db
def test_events_from_before_partitions_keep_their_chain_beside_the_new_ones(cast):
    """Events written before the migration have partition "" and the old canonical form."""
    prev = GENESIS
    legacy = []
    for number in range(3):
        values = {name: None for name in CHAINED_FIELDS} | {
            "uuid": uuid.uuid4(),
            "occurred_at": datetime(2026, 11, 1, tzinfo=UTC) + timedelta(seconds=number),
            "actor_username": "alice",
            "role": "caseworker",
            "organization_name": "福州市救助管理站",
            "action": "case_viewed",
            "sections": ["person"],
            "request_id": "",
            "ip_address": "",
            "outcome": "success",
            "detail": {},
        }
        event = AuditEvent(**values, partition="", prev_hash=prev, hash=chain_hash(prev, values))
        legacy.append(event)
        prev = event.hash
    AuditEvent._base_manager.bulk_create(legacy)  # as the events were before: a test shortcut
    last = AuditEvent.objects.order_by("-id").first()
    AuditChainHead.objects.create(partition="", last_event_id=last.pk, hash=last.hash)
    new = interleaved(cast, rounds=1)
    assert "" not in {event.partition for event in new}
    report = verify_chain()
    assert report.ok and report.checked == 6 and report.partitions == 4


def chained_after(event: AuditEvent, number: int) -> AuditEvent:
    """An event of ``event``'s chain, chained after it, as ``record_event`` would write it."""
    values = {name: getattr(event, name) for name in CHAINED_FIELDS} | {
        "uuid": uuid.uuid4(),
        "occurred_at": event.occurred_at + timedelta(seconds=number),
        "partition": event.partition,
    }
    return AuditEvent(**values, prev_hash=event.hash, hash=chain_hash(event.hash, values))


@pytest.mark.django_db
def test_the_database_moves_a_chains_head_with_every_event_inserted(cast):
    """The head moves in the insert's own statement (migration 0009): after ``record_event``;
    after events of two chains inserted by one statement, to the last of each; and not for an
    event of the chain from before partitions."""
    alice, carol = (
        record_event(action=AuditAction.CASE_VIEWED, actor=actor, case_uuid=uuid.uuid4())
        for actor in (cast.alice, cast.carol)
    )
    head = AuditChainHead.objects.get(partition=alice.partition)
    assert (head.last_event_id, head.hash) == (alice.pk, alice.hash)

    second = chained_after(alice, 1)
    third = chained_after(second, 2)
    carols = chained_after(carol, 1)
    inserted = AuditEvent._base_manager.bulk_create([second, carols, third])  # one INSERT: a test shortcut
    assert len({event.pk for event in inserted}) == 3
    heads = dict(AuditChainHead.objects.values_list("partition", "hash"))
    assert (heads[alice.partition], heads[carol.partition]) == (third.hash, carols.hash)
    assert AuditChainHead.objects.get(partition=alice.partition).last_event_id == third.pk

    before = AuditChainHead.objects.create(partition="", last_event_id=None, hash=GENESIS)
    values = {name: getattr(alice, name) for name in CHAINED_FIELDS} | {"uuid": uuid.uuid4()}
    AuditEvent._base_manager.bulk_create(
        [AuditEvent(**values, partition="", prev_hash=GENESIS, hash=chain_hash(GENESIS, values))]
    )
    before.refresh_from_db()
    assert (before.last_event_id, before.hash) == (None, GENESIS)
    assert dict(AuditChainHead.objects.values_list("partition", "hash")) == {**heads, "": GENESIS}


@pytest.mark.django_db
def test_a_head_only_moves_forward(cast):
    """An event inserted with an id below its head's (a batch of explicit ids out of order)
    leaves the head where it was."""
    alice = record_event(action=AuditAction.CASE_VIEWED, actor=cast.alice, case_uuid=uuid.uuid4())
    below = chained_after(alice, 1)
    below.id = -1
    AuditEvent._base_manager.bulk_create([below])
    head = AuditChainHead.objects.get(partition=alice.partition)
    assert (head.last_event_id, head.hash) == (alice.pk, alice.hash)


@pytest.mark.django_db
def test_a_head_left_behind_by_a_missing_trigger_is_named_with_the_trigger(cast):
    """Without migration 0009's trigger an event no longer moves its head: verify_audit names
    the trigger that went missing and the chain whose head stayed behind."""
    import importlib

    migration = importlib.import_module("registry.migrations.0009_audit_head_advanced_by_the_database")
    create, drop = migration.STATEMENTS[connection.vendor]
    interleaved(cast, rounds=1)
    assert verify_chain().ok
    for statement in drop:
        raw(statement)
    try:
        left = record_event(action=AuditAction.CASE_VIEWED, actor=cast.alice, case_uuid=uuid.uuid4())
        report = verify_chain()
    finally:
        for statement in create:
            raw(statement)
    assert not report.ok
    assert report.missing_triggers == ("registry_auditevent_advance_head",)
    assert report.stale_heads == (left.partition,)
    passed, message = verify()
    assert not passed and left.partition in message


@pytest.mark.django_db(transaction=True)
def test_writers_of_different_organizations_append_at_once_without_forking(cast):
    """Eight threads of two organizations, each with its own connection, append 20 events each."""
    threads, per_thread = 8, 20

    def write(number):
        for _ in range(per_thread):
            record_event(action=AuditAction.CASE_VIEWED, actor=(cast.alice, cast.carol)[number % 2])

    errors = at_once(threads, write)
    assert errors == []
    report = verify_chain()
    assert report.ok and report.checked == threads * per_thread and report.partitions == 2


@pytest.mark.django_db
def test_the_command_and_the_periodic_task_record_a_checkpoint_chained_to_the_last(cast):
    from registry.tasks import audit_checkpoint

    interleaved(cast, rounds=1)
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    first = AuditCheckpoint.objects.get()
    assert f"checkpoint #{first.pk} of 3 chains: hash {first.hash}" in out.getvalue()
    second = AuditCheckpoint.objects.get(pk=audit_checkpoint())
    assert second.prev_hash == first.hash and verify_chain().ok


@pytest.mark.django_db
def test_a_checkpoint_that_loses_the_race_is_chained_again_from_the_winner(cast, monkeypatch):
    from registry.audit import checkpoints

    interleaved(cast, rounds=1)
    insert = checkpoints._checkpoint_insert
    calls = []

    def racing_insert():
        if not calls:  # another process records its checkpoint between our read and our insert
            calls.append(insert())
            from django.db import IntegrityError

            raise IntegrityError("duplicate key value violates unique constraint (prev_hash)")
        return insert()

    monkeypatch.setattr(checkpoints, "_checkpoint_insert", racing_insert)
    ours = checkpoint_record()
    assert ours.prev_hash == calls[0].hash and verify_chain().ok
