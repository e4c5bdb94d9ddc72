"""Streaming authenticated encryption of a file in segments (attachments, stored dossiers).

A sealed file is a header followed by segments::

    header  = MAGIC (4) | VERSION (1) | len(key id) (1) | key id | salt (16) | nonce prefix (7)
    segment = AEAD(plaintext of SEGMENT_SIZE bytes, or fewer for the last one) | tag (16)

Guarantees:
- Each file gets its own key, derived (HKDF-SHA256) from a keyring key, the file's random salt and its
  ``context`` (e.g. ``b"attachment:" + uuid bytes``); the nonce of a segment is the file's random prefix,
  the segment index and a final-segment flag, so no nonce repeats under one key.
- The associated data of every segment binds the whole header, the ``context``, the segment index and
  the final flag: segments cannot be reordered, dropped, duplicated, truncated, extended or swapped
  between files, and a file opened with another context does not open. Any such defect, an unknown key
  or a malformed header raises :class:`SegmentError` and nothing else; a segment is yielded only once
  it has been authenticated, and the end of the file is known only when the final segment has been.
- Memory stays flat: at most two segments (and the chunk being cut) are held at a time, whatever
  the size of the file; full segments are cut from the chunks without copying.
- The cipher is the keyring key's own (AES-256-GCM, or SM4-GCM where the keyring says so).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from registry.crypto import CIPHERS, TAG_BYTES, CryptoError, FieldKey, Keyring

SEGMENT_SIZE = 64 * 1024
MAGIC = b"RSG\x00"
VERSION = 1
SALT_BYTES = 16
PREFIX_BYTES = 7  # nonce = prefix (7) | segment index (4, big-endian) | final flag (1)
MAX_SEGMENTS = 2**32
SEALED_SEGMENT = SEGMENT_SIZE + TAG_BYTES


class SegmentError(CryptoError):
    """A sealed file could not be authenticated: tampered, truncated, extended, reordered, swapped,
    opened with the wrong context, or sealed with a key the keyring no longer holds."""


def _keyring(keyring: Keyring | None) -> Keyring:
    if keyring is not None:
        return keyring
    from registry.keyring import active_keyring

    return active_keyring()


def _file_key(key: FieldKey, salt: bytes, context: bytes) -> FieldKey:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=CIPHERS[key.cipher], salt=salt, info=b"segments:v1:" + context)
    return FieldKey(key_id=key.key_id, cipher=key.cipher, secret=hkdf.derive(key.secret))


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    if index >= MAX_SEGMENTS:
        raise SegmentError("the file has more segments than the format allows")
    return prefix + struct.pack(">IB", index, final)


def _associated_data(header: bytes, context: bytes, index: int, final: bool) -> bytes:
    # The header is self-delimiting and the suffix has a fixed length, so the context is unambiguous.
    return header + context + struct.pack(">QB", index, final)


def _blocks(chunks: Iterable[bytes]) -> Iterator[bytes | memoryview]:
    """The plaintext cut into ``SEGMENT_SIZE`` blocks — slices of the chunks themselves where they
    allow it, no copy — then the remainder (also when the input is empty, never when it is
    otherwise empty). Chunks are taken as immutable: a block may still point into one."""
    carry = bytearray()
    produced = False
    for chunk in chunks:
        view = memoryview(chunk if isinstance(chunk, bytes) else bytes(chunk))
        if carry:
            take = SEGMENT_SIZE - len(carry)
            carry += view[:take]
            view = view[take:]
            if len(carry) < SEGMENT_SIZE:
                continue
            yield bytes(carry)
            produced, carry = True, bytearray()
        while len(view) >= SEGMENT_SIZE:
            yield view[:SEGMENT_SIZE]
            produced, view = True, view[SEGMENT_SIZE:]
        carry += view
    if carry or not produced:
        yield bytes(carry)


def seal(
    chunks: Iterable[bytes], *, context: bytes, key_id: str | None = None, keyring: Keyring | None = None
) -> Iterator[bytes]:
    """Yield the header, then each sealed segment of the plaintext given as ``chunks`` of any size.

    The key is the keyring's primary key unless ``key_id`` names another. Each block is held back
    until the next one exists, so the final flag is always right (an empty input gives one empty
    final segment)."""
    ring = _keyring(keyring)
    key = ring.primary if key_id is None else ring.key(key_id)
    salt, prefix = os.urandom(SALT_BYTES), os.urandom(PREFIX_BYTES)
    key_bytes = key.key_id.encode("ascii")
    header = MAGIC + bytes([VERSION, len(key_bytes)]) + key_bytes + salt + prefix
    file_key = _file_key(key, salt, context)
    yield header

    def sealed(index: int, plaintext: bytes | memoryview, final: bool) -> bytes:
        return file_key.seal(_nonce(prefix, index, final), plaintext, _associated_data(header, context, index, final))

    blocks = _blocks(chunks)
    index, held = 0, next(blocks)
    for block in blocks:
        yield sealed(index, held, False)
        index, held = index + 1, block
    yield sealed(index, held, True)


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    """Read ``size`` bytes, fewer only at the end of the stream (some streams return short reads)."""
    data = stream.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    remaining = size - len(data)
    while remaining:
        more = stream.read(remaining)
        if not more:
            break
        parts.append(more)
        remaining -= len(more)
    return b"".join(parts)


def _read_header(stream: BinaryIO) -> tuple[bytes, str, bytes, bytes]:
    start = _read_exactly(stream, len(MAGIC) + 2)
    if len(start) < len(MAGIC) + 2 or start[: len(MAGIC)] != MAGIC:
        raise SegmentError("not a sealed file (bad magic)")
    if start[len(MAGIC)] != VERSION:
        raise SegmentError(f"unknown sealed-file format version {start[len(MAGIC)]}")
    key_length = start[len(MAGIC) + 1]
    rest = _read_exactly(stream, key_length + SALT_BYTES + PREFIX_BYTES)
    if len(rest) < key_length + SALT_BYTES + PREFIX_BYTES:
        raise SegmentError("the sealed file is truncated in its header")
    try:
        key_id = rest[:key_length].decode("ascii")
    except UnicodeDecodeError:
        raise SegmentError("the sealed file names a malformed key id") from None
    salt = rest[key_length : key_length + SALT_BYTES]
    prefix = rest[key_length + SALT_BYTES :]
    return start + rest, key_id, salt, prefix


def key_id_of(stream: BinaryIO) -> str:
    """The id of the key that sealed the file at the stream's position; reads the header only."""
    return _read_header(stream)[1]


