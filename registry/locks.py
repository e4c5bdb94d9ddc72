"""Locks on values that have no row yet, for a check-then-insert that no row lock can guard.

A rule such as "one case per person" is checked by looking for earlier rows and then
inserting: two transactions that look at the same moment both find nothing and both insert.
Where the rule hangs on an existing row (a case, a shelter), operations lock that row
(``registry.operations.lock_for_change``). Where it hangs on a value — the blind-index digest
of an ID number — :func:`lock_keys` serializes every transaction that names the same value:

- **PostgreSQL**: a transaction-level advisory lock per key (``pg_advisory_xact_lock``), released
  when the transaction commits or rolls back. The key is 64 bits of SHA-256 over the namespace
  and the value, given as two 32-bit halves. Two different values that happened to share 64 bits
  would only wait for each other. The keys are taken in ascending order, so two
  transactions that lock overlapping sets never wait on each other in a circle — all of them in
  one statement, whose outer query locks the rows of a sorted subquery (fenced by ``OFFSET 0``)
  one by one in that order: an ``ORDER BY`` beside the lock calls would not fix their order.
- **SQLite**: nothing to do — every transaction begins with ``BEGIN IMMEDIATE`` (the
  ``transaction_mode`` of ``registry.settings``) and so holds the database's single write lock
  until it ends. A deployment that changed that mode is refused loudly rather than left racy.

Take these locks first in the transaction, before any row lock or audit event (whose chain lock
comes last in every operation), so the order of locks is the same everywhere. They last until
the transaction ends and take room in PostgreSQL's shared lock table: a batch that registers
many people commits each registration on its own (as the seeds do). The keys are hashes of the
values, so ``pg_locks`` shows nothing that names anyone.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.transaction import TransactionManagementError


def _advisory_key(namespace: str, key: str) -> tuple[int, int]:
    """Two signed 32-bit integers (PostgreSQL's ``int4``) from 64 bits of SHA-256."""
    digest = hashlib.sha256(f"{namespace}\x00{key}".encode()).digest()
    return (int.from_bytes(digest[:4], "big", signed=True), int.from_bytes(digest[4:8], "big", signed=True))


def lock_keys(namespace: str, *keys: str | None) -> None:
    """Hold, until the surrounding transaction ends, a lock on each of ``keys`` (empty ones are
    skipped) within ``namespace`` (e.g. ``"victims.person"``): another transaction locking one
    of the same keys waits until this one commits or rolls back, and then sees what it wrote.
    Call inside ``transaction.atomic()``, before taking any row lock."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("lock_keys() holds its locks until the transaction ends: call it in atomic()")
    wanted = sorted({_advisory_key(namespace, key) for key in keys if key})
    if not wanted:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(k.high, k.low) FROM (SELECT high, low FROM "
                "unnest(%s::int4[], %s::int4[]) AS v(high, low) ORDER BY high, low OFFSET 0) AS k",
                [[high for high, _ in wanted], [low for _, low in wanted]],
            )
    elif connection.vendor == "sqlite":
        if connection.settings_dict.get("OPTIONS", {}).get("transaction_mode") != "IMMEDIATE":
            raise ImproperlyConfigured(
                "SQLite must begin transactions with BEGIN IMMEDIATE (OPTIONS transaction_mode) for lock_keys()"
            )
    else:
        raise NotImplementedError(f"lock_keys() supports SQLite and PostgreSQL, not {connection.vendor}")
