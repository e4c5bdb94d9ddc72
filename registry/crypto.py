"""Field encryption and blind indexes.

Guarantees:
- Every ciphertext is AEAD (AES-256-GCM, or SM4-GCM for deployments under the commercial-
  cryptography rules) with a fresh random 96-bit nonce, carries the id of the key that made it,
  and is bound by its associated data to one column (a stable ``app.model.field`` string): a
  value copied into another column does not decrypt.
- A missing key, a wrong key or a tampered value raises :class:`DecryptionError`; nothing here
  ever answers ``None`` for a value it could not read.
- Keys come from the keyring (environment or key file, see ``registry/keyring.py``); the first
  key of the keyring encrypts, every key in it decrypts.
- Blind indexes are keyed HMAC-SHA256 over a normalised value, with one key per column derived
  from the blind-index master key, so equal values in two columns give unrelated digests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CIPHERS = {"aes-256-gcm": 32, "sm4-gcm": 16}  # cipher name -> key length in bytes
NONCE_BYTES = 12
TAG_BYTES = 16
PREFIX = "e1"  # format version of the stored text: e1$<key id>$<base64url(nonce|ciphertext|tag)>
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class CryptoError(Exception):
    """Base of every field-encryption failure."""


class KeyringError(CryptoError):
    """The keyring is missing, malformed or lacks a key that is needed."""


class DecryptionError(CryptoError):
    """A stored value could not be authenticated and decrypted. Never swallowed."""


@dataclass(frozen=True)
class FieldKey:
    """One data-encryption key of the keyring."""

    key_id: str
    cipher: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not KEY_ID_RE.match(self.key_id):
            raise KeyringError(f"key id {self.key_id!r} must be 1-32 letters, digits, '-' or '_'")
        if self.cipher not in CIPHERS:
            raise KeyringError(f"key {self.key_id}: unknown cipher {self.cipher!r}; use one of {sorted(CIPHERS)}")
        if len(self.secret) != CIPHERS[self.cipher]:
            raise KeyringError(f"key {self.key_id}: {self.cipher} needs a {CIPHERS[self.cipher]}-byte secret")

    @cached_property
    def _aesgcm(self) -> AESGCM:
        # Built once per key: constructing the AEAD object is a large share of a small encryption.
        return AESGCM(self.secret)

    def seal(self, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
        if self.cipher == "aes-256-gcm":
            return self._aesgcm.encrypt(nonce, plaintext, associated_data)
        encryptor = Cipher(algorithms.SM4(self.secret), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(associated_data)
        return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag

    def open(self, nonce: bytes, sealed: bytes, associated_data: bytes) -> bytes:
        if self.cipher == "aes-256-gcm":
            return self._aesgcm.decrypt(nonce, sealed, associated_data)
        body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(self.secret), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(associated_data)
        return decryptor.update(body) + decryptor.finalize()


class Keyring:
    """The live keys: the first encrypts, all decrypt; plus the blind-index master key."""

    def __init__(self, keys: list[FieldKey], blind_index_secret: bytes) -> None:
        if not keys:
            raise KeyringError("the keyring holds no field-encryption key")
        ids = [key.key_id for key in keys]
        if len(set(ids)) != len(ids):
            raise KeyringError("the keyring names a key id twice")
        if len(blind_index_secret) < 32:
            raise KeyringError("the blind-index secret must be at least 32 bytes")
        self.keys = {key.key_id: key for key in keys}
        self.primary = keys[0]
        self._blind_index_secret = blind_index_secret
        self._column_keys: dict[str, bytes] = {}

    def __repr__(self) -> str:  # never show secrets
        return f"<Keyring primary={self.primary.key_id} keys={list(self.keys)}>"

    def key(self, key_id: str) -> FieldKey:
        try:
            return self.keys[key_id]
        except KeyError:
            raise DecryptionError(f"no key with id {key_id!r} in the keyring") from None

    def column_key(self, column: str) -> bytes:
        """The HMAC key of one column's blind index, derived once from the master key."""
        derived = self._column_keys.get(column)
        if derived is None:
            hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"blind-index:{column}".encode())
            derived = self._column_keys[column] = hkdf.derive(self._blind_index_secret)
        return derived


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(plaintext: bytes, *, column: str, keyring: Keyring) -> str:
    """Seal ``plaintext`` for ``column`` with the primary key; the result is printable text."""
    key = keyring.primary
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.seal(nonce, plaintext, column.encode())
    return f"{PREFIX}${key.key_id}${_b64encode(nonce + sealed)}"


def key_id_of(token: str) -> str:
    """The id of the key that sealed ``token`` (used by key rotation to skip current rows)."""
    return _split(token)[0]


def _split(token: str) -> tuple[str, bytes]:
    parts = token.split("$")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("stored value is not an encrypted field value")
    try:
        blob = _b64decode(parts[2])
    except ValueError:
        raise DecryptionError("stored value is not valid base64") from None
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("stored value is too short")
    return parts[1], blob


def decrypt(token: str, *, column: str, keyring: Keyring) -> bytes:
    """Authenticate and open ``token`` for ``column``; raise :class:`DecryptionError` otherwise."""
    key_id, blob = _split(token)
    key = keyring.key(key_id)
    try:
        return key.open(blob[:NONCE_BYTES], blob[NONCE_BYTES:], column.encode())
    except InvalidTag:
        raise DecryptionError(f"value of {column} failed authentication (tampered, moved or wrong key)") from None


_WHITESPACE = re.compile(r"\s+")


def normalize_for_index(value: str) -> str:
    """Fold the spellings of one value together: NFKC (full-width to half-width), no white
    space, upper case (the check digit ``x`` of a resident ID becomes ``X``)."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", value)).upper()


def blind_index(value: str, *, column: str, keyring: Keyring) -> str:
    """Keyed HMAC-SHA256 (hex) of the normalised value, with the column's own derived key."""
    normalized = normalize_for_index(value)
    return hmac.new(keyring.column_key(column), normalized.encode(), hashlib.sha256).hexdigest()
