"""Dossier files at rest: AEAD-encrypted, kept through Django's storage API (DESIGN §6).

PDF/A forbids PDF encryption, so the archive copy is encrypted around the file instead. The
storage is ``django.core.files.storage.storages["archive"]`` (settings ``STORAGES``): a folder
under ``MEDIA_ROOT`` by default, an S3-compatible bucket later by configuration alone.

Guarantees:

- What reaches the storage is ``MAGIC ‖ len(key id) ‖ key id ‖ nonce ‖ AEAD(pdf)``, sealed with
  the keyring's first key (AES-256-GCM or SM4-GCM, ``registry.crypto``) and a fresh random
  nonce. The associated data ``exports.archiverecord.pdf:<record uuid>`` binds the file to its
  record: a file copied under another record's name does not open.
- :func:`open_sealed` authenticates before it returns a byte; a changed byte, a wrong key or a
  moved file raises :class:`~registry.crypto.DecryptionError`, never returns garbage.
- Names are made of the record's UUID only; no personal value is ever part of a file name.
"""

from __future__ import annotations

import os
import re

from cryptography.exceptions import InvalidTag
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from registry.crypto import NONCE_BYTES, TAG_BYTES, DecryptionError, Keyring
from registry.keyring import active_keyring

MAGIC = b"RGDOSSIER1"
STORAGE_ALIAS = "archive"


def archive_storage():
    """The storage dossier files are kept in (``STORAGES["archive"]``)."""
    return storages[STORAGE_ALIAS]


def associated_data(record_uuid) -> bytes:
    return f"exports.archiverecord.pdf:{record_uuid}".encode()


def seal(plaintext: bytes, *, record_uuid, keyring: Keyring | None = None) -> tuple[bytes, str]:
    """The stored form of ``plaintext`` for the record ``record_uuid``, and the key id used."""
    key = (keyring or active_keyring()).primary
    nonce = os.urandom(NONCE_BYTES)
    key_id = key.key_id.encode("ascii")
    sealed = key.seal(nonce, plaintext, associated_data(record_uuid))
    return MAGIC + bytes([len(key_id)]) + key_id + nonce + sealed, key.key_id


def open_sealed(blob: bytes, *, record_uuid, keyring: Keyring | None = None) -> bytes:
    """The PDF sealed in ``blob``; :class:`DecryptionError` unless it authenticates."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 1:
        raise DecryptionError("the stored dossier is not a sealed dossier file")
    offset = len(MAGIC)
    key_length = blob[offset]
    offset += 1
    key_id = blob[offset : offset + key_length].decode("ascii", errors="replace")
    offset += key_length
    if len(blob) < offset + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("the stored dossier is too short")
    nonce, sealed = blob[offset : offset + NONCE_BYTES], blob[offset + NONCE_BYTES :]
    key = (keyring or active_keyring()).key(key_id)
    try:
        return key.open(nonce, sealed, associated_data(record_uuid))
    except InvalidTag:
        raise DecryptionError("the stored dossier failed authentication (changed, moved or wrong key)") from None


def storage_name_for(record_uuid, generated_at, key_id: str | None = None) -> str:
    """Where a dossier file is stored: by the record's UUID and time; a file re-encrypted by key
    rotation (``exports.rotation``) also carries the id of its key, so a rotation that was cut
    short finds the file it had written."""
    suffix = f".{key_id}" if key_id is not None else ""
    return f"dossiers/{generated_at:%Y/%m}/{record_uuid}{suffix}.pdf.sealed"


def write(name: str, blob: bytes) -> str:
    """Store ``blob`` under exactly ``name`` (refusing to overwrite); return the name."""
    storage = archive_storage()
    if storage.exists(name):
        raise FileExistsError(f"an archive file named {name} exists already")
    stored = storage.save(name, ContentFile(blob))
    if stored != name:  # a storage that renamed it would break the record's link to it
        storage.delete(stored)
        raise FileExistsError(f"the archive storage renamed {name} to {stored}")
    return stored


def read(name: str) -> bytes:
    with archive_storage().open(name, "rb") as handle:
        return handle.read()


def delete(name: str) -> None:
    archive_storage().delete(name)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(text: str) -> str:
    """``text`` with anything but ASCII letters, digits, dot, hyphen and underscore replaced,
    for a ``Content-Disposition`` header (no quoting or header injection possible)."""
    cleaned = _UNSAFE.sub("_", text).strip("._") or "dossier"
    return cleaned[:100]
