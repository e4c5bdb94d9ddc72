"""Locks on values that have no row yet, for a check-then-insert that no row lock can guard.

A rule such as "one case per person" is checked by looking for earlier rows and then
inserting: two transactions that look at the same moment both find nothing and both insert.
Where the rule hangs on an existing row (a case, a shelter), operations lock that row
(``registry.operations.lock_for_change``). Where it hangs on a value — the blind-index digest
of an ID number — :func:`lock_keys` serializes every transaction that names the same value:

- **PostgreSQL**: a transaction-level advisory lock per key (``pg_advisory_xact_lock``), released
  when the transaction commits or rolls back. The key is 64 bits of SHA-256 over the namespace
  and the value, given as two 32-bit halves: that key space never meets the single 64-bit key of
  the audit chain's lock (``registry.audit.chain``). Two different values that happened to share
  64 bits would only wait for each other. The keys are taken in ascending order, so two
  transactions that lock overlapping sets never wait on each other in a circle.
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
            for high, low in wanted:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [high, low])
    elif connection.vendor == "sqlite":
        if connection.settings_dict.get("OPTIONS", {}).get("transaction_mode") != "IMMEDIATE":
            raise ImproperlyConfigured(
                "SQLite must begin transactions with BEGIN IMMEDIATE (OPTIONS transaction_mode) for lock_keys()"
            )
    else:
        raise NotImplementedError(f"lock_keys() supports SQLite and PostgreSQL, not {connection.vendor}")
