"""The audit log's hash chain: its partitions, the canonical form of a row, its hash, and the
lock of a partition's head.

The log is a set of chains, one per partition (:func:`partition_of`: the actor's organization),
so that writers of different offices never wait on each other. Within a partition every row's
``hash`` is ``H(prev_hash ‖ canonical form of the row)``, with H = SHA-256 or SM3
(``REGISTRY_AUDIT_HASH``); the first row chains from the partition's own genesis
(:func:`genesis_of`). A writer locks its partition's head row (:func:`lock_head`: ``SELECT …
FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serializes writers), which both
serializes the partition's writers and hands over the hash to chain from, so concurrent writers
never fork a chain. The databases compute the same canonical form in SQL (:func:`canonical_sql`)
for ``registry.audit.verify``.

The events written before partitions existed form one chain of their own (partition ``""``,
starting from :data:`GENESIS`), whose canonical form has no partition field.
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

from registry.models import AuditChainHead, canonical_json

__all__ = [
    "CHAINED_FIELDS",
    "GENESIS",
    "HASHERS",
    "canonical_form",
    "canonical_sql",
    "chain_hash",
    "genesis_of",
    "hasher",
    "lock_head",
    "partition_of",
]

GENESIS = "0" * 64

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


# --- Partitions ------------------------------------------------------------------------------


def partition_of(values: Mapping) -> str:
    """The partition an event of these actor fields goes to: its organization's (``org-<id>``),
    ``staff`` for an account without one (auditors, system administrators), ``anonymous`` for no
    account (a failed sign-in). Never ``""``, the partition of the events from before."""
    if values.get("organization_ref") is not None:
        return f"org-{values['organization_ref']}"
    return "staff" if values.get("actor_uuid") is not None else "anonymous"


def genesis_of(partition: str, *, digest=None) -> str:
    """The hash the first event of ``partition`` chains from: :data:`GENESIS` for the events from
    before partitions, else the digest of the partition's name — distinct for every partition
    (``prev_hash`` is unique across the log) and binding the chain's start to its name."""
    if partition == "":
        return GENESIS
    return (digest or hasher())(f"registry audit partition {partition}".encode())


# The fields the hash covers, in this order. ``id`` and ``actor`` (the foreign key, which
# SET_NULL may clear when an account is deleted) are left out: the copied ``actor_uuid`` and
# ``actor_username`` identify the actor, the random ``uuid`` identifies the row, and the
# ``prev_hash`` link pins each row's place in the chain. ``partition`` follows them for every
# event but those from before partitions (partition ``""``), so an event moved to another
# partition no longer matches its hash.
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
    """The text of one row the hash covers: the texts of :data:`CHAINED_FIELDS`, in order, then
    the partition (unless ``""``), as one compact JSON array of strings and nulls. JSON's quoting
    makes it unambiguous (no edit of one field can pass for an edit of its neighbour). The
    databases compute the very same text in SQL (``json_array`` / ``array_to_json``) when
    ``verify_audit`` walks the chain, so the walk converts nothing in Python and only hashes."""
    texts = [_text_of(name, values[name]) for name in CHAINED_FIELDS]
    if values.get("partition"):
        texts.append(values["partition"])
    return _encode_array(texts)


def canonical_sql(vendor: str) -> str:
    """The SQL expression computing :func:`canonical_form` of each row."""
    columns = _canonical_columns(vendor)
    if vendor == "sqlite":
        array = "json_array({})"
    else:
        # array_to_json of a text[] writes no spaces and escapes as Python's json does.
        array = "CAST(array_to_json(ARRAY[{}]) AS text)"
    before, partitioned = array.format(", ".join(columns)), array.format(", ".join([*columns, '"partition"']))
    return f"CASE WHEN \"partition\" = '' THEN {before} ELSE {partitioned} END"


def _canonical_columns(vendor: str) -> list[str]:
    """The SQL text of each of :data:`CHAINED_FIELDS`, spelled as :func:`_text_of` spells it."""
    column = {name: f'"{name}"' for name in CHAINED_FIELDS}
    if vendor == "sqlite":
        # UUIDs are stored as 32 hex digits already; Django writes an aware time as naive UTC
        # text and leaves out a zero microsecond part.
        column["occurred_at"] = (
            'CASE WHEN length("occurred_at") = 19 THEN "occurred_at" || \'.000000\' ELSE "occurred_at" END'
        )
        column["organization_ref"] = 'CAST("organization_ref" AS TEXT)'
    elif vendor == "postgresql":
        for name in _UUIDS:
            column[name] = f"encode(uuid_send(\"{name}\"), 'hex')"  # 32 hex digits, cheaper than text
        column["occurred_at"] = "to_char(\"occurred_at\" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        column["organization_ref"] = 'CAST("organization_ref" AS text)'
    else:
        raise NotImplementedError(f"verify_audit supports SQLite and PostgreSQL, not {vendor}")
    return [column[name] for name in CHAINED_FIELDS]


def chain_hash(prev_hash: str, values: Mapping, *, digest=None) -> str:
    """The hash of a row whose predecessor's hash is ``prev_hash``."""
    return (digest or hasher())((prev_hash + canonical_form(values)).encode())


# --- A partition's head ------------------------------------------------------------------------


def lock_head(partition: str) -> AuditChainHead:
    """The head of ``partition``, locked until the surrounding transaction ends, created (at the
    partition's genesis) on its first event. One query once the partition exists: the lock and
    the hash to chain from come in the same ``SELECT … FOR UPDATE``. On SQLite the transaction
    began with ``BEGIN IMMEDIATE`` (settings), so it already holds the database's single write
    lock and there is no ``FOR UPDATE``. The statement is fixed text: every audited request runs
    it, so it skips the ORM's compiling, and PostgreSQL plans it once per connection. The head
    moves with the event's insert: the database advances it (registry migration 0009)."""
    head = _locked_head(partition)
    if head is not None:
        return head
    # Two first writers may race here: one inserts, the other's insert is ignored, both then
    # wait on the row in turn.
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(partition=partition, hash=genesis_of(partition))], ignore_conflicts=True
    )
    return _locked_head(partition)


def _locked_head(partition: str) -> AuditChainHead | None:
    quote, meta = connection.ops.quote_name, AuditChainHead._meta
    table, key, last, digest = quote(meta.db_table), quote("partition"), quote("last_event_id"), quote("hash")
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {last}, {digest} FROM {table} WHERE {key} = %s{lock}", [partition])  # noqa: S608
        row = cursor.fetchone()
    return None if row is None else AuditChainHead(partition=partition, last_event_id=row[0], hash=row[1])
