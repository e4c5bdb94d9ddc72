"""Verifying the audit log (``manage.py verify_audit``): walk every partition's hash chain, check
the heads and the checkpoints against it, check recorded anchors are still there, and check the
append-only triggers are in place.

Guarantees:

- One walk over all events in ``id`` order, in batches (memory flat), names the *first* broken
  event: one whose ``prev_hash`` does not name the event before it in its partition (removed,
  or moved from another partition) or whose ``hash`` does not match its content (changed), or
  that differs from what a checkpoint recorded of it (its partition rewritten).
- Every checkpoint must chain from the one before it and match its hash (none removed or
  changed), and every event it names must still be there; every head row must name the last
  event of its partition, with that hash. A head or checkpoint naming an event that is gone
  means events were cut off a partition's end; a head behind its partition's last event, that
  the head stopped following the inserts (the trigger of migration 0009 gone).
- On PostgreSQL the walk reads one snapshot (``REPEATABLE READ``), so appends committed during
  it, in any partition order, are either wholly seen or not at all. SQLite has one writer at a
  time, so ids grow in commit order and the walk sees a prefix of every partition anyway.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction

from registry.audit.chain import GENESIS, canonical_sql, genesis_of, hasher
from registry.audit.checkpoints import checkpoint_hash
from registry.models import AuditChainHead, AuditCheckpoint, AuditEvent

__all__ = ["AUDIT_TRIGGERS", "BrokenLink", "ChainReport", "missing_triggers", "verify_chain"]

# The triggers migrations 0002_audit_event, 0008_audit_partitions (append-only) and
# 0009_audit_head_advanced_by_the_database (the head moves with each insert) create;
# verify_audit reports any that went missing (a table rebuilt by a later migration on SQLite,
# say, would silently drop them).
AUDIT_TRIGGERS = {
    "sqlite": frozenset(
        {
            "registry_auditevent_no_update",
            "registry_auditevent_no_delete",
            "registry_auditcheckpoint_no_update",
            "registry_auditcheckpoint_no_delete",
            "registry_auditevent_advance_head",
        }
    ),
    "postgresql": frozenset(
        {
            "registry_auditevent_no_update_delete",
            "registry_auditevent_no_truncate",
            "registry_auditcheckpoint_no_update_delete",
            "registry_auditcheckpoint_no_truncate",
            "registry_auditevent_advance_head",
        }
    ),
}
_TABLES = (AuditEvent._meta.db_table, AuditCheckpoint._meta.db_table)


@dataclass(frozen=True)
class BrokenLink:
    id: int
    occurred_at: object
    reason: str


@dataclass
class ChainReport:
    checked: int = 0
    partitions: int = 0
    last_event_id: int | None = None
    checkpoints: int = 0
    last_checkpoint: AuditCheckpoint | None = None
    broken: BrokenLink | None = None
    broken_checkpoint: BrokenLink | None = None
    stale_heads: tuple[str, ...] = ()
    missing_anchors: tuple[str, ...] = ()
    missing_triggers: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not (
            self.broken or self.broken_checkpoint or self.stale_heads or self.missing_anchors or self.missing_triggers
        )


@dataclass
class _Claim:
    """What a checkpoint (``checkpoint`` its id) or a head row (``checkpoint`` None) says of one
    event: its partition and hash."""

    partition: str
    hash: str
    checkpoint: int | None
    seen: bool = field(default=False)


def missing_triggers() -> tuple[str, ...]:
    """The append-only triggers absent (or disabled) on the audit tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)", list(_TABLES)
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid IN (%s::regclass, %s::regclass) "
                "AND NOT tgisinternal AND tgenabled <> 'D'",
                list(_TABLES),
            )
        else:
            return ()
        present = {row[0] for row in cursor.fetchall()}
    return tuple(sorted(AUDIT_TRIGGERS[connection.vendor] - present))


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """On PostgreSQL, outside a transaction: one read-only ``REPEATABLE READ`` snapshot."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


@contextmanager
def _writers_paused() -> Iterator[None]:
    """On SQLite, outside a transaction: hold the write lock (``BEGIN IMMEDIATE``) for a moment,
    so that what is read inside agrees. PostgreSQL's snapshot already does that."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        yield


def verify_chain(*, batch_size: int = 10_000, anchors: Iterable[str] = (), digest: str | None = None) -> ChainReport:
    """Check the whole log and report what is wrong (see the module's guarantees). ``anchors``
    are hashes recorded earlier — a checkpoint's, or an event's — each of which must still be
    there: that catches checkpoints or events cut off the end.

    The checkpoints, the heads and the last event's id are read together (one snapshot, or on
    SQLite with writers paused for that moment); the walk then stops at that id, so an append
    committed meanwhile is never half seen."""
    compute = hasher(digest)
    report = ChainReport(missing_triggers=missing_triggers())
    wanted = set(anchors)
    with _one_snapshot():
        with _writers_paused():
            claims = _check_checkpoints(report, compute, wanted)
            head_rows = list(
                AuditChainHead.objects.exclude(last_event_id=None).values_list("partition", "last_event_id", "hash")
            )
            last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for partition, last_event_id, head_hash in head_rows:
            claims.setdefault(last_event_id, []).append(_Claim(partition, head_hash, None))
        ends = _walk_events(report, compute, claims, wanted, batch_size, last_id)
    if report.broken is None:
        _unmet_claims(report, claims)
        headless = set(ends) - {partition for partition, _, _ in head_rows}
        behind = {partition for partition, _, head_hash in head_rows if ends.get(partition, head_hash) != head_hash}
        report.stale_heads = tuple(sorted({*report.stale_heads, *headless, *behind}))
    report.missing_anchors = tuple(sorted(wanted))
    return report


