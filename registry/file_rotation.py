"""Key rotation of sealed files: the part of ``manage.py rotate_keys`` that re-encrypts files kept
outside the database (attachments, stored dossiers) under the keyring's first key.

The core cannot name the apps that keep files, so each declares its files from its
``AppConfig.ready`` with :func:`register` — a :class:`SealedFileStore` — as the apps declare their
case-file sections (``registry.casefile``). ``registry.rotation`` drives every declared store after
the tables, in the same run and under the same ``key_rotated`` audit event.

What a store guarantees (each implementation says how):

- :meth:`SealedFileStore.key_counts` counts its files per key id from the database, without
  opening a file, so a file under a key the keyring lacks stops the run before anything is written.
- :meth:`SealedFileStore.stale` returns records whose file is still under an older key, in primary-key
  order after a given key: the rotation walks them in batches and a later run picks up what is left.
- :meth:`SealedFileStore.reseal` re-encrypts one file under the first key without holding more than
  a segment (attachments) or one file (dossiers) in memory, checks the new file's plaintext digests
  against the record before the record points to it, and leaves the record and its file consistent
  whenever it is interrupted: a run killed at any point is finished by the next.
- :meth:`SealedFileStore.sweep` removes files a run killed outright left behind under an older key
  (for stores that cannot avoid leaving any), at the start of every run.
- Nothing personal is reported: counts, record identifiers and key ids only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.db.models import Count

from registry.crypto import Keyring


class FileRotationError(RuntimeError):
    """A file could not be re-encrypted: missing, failing authentication or its digests. The
    message names the record (its UUID), never a value."""


class SealedFileStore(ABC):
    """One kind of sealed file an app keeps; subclass it and :func:`register` an instance."""

    label: str  # e.g. "attachments.attachment", shown in counts and the audit event

    @abstractmethod
    def key_counts(self) -> Counter:
        """How many files each key id seals (from the database, nothing opened)."""

    @abstractmethod
    def stale(self, *, primary: str, after: Any, limit: int) -> list[Any]:
        """Up to ``limit`` records, by ascending primary key greater than ``after`` (``None``: from
        the start), whose file is not under the key ``primary``."""

    @abstractmethod
    def probe(self, key_id: str, keyring: Keyring) -> None:
        """Open one file under ``key_id`` and check its digests (a wrong secret is caught before
        anything is written); :class:`FileRotationError` otherwise."""

    @abstractmethod
    def reseal(self, record: Any, keyring: Keyring) -> int:
        """Re-encrypt ``record``'s file under ``keyring.primary`` and verify it (see module docs);
        return the number of plaintext bytes. :class:`FileRotationError` on any defect."""

    def sweep(self, keyring: Keyring) -> int:
        """Remove what a run cut short left behind under an older key; return how many files.
        Stores whose order of writes leaves nothing behind keep this default."""
        return 0


_STORES: dict[str, SealedFileStore] = {}


def register(store: SealedFileStore) -> None:
    """Declare a kind of sealed file (from an app's ``AppConfig.ready``)."""
    if apps.ready:
        raise RuntimeError("Sealed files are declared while the apps load, from AppConfig.ready.")
    if store.label in _STORES:
        raise ValueError(f"Sealed files {store.label} are declared twice.")
    _STORES[store.label] = store


def stores() -> tuple[SealedFileStore, ...]:
    """Every declared store, in label order."""
    return tuple(_STORES[label] for label in sorted(_STORES))


def repoint(model: type[models.Model], pk: Any, values: dict[str, str]) -> None:
    """The one low-level write of file rotation: set plain columns (a record's storage name and key
    id) by primary key. Raw SQL for the reason ``registry.rotation`` gives: a re-encrypted file is
    not a change of the record (it reads the same), so no history row, version or signal."""
    meta = model._meta
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",  # noqa: S608
            [*values.values(), pk],
        )
        if cursor.rowcount != 1:
            raise FileRotationError(f"{meta.label_lower} {pk}: the record is gone")


def key_counts_of(queryset: models.QuerySet, key_field: str = "key_id") -> Counter:
    """Files per key id, counted by the database, for a store's :meth:`SealedFileStore.key_counts`."""
    rows = queryset.order_by().values(key_field).annotate(n=Count("pk"))
    return Counter({row[key_field]: row["n"] for row in rows})
