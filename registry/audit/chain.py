"""The audit log's hash chain: the canonical form of a row, its hash, and the chain's lock.

Every row's ``hash`` is ``H(prev_hash ‖ canonical form of the row)``, with H = SHA-256 or SM3
(``REGISTRY_AUDIT_HASH``). The first row chains from :data:`GENESIS`. Writers are serialized
before they read the last hash (:func:`lock_chain`) — ``pg_advisory_xact_lock`` on PostgreSQL,
``BEGIN IMMEDIATE`` (the settings' transaction mode) on SQLite — so concurrent writers never
fork the chain. The databases compute the same canonical form in SQL (:func:`canonical_sql`)
for ``registry.audit.verify``.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuid_module
from collections.abc import Mapping
from datetime import UTC

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import connection

from registry.models import AuditEvent, canonical_json

__all__ = [
    "CHAINED_FIELDS",
    "GENESIS",
    "HASHERS",
    "canonical_form",
    "canonical_sql",
    "chain_hash",
    "hasher",
    "last_hash",
    "lock_chain",
]

GENESIS = "0" * 64

# One constant key for PostgreSQL's advisory lock of the audit chain ("audit" in ASCII).
ADVISORY_LOCK_KEY = 0x6175646974

# --- The hash chain --------------------------------------------------------------------------


def _sm3_hexdigest(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _sha256_hexdigest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


HASHERS = {"sha256": _sha256_hexdigest, "sm3": _sm3_hexdigest}


def hasher(name: str | None = None):
    """The digest function named ``name`` (default: the ``REGISTRY_AUDIT_HASH`` setting)."""
    name = name or getattr(settings, "REGISTRY_AUDIT_HASH", "sha256")
    try:
        return HASHERS[name]
    except KeyError:
        raise ValueError(f"unknown audit hash {name!r}; choose one of {', '.join(HASHERS)}") from None


# The fields the hash covers, in this order. ``id`` and ``actor`` (the foreign key, which
# SET_NULL may clear when an account is deleted) are left out: the copied ``actor_uuid`` and
# ``actor_username`` identify the actor, the random ``uuid`` identifies the row, and the
# ``prev_hash`` link pins each row's place in the chain.
CHAINED_FIELDS = (
    "uuid",
    "occurred_at",
    "actor_uuid",
    "actor_username",
    "role",
    "organization_ref",
    "organization_name",
    "action",
    "case_uuid",
    "sections",
    "request_id",
    "ip_address",
    "outcome",
    "detail",
)


_UUIDS = frozenset({"uuid", "actor_uuid", "case_uuid"})
_JSON = frozenset({"sections", "detail"})
_encode_array = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _text_of(name: str, value) -> str | None:
    """A field as the text its column stores, spelled the same on SQLite and PostgreSQL (see
    :func:`canonical_sql`): UUIDs as 32 hex digits, the time in UTC to the microsecond, JSON
    in its canonical text, numbers in decimal."""
    if value is None:
        return None
    if name in _UUIDS:
        return value.hex if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value)).hex
    if name == "occurred_at":
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if name in _JSON:
        return value if isinstance(value, str) else canonical_json(value)
    return str(value)


def canonical_form(values: Mapping) -> str:
    """The text of one row the hash covers: the texts of :data:`CHAINED_FIELDS`, in order, as one
    compact JSON array of strings and nulls. JSON's quoting makes it unambiguous (no edit of one
    field can pass for an edit of its neighbour). The databases compute the very same text in
    SQL (``json_array`` / ``array_to_json``) when ``verify_audit`` walks the chain, so the walk
    converts nothing in Python and only hashes."""
    return _encode_array([_text_of(name, values[name]) for name in CHAINED_FIELDS])


def canonical_sql(vendor: str) -> str:
    """The SQL expression computing :func:`canonical_form` of each row."""
    column = {name: f'"{name}"' for name in CHAINED_FIELDS}
    if vendor == "sqlite":
        # UUIDs are stored as 32 hex digits already; Django writes an aware time as naive UTC
        # text and leaves out a zero microsecond part.
        column["occurred_at"] = (
            'CASE WHEN length("occurred_at") = 19 THEN "occurred_at" || \'.000000\' ELSE "occurred_at" END'
        )
        column["organization_ref"] = 'CAST("organization_ref" AS TEXT)'
        return "json_array({})".format(", ".join(column[name] for name in CHAINED_FIELDS))
    if vendor == "postgresql":
        for name in _UUIDS:
            column[name] = f"encode(uuid_send(\"{name}\"), 'hex')"  # 32 hex digits, cheaper than text
        column["occurred_at"] = "to_char(\"occurred_at\" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        column["organization_ref"] = 'CAST("organization_ref" AS text)'
        # array_to_json of a text[] writes no spaces and escapes as Python's json does.
        return "CAST(array_to_json(ARRAY[{}]) AS text)".format(", ".join(column[name] for name in CHAINED_FIELDS))
    raise NotImplementedError(f"verify_audit supports SQLite and PostgreSQL, not {vendor}")


def chain_hash(prev_hash: str, values: Mapping, *, digest=None) -> str:
    """The hash of a row whose predecessor's hash is ``prev_hash``."""
    return (digest or hasher())((prev_hash + canonical_form(values)).encode())


def lock_chain() -> None:
    """Serialize writers of the chain until the surrounding transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
    # SQLite: the transaction began with BEGIN IMMEDIATE (settings), so it already holds the
    # database's single write lock; no other writer can append between our read and insert.


def last_hash() -> str:
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS
