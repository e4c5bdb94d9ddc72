"""Key rotation of stored dossiers (``manage.py rotate_keys``, ``registry.file_rotation``).

A dossier file is sealed whole (``exports.storage``); the rotation opens one at a time, checks it
against its record (SHA-256, SM3, size), seals it again under the keyring's first key, stores it
under a name that carries that key's id (``storage.storage_name_for(..., key_id)``), reads the new
file back and checks it the same way, and only then moves the record to it.

Order, and why a run killed at any moment is finished by the next one:

1. the new file is written and verified — killed here, the record still names the old file,
   which still opens; the next run finds the new name taken by a file that does not verify (cut
   short) and writes it again, or by one that does, and keeps it;
2. the old file is deleted, then the record (storage name, key id) is moved to the new one in a
   transaction — killed between the two, the record names a file that is gone; the next run
   finds the verified new file under its predictable name and moves the record to it.

No ciphertext under the older key is left behind, so the key can be retired once the run
reports nothing left. The record is not changed otherwise: no history row, no version (as for
re-encrypted values, see ``registry.rotation``).
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction

from exports import storage
from exports.models import ArchiveRecord
from exports.operations import DossierIntegrityError, read_verified
from registry.crypto import Keyring
from registry.file_rotation import FileRotationError, SealedFileStore, key_counts_of, repoint


class DossierFiles(SealedFileStore):
    """The stored dossiers, as one kind of sealed file for key rotation."""

    label = "exports.archiverecord"

    def key_counts(self) -> Counter:
        return key_counts_of(ArchiveRecord.objects.all())

    def stale(self, *, primary: str, after, limit: int) -> list[ArchiveRecord]:
        records = ArchiveRecord.objects.exclude(key_id=primary).order_by("pk")
        if after is not None:
            records = records.filter(pk__gt=after)
        return list(records[:limit])

    def probe(self, key_id: str, keyring: Keyring) -> None:
        record = ArchiveRecord.objects.filter(key_id=key_id).order_by("pk").first()
        if record is not None:
            self._source(record, keyring)

    def reseal(self, record: ArchiveRecord, keyring: Keyring) -> int:
        primary = keyring.primary.key_id
        target = storage.storage_name_for(record.uuid, record.generated_at, primary)
        if not self._verifies(record, target):
            if storage.archive_storage().exists(target):
                storage.delete(target)  # a file cut short by a killed run
            blob, _key_id = storage.seal(self._source(record, keyring), record_uuid=record.uuid, keyring=keyring)
            storage.write(target, blob)
            if not self._verifies(record, target):
                raise FileRotationError(f"dossier {record.uuid}: the re-encrypted file does not verify")
        if record.storage_name != target and storage.archive_storage().exists(record.storage_name):
            storage.delete(record.storage_name)
        with transaction.atomic():
            repoint(ArchiveRecord, record.pk, {"storage_name": target, "key_id": primary})
        return record.size

    def _source(self, record: ArchiveRecord, keyring: Keyring) -> bytes:
        """The record's PDF, verified: from the file the record names or, when a cut-short run
        deleted that one, from a verified copy under a name of the keyring's keys."""
        names = [record.storage_name] + [
            storage.storage_name_for(record.uuid, record.generated_at, key_id) for key_id in keyring.keys
        ]
        for name in dict.fromkeys(names):
            try:
                return read_verified(record, name=name)
            except DossierIntegrityError:
                continue
        raise FileRotationError(f"dossier {record.uuid} ({record.archive_number}): no stored file verifies")

    @staticmethod
    def _verifies(record: ArchiveRecord, name: str) -> bool:
        try:
            read_verified(record, name=name)
        except DossierIntegrityError:
            return False
        return True
