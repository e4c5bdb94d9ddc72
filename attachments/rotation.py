"""Key rotation of attachments' content (``manage.py rotate_keys``, ``registry.file_rotation``).

Each file still under an older key is copied, segment by segment (memory stays flat), into a new
sealed file under the keyring's first key (``attachments.content.reseal``, which checks the
digests of what it copied); the new file is then read back whole and checked against the row
(size, SHA-256, SM3) — only then does the row point to it, and the old file is removed.

Order, and what a run killed at any moment leaves:

1. killed before the row moves: the row still names its old file, which still opens; the new
   copy (under the first key, named by no row) is left over and the next run copies again;
2. killed after the row moved, before the old file was removed: the old file is named by no row
   and sealed under an older key. Every run (a dry run excepted) first sweeps the storage for
   such leftovers — files named by no attachment and sealed under a key other than the first —
   and removes them, so no ciphertext under a retired key survives a finished rotation. A file
   under the first key that no row names is left alone: it may be an upload whose row is being
   written at this moment (every process encrypts with the first key once restarted, as the
   rotation routine requires).

The row is not changed otherwise: no history row, no version (see ``registry.rotation``).
"""

from __future__ import annotations

import copy
import posixpath
from collections import Counter
from collections.abc import Iterator

from django.db import transaction

from attachments import content
from attachments.models import Attachment
from registry import segments
from registry.crypto import Keyring
from registry.file_rotation import FileRotationError, SealedFileStore, key_counts_of, repoint

SWEEP_BATCH = 500


class AttachmentFiles(SealedFileStore):
    """Attachments' sealed content, as one kind of sealed file for key rotation."""

    label = "attachments.attachment"

    def key_counts(self) -> Counter:
        return key_counts_of(Attachment._base_manager.all())

    def stale(self, *, primary: str, after, limit: int) -> list[Attachment]:
        rows = Attachment._base_manager.exclude(key_id=primary).order_by("pk")
        if after is not None:
            rows = rows.filter(pk__gt=after)
        return list(rows[:limit])

    def probe(self, key_id: str, keyring: Keyring) -> None:
        attachment = Attachment._base_manager.filter(key_id=key_id).order_by("pk").first()
        if attachment is not None:
            _verify(attachment, attachment.storage_name)

    def reseal(self, attachment: Attachment, keyring: Keyring) -> int:
        primary = keyring.primary.key_id
        try:
            stored = content.reseal(attachment, key_id=primary)
        except content.ContentCheckFailed as exc:
            raise FileRotationError(f"attachment {attachment.uuid}: {exc}") from None
        try:
            _verify(attachment, stored.name)
            with transaction.atomic():
                repoint(Attachment, attachment.pk, {"storage_name": stored.name, "key_id": stored.key_id})
        except BaseException:
            content.delete(stored.name)
            raise
        content.delete(attachment.storage_name)
        return attachment.size

    def sweep(self, keyring: Keyring) -> int:
        removed = 0
        for names in _batches(_sealed_names(), SWEEP_BATCH):
            named = set(Attachment._base_manager.filter(storage_name__in=names).values_list("storage_name", flat=True))
            for name in names:
                if name not in named and _key_id(name) not in (keyring.primary.key_id, None):
                    content.delete(name)
                    removed += 1
        return removed


def _verify(attachment: Attachment, name: str) -> None:
    """The file ``name`` holds exactly ``attachment``'s content (read whole, segment by segment)."""
    copied = copy.copy(attachment)
    copied.storage_name = name
    try:
        content.verify(copied)
    except content.ContentCheckFailed as exc:
        raise FileRotationError(f"attachment {attachment.uuid}: {exc}") from None


def _key_id(name: str) -> str | None:
    """The key id in the header of the stored file ``name``; ``None`` when it has no valid header."""
    try:
        with content.storage().open(name, "rb") as handle:
            return segments.key_id_of(handle)
    except (OSError, segments.SegmentError):
        return None


def _sealed_names(folder: str = "") -> Iterator[str]:
    """Every sealed file of the attachments storage, folder by folder (one listing in memory);
    none before the first upload has made the storage's folder."""
    try:
        folders, files = content.storage().listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        if name.endswith(".sealed"):
            yield posixpath.join(folder, name)
    for child in sorted(folders):
        yield from _sealed_names(posixpath.join(folder, child))


def _batches(names: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for name in names:
        batch.append(name)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