def open_sealed(stream: BinaryIO, *, context: bytes, keyring: Keyring | None = None) -> Iterator[bytes]:
    """Yield the authenticated plaintext segments of a sealed file, in order.

    Raises :class:`SegmentError` at the first defect; a consumer that must not act on a partial file
    (a digest check, a re-encryption) must treat the file as bad when this raises, even after some
    segments were yielded."""
    header, key_id, salt, prefix = _read_header(stream)
    ring = _keyring(keyring)
    try:
        key = ring.key(key_id)
    except CryptoError:
        raise SegmentError(f"the sealed file needs key {key_id!r}, which the keyring does not hold") from None
    file_key = _file_key(key, salt, context)
    index = 0
    current = _read_exactly(stream, SEALED_SEGMENT)
    while True:
        if len(current) < TAG_BYTES:
            raise SegmentError(f"segment {index} is truncated")
        following = _read_exactly(stream, SEALED_SEGMENT) if len(current) == SEALED_SEGMENT else b""
        final = not following
        try:
            plaintext = file_key.open(
                _nonce(prefix, index, final), current, _associated_data(header, context, index, final)
            )
        except InvalidTag:
            raise SegmentError(
                f"segment {index} failed authentication (tampered, reordered, truncated, extended or swapped)"
            ) from None
        yield plaintext
        if final:
            return
        index += 1
        current = following
