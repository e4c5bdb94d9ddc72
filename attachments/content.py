"""The content of an attachment at rest: sealed in segments (``registry.segments``) through
``STORAGES["attachments"]``, under a random name.

Guarantees:

- :func:`store` seals plaintext chunks as they come — memory stays flat whatever the size — under
  the keyring's primary key (or ``key_id``) and a fresh random name, and returns the SHA-256 and
  SM3 of the plaintext, its size and the key id. The associated data of every segment binds the
  attachment's UUID (:func:`context_of`): a file copied under another attachment does not open.
  If sealing or writing fails, the partial file is removed.
- :func:`plaintext` yields the authenticated plaintext; :func:`verify` reads the whole file and
  compares size and both digests with the row; either raises :class:`ContentCheckFailed` (one
  exception) on a tampered, truncated, swapped or missing file, an unknown key or a digest that
  differs.
- :func:`reseal` writes a new sealed copy of an attachment's content (key rotation), checking the
  digests of what it copied; the caller records the new name and key id, then removes the old file
  with :func:`delete`.
- Names are random (``secrets``), never derived from any personal value.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from django.core.files.base import File
from django.core.files.storage import storages
from django.utils import timezone

from registry import segments

STORAGE_ALIAS = "attachments"


class ContentCheckFailed(Exception):
    """An attachment's stored content cannot be trusted: missing, tampered, truncated, swapped,
    sealed with a key the keyring no longer holds, or not what its digests say."""


@dataclass(frozen=True)
class Stored:
    """A sealed file written to the storage, and what it holds."""

    name: str
    key_id: str
    size: int
    sha256: str
    sm3: str


def storage():
    """The storage attachments are kept in (``STORAGES["attachments"]``)."""
    return storages[STORAGE_ALIAS]


def context_of(attachment_uuid) -> bytes:
    """The associated data binding a sealed file to its attachment."""
    return b"attachment:" + attachment_uuid.bytes


class _Digests:
    def __init__(self) -> None:
        self.size = 0
        self._sha256 = hashlib.sha256()
        self._sm3 = hashes.Hash(hashes.SM3())

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self._sha256.update(chunk)
        self._sm3.update(chunk)

    def hexdigests(self) -> tuple[str, str]:
        return self._sha256.hexdigest(), self._sm3.finalize().hex()


class _SealedReader:
    """A read-only file over the sealed form of ``chunks``, produced as it is read, so the
    storage's ``save`` streams it (``File`` over it reads in chunks)."""

    def __init__(self, sealed: Iterator[bytes]) -> None:
        self._sealed = sealed
        self._buffer = bytearray()

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            piece = next(self._sealed, None)
            if piece is None:
                break
            self._buffer += piece
        if size < 0:
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


def _new_name() -> str:
    return f"{timezone.now():%Y/%m}/{secrets.token_hex(16)}.sealed"


def store(chunks: Iterable[bytes], *, attachment_uuid, key_id: str | None = None) -> Stored:
    """Seal ``chunks`` (the plaintext) for the attachment ``attachment_uuid`` into a new file of
    the storage; return its name, key id, and the plaintext's size and digests."""
    digests = _Digests()

    def counted() -> Iterator[bytes]:
        for chunk in chunks:
            digests.update(chunk)
            yield chunk

    sealed = segments.seal(counted(), context=context_of(attachment_uuid), key_id=key_id)
    header = next(sealed)
    used_key = segments.key_id_of(_SealedReader(iter([header])))

    def whole() -> Iterator[bytes]:
        yield header
        yield from sealed

    name = _new_name()
    target = storage()
    try:
        saved = target.save(name, File(_SealedReader(whole()), name=name))
    except BaseException:
        if target.exists(name):
            target.delete(name)
        raise
    if saved != name:  # a storage that renamed it would break the row's link to it
        target.delete(saved)
        raise FileExistsError(f"the attachments storage renamed {name} to {saved}")
    sha256, sm3 = digests.hexdigests()
    return Stored(name=saved, key_id=used_key, size=digests.size, sha256=sha256, sm3=sm3)


def plaintext(attachment) -> Iterator[bytes]:
    """The authenticated plaintext of ``attachment``'s file, segment by segment;
    :class:`ContentCheckFailed` at the first defect (after some segments may have been yielded:
    call :func:`verify` first where a partial answer must not start)."""
    try:
        handle = storage().open(attachment.storage_name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise ContentCheckFailed("the stored file is missing") from exc
    with handle:
        try:
            yield from segments.open_sealed(handle, context=context_of(attachment.uuid))
        except segments.SegmentError as exc:
            raise ContentCheckFailed(str(exc)) from None


def verify(attachment) -> None:
    """Read the whole file: authentic, and of the size and digests recorded on the row —
    :class:`ContentCheckFailed` otherwise."""
    digests = _Digests()
    for chunk in plaintext(attachment):
        digests.update(chunk)
    if (digests.size, *digests.hexdigests()) != (attachment.size, attachment.sha256, attachment.sm3):
        raise ContentCheckFailed("the stored content does not match its recorded digests")


def reseal(attachment, *, key_id: str | None = None) -> Stored:
    """A new sealed copy of ``attachment``'s content under the primary key (or ``key_id``), in a
    new file; :class:`ContentCheckFailed` (and the copy removed) unless what was copied is
    exactly what the row's digests describe. The old file is left in place."""
    stored = store(plaintext(attachment), attachment_uuid=attachment.uuid, key_id=key_id)
    if (stored.size, stored.sha256, stored.sm3) != (attachment.size, attachment.sha256, attachment.sm3):
        delete(stored.name)
        raise ContentCheckFailed("the stored content does not match its recorded digests")
    return stored


def delete(name: str) -> None:
    """Remove a sealed file (a copy superseded by :func:`reseal`, or one whose row was never
    written); attachments themselves are never deleted, only withdrawn."""
    storage().delete(name)
