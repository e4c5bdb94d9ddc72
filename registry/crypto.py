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
  Normalisation folds what a person cannot tell apart: full-width forms, white space, case, and
  invisible characters (controls, format characters, default-ignorables) for every value;
  separators and Cyrillic/Greek look-alikes of Latin letters too for document numbers.
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


# --- blind-index normalization -----------------------------------------------------------------
#
# Two spellings of one value must give one digest, or duplicate detection and exact search are
# bypassed by characters a person cannot see. The validation of what is stored refuses such
# characters (victims.validation); the index drops them as well, so a value that reached the
# database another way still folds onto the same digest.

# Default_Ignorable_Code_Point, as Unicode's DerivedCoreProperties.txt defines it (15.1/16.0; the
# ranges have not changed since 14.0, the version of this Python's unicodedata). unicodedata knows
# categories only, not this derived property, so its ranges are written out here. It covers the
# zero-width space, joiner and non-joiner (U+200B-U+200D), the bidirectional marks, the word
# joiner, the soft hyphen (U+00AD), the BOM (U+FEFF), the variation selectors (U+FE00-U+FE0F,
# U+E0100-U+E01EF), the tags and the Hangul fillers.
DEFAULT_IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # SOFT HYPHEN
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x115F, 0x1160),  # HANGUL CHOSEONG FILLER..HANGUL JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ..KHMER VOWEL INHERENT AA
    (0x180B, 0x180F),  # MONGOLIAN FREE VARIATION SELECTORS, MONGOLIAN VOWEL SEPARATOR
    (0x200B, 0x200F),  # ZERO WIDTH SPACE..RIGHT-TO-LEFT MARK
    (0x202A, 0x202E),  # LEFT-TO-RIGHT EMBEDDING..RIGHT-TO-LEFT OVERRIDE
    (0x2060, 0x206F),  # WORD JOINER..NOMINAL DIGIT SHAPES (with reserved U+2065)
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # VARIATION SELECTOR-1..VARIATION SELECTOR-16
    (0xFEFF, 0xFEFF),  # ZERO WIDTH NO-BREAK SPACE (BOM)
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),  # reserved
    (0x1BCA0, 0x1BCA3),  # SHORTHAND FORMAT LETTER OVERLAP..SHORTHAND FORMAT UP STEP
    (0x1D173, 0x1D17A),  # MUSICAL SYMBOL BEGIN BEAM..MUSICAL SYMBOL END PHRASE
    (0xE0000, 0xE0FFF),  # tags, VARIATION SELECTOR-17..256 (U+E0100-U+E01EF), reserved
)
# Control, format and surrogate code points (a lone surrogate can arrive through a JSON "\ud800"
# escape and cannot be encoded). Unassigned code points are not refused: characters newer than
# this Python's Unicode tables (rare CJK ideographs in names) are unassigned to it.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})

# Separators people type inside document numbers: white space (str.isspace), every dash
# (category Pd, and the minus and hyphen signs outside it), dots and slashes. NFKC has already
# turned full-width and small forms into these.
_SEPARATORS = frozenset(
    ".\u00b7\u0387\u2024\u2027\u2e31\u22c5\u2219\u30fb\u3002"  # dots, middle dots
    "/\\\u2044\u2215\u29f8\u29f9"  # slashes
    "\u2212\u2043\u02d7\u2053"  # minus sign, hyphen bullet, modifier minus, swung dash
)
# Cyrillic and Greek capitals that look like Latin letters (after upper-casing), the confusables
# of Unicode TR39 that occur when a number is typed on a Russian or Greek keyboard layout.
DOCUMENT_CONFUSABLES = {
    # Cyrillic
    "\u0410": "A", "\u0412": "B", "\u0415": "E", "\u041a": "K", "\u041c": "M", "\u041d": "H",
    "\u041e": "O", "\u0420": "P", "\u0421": "C", "\u0422": "T", "\u0423": "Y", "\u0425": "X",
    "\u0405": "S", "\u0406": "I", "\u0408": "J", "\u04ae": "Y", "\u04c0": "I", "\u051a": "Q",
    "\u051c": "W",
    # Greek
    "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H", "\u0399": "I",
    "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O", "\u03a1": "P", "\u03a4": "T",
    "\u03a5": "Y", "\u03a7": "X",
}  # fmt: skip


# The ranges above as one character class: a match is one C call, not a Python loop per range.
_DEFAULT_IGNORABLE = re.compile(
    "[" + "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in DEFAULT_IGNORABLE_RANGES) + "]"
)


def is_invisible(char: str) -> bool:
    """Whether ``char`` is a control, format or surrogate code point, or default-ignorable:
    characters that change a value's bytes but not what a person sees."""
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES or _DEFAULT_IGNORABLE.match(char) is not None


def first_invisible(value: str) -> str | None:
    """The first invisible character of ``value`` (also of its NFKC form), or ``None``."""
    for text in (value, unicodedata.normalize("NFKC", value)):
        for char in text:
            if is_invisible(char):
                return char
    return None


def _is_separator(char: str) -> bool:
    return char.isspace() or char in _SEPARATORS or unicodedata.category(char) == "Pd"


def _visible(value: str) -> str:
    # Invisible characters go before NFKC, which they would otherwise keep from composing
    # ("e", ZWSP, combining acute must fold as "é"), and after it, which may produce one.
    text = unicodedata.normalize("NFKC", "".join(char for char in value if not is_invisible(char)))
    return "".join(char for char in text if not is_invisible(char))


def normalize_for_index(value: str) -> str:
    """Fold the spellings of one text value (a name) together: invisible characters removed,
    NFKC (full-width to half-width), white space removed, upper case (the check digit ``x`` of
    a resident ID becomes ``X``)."""
    return "".join(char for char in _visible(value) if not char.isspace()).upper()


def fold_document_number(value: str) -> str:
    """The canonical form of an identity document number: invisible characters removed, NFKC,
    upper case, separators (white space, dashes, dots, slashes) removed, Cyrillic and Greek
    look-alikes of Latin letters mapped to them. What is left should be ``[A-Z0-9]``; the
    validation refuses anything else, the index keeps it (it never refuses)."""
    return "".join(DOCUMENT_CONFUSABLES.get(char, char) for char in _visible(value).upper() if not _is_separator(char))


# How each kind of blind index folds its values; a BlindIndexField names one.
NORMALIZATIONS = {"text": normalize_for_index, "document_number": fold_document_number}


def index_digest(normalized: str, *, column: str, keyring: Keyring) -> str:
    """Keyed HMAC-SHA256 (hex) of an already normalised value, with the column's own key."""
    return hmac.new(keyring.column_key(column), normalized.encode(), hashlib.sha256).hexdigest()


def blind_index(value: str, *, column: str, keyring: Keyring, normalization: str = "text") -> str:
    """Keyed HMAC-SHA256 (hex) of the normalised value, with the column's own derived key."""
    return index_digest(NORMALIZATIONS[normalization](value), column=column, keyring=keyring)
