"""Verifying the audit log (``manage.py verify_audit``): walk the hash chain, check recorded
anchors are still in it, and check the append-only triggers are in place.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass

from django.db import connection

from registry.audit.chain import GENESIS, canonical_sql, hasher
from registry.models import AuditEvent

__all__ = ["APPEND_ONLY_TRIGGERS", "BrokenLink", "ChainReport", "missing_triggers", "verify_chain"]

# The triggers migration 0002_audit_event creates; verify_audit reports any that went missing
# (a table rebuilt by a later migration on SQLite, say, would silently drop them).
APPEND_ONLY_TRIGGERS = {
    "sqlite": frozenset({"registry_auditevent_no_update", "registry_auditevent_no_delete"}),
    "postgresql": frozenset({"registry_auditevent_no_update_delete", "registry_auditevent_no_truncate"}),
}


@dataclass(frozen=True)
class BrokenLink:
    id: int
    occurred_at: object
    reason: str


@dataclass
class ChainReport:
    checked: int = 0
    head_id: int | None = None
    head_hash: str = GENESIS
    broken: BrokenLink | None = None
    missing_anchors: tuple[str, ...] = ()
    missing_triggers: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.missing_anchors and not self.missing_triggers


def missing_triggers() -> tuple[str, ...]:
    """The append-only triggers absent (or disabled) on the audit table."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled <> 'D'",
                [table],
            )
        else:
            return ()
        present = {row[0] for row in cursor.fetchall()}
    return tuple(sorted(APPEND_ONLY_TRIGGERS[connection.vendor] - present))


def verify_chain(*, batch_size: int = 10_000, anchors: Iterable[str] = (), digest: str | None = None) -> ChainReport:
    """Walk the whole chain in ``id`` order, in batches (memory stays flat), and report the
    first row whose ``prev_hash`` does not name its predecessor (a row removed or moved before
    it) or whose ``hash`` does not match its content (a row changed). ``anchors`` are head
    hashes recorded earlier, e.g. by a previous run: each must still be in the chain, which
    catches rows cut off the end — the one change a chain alone cannot show."""
    compute = hasher(digest)
    report = ChainReport(missing_triggers=missing_triggers())
    wanted = set(anchors)
    expected_prev = GENESIS
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    query = (
        f"SELECT id, prev_hash, hash, {canonical_sql(connection.vendor)} "  # noqa: S608 (no user input)
        f"FROM {table} WHERE id > %s ORDER BY id LIMIT %s"
    )
    with closing(_batches(query, batch_size)) as batches:
        for batch in batches:
            for position, (row_id, prev_hash, row_hash, canonical) in enumerate(batch):
                if prev_hash != expected_prev:
                    reason = "its previous hash does not name the event before it (removed or moved)"
                elif compute((prev_hash + canonical).encode()) != row_hash:
                    reason = "its content does not match its hash (changed)"
                else:
                    expected_prev = row_hash
                    if wanted:
                        wanted.discard(row_hash)
                    continue
                batches.close()  # stop the fetching thread before using the connection again
                report.checked += position
                report.broken = _broken(row_id, reason)
                return report
            report.checked += len(batch)
            report.head_id, report.head_hash = batch[-1][0], expected_prev
    report.missing_anchors = tuple(sorted(wanted))
    return report


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