def _check_checkpoints(report: ChainReport, compute, wanted: set[str]) -> dict[int, list[_Claim]]:
    """Walk the checkpoints' chain; return what the intact ones say of events, by event id."""
    claims: dict[int, list[_Claim]] = {}
    expected_prev = GENESIS
    for checkpoint in AuditCheckpoint.objects.order_by("id").iterator(chunk_size=1000):
        if checkpoint.prev_hash != expected_prev:
            reason = "its previous hash does not name the checkpoint before it (removed)"
        elif checkpoint_hash(checkpoint.prev_hash, checkpoint.created_at, checkpoint.heads, digest=compute) != (
            checkpoint.hash
        ):
            reason = "its content does not match its hash (changed)"
        else:
            expected_prev = checkpoint.hash
            wanted.discard(checkpoint.hash)
            report.checkpoints += 1
            report.last_checkpoint = checkpoint
            for partition, (event_id, event_hash) in checkpoint.heads.items():
                claims.setdefault(event_id, []).append(_Claim(partition, event_hash, checkpoint.pk))
            continue
        report.broken_checkpoint = BrokenLink(checkpoint.pk, checkpoint.created_at, reason)
        break
    return claims


def _walk_events(
    report: ChainReport, compute, claims: dict[int, list[_Claim]], wanted: set[str], batch_size: int, last_id: int
) -> dict[str, str]:
    """The one walk over every event up to ``last_id`` (see the module's guarantees); stops at
    the first broken. Returns the partitions it met, each with the hash of its last event."""
    heads: dict[str, str] = {}
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    query = (
        f'SELECT id, "partition", prev_hash, hash, {canonical_sql(connection.vendor)} '  # noqa: S608 (no user input)
        f"FROM {table} WHERE id > %s AND id <= {int(last_id)} ORDER BY id LIMIT %s"
    )
    with closing(_batches(query, batch_size)) as batches:
        for batch in batches:
            for position, (row_id, partition, prev_hash, row_hash, canonical) in enumerate(batch):
                reason = None
                if partition not in heads:
                    heads[partition] = genesis_of(partition, digest=compute)
                if prev_hash != heads[partition]:
                    reason = "its previous hash does not name the event before it in its chain (removed or moved)"
                elif compute((prev_hash + canonical).encode()) != row_hash:
                    reason = "its content does not match its hash (changed)"
                else:
                    reason = _claims_on(claims.get(row_id, ()), partition, row_hash, report)
                if reason is not None:
                    batches.close()  # stop the fetching thread before using the connection again
                    report.checked += position
                    report.partitions = len(heads)
                    report.broken = _broken(row_id, reason)
                    return heads
                heads[partition] = row_hash
                if wanted:
                    wanted.discard(row_hash)
            report.checked += len(batch)
            report.last_event_id = batch[-1][0]
    report.partitions = len(heads)
    return heads


def _claims_on(claims: Iterable[_Claim], partition: str, row_hash: str, report: ChainReport) -> str | None:
    """Check what checkpoints and heads say of one event; the reason it is broken, if it is. A
    head row that disagrees is a stale head, not a broken event."""
    for claim in claims:
        claim.seen = True
        if (claim.partition, claim.hash) == (partition, row_hash):
            continue
        if claim.checkpoint is None:
            report.stale_heads = (*report.stale_heads, claim.partition)
        else:
            return f"it differs from what checkpoint #{claim.checkpoint} recorded of it (rewritten or moved)"
    return None


def _unmet_claims(report: ChainReport, claims: dict[int, list[_Claim]]) -> None:
    """Events a checkpoint or a head names that the walk never met: cut off a partition's end."""
    for event_id, event_claims in sorted(claims.items()):
        for claim in event_claims:
            if claim.seen:
                continue
            if claim.checkpoint is None:
                report.stale_heads = (*report.stale_heads, claim.partition)
            elif report.broken_checkpoint is None:
                checkpoint = AuditCheckpoint.objects.get(pk=claim.checkpoint)
                report.broken_checkpoint = BrokenLink(
                    checkpoint.pk,
                    checkpoint.created_at,
                    f"event id {event_id} of chain {claim.partition!r} it records is gone (cut off the end)",
                )


def _batches(query: str, batch_size: int) -> Iterator[list[tuple]]:
    """The rows of ``query`` (keyset-paginated on ``id``), one batch at a time.

    A helper thread fetches the next batch while the caller hashes the current one: the database
    computes the canonical texts with Python's lock released, so the two overlap. It uses the
    same database connection — hence the same transaction and snapshot — through the driver
    directly, and it is the only user of the connection until this generator is closed.
    """
    connection.ensure_connection()
    driver_connection = connection.connection
    if connection.vendor == "sqlite":
        query = query.replace("%s", "?")
    ready: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        cursor = driver_connection.cursor()
        try:
            last_id = 0
            while not stop.is_set():
                cursor.execute(query, (last_id, batch_size))
                batch = cursor.fetchall()
                ready.put(batch)
                if not batch:
                    return
                last_id = batch[-1][0]
        except Exception as error:  # handed to the caller, which raises it
            ready.put(error)
        finally:
            cursor.close()

    worker = threading.Thread(target=fetch, name="verify-audit-fetch", daemon=True)
    worker.start()
    try:
        while True:
            batch = ready.get()
            if isinstance(batch, Exception):
                raise batch
            if not batch:
                return
            yield batch
    finally:
        stop.set()
        while worker.is_alive():  # unblock a fetch waiting to hand over its batch
            try:
                ready.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


def _broken(row_id: int, reason: str) -> BrokenLink:
    occurred_at = AuditEvent.objects.filter(id=row_id).values_list("occurred_at", flat=True).first()
    return BrokenLink(row_id, occurred_at, reason)
