"""The audit log: who did what to which case, append-only and hash-chained (DESIGN §4).

Guarantees:

- :func:`record_event` writes one :class:`~registry.models.AuditEvent` inside the caller's
  transaction (a savepoint of it), so an operation's event commits or rolls back with the
  change it describes. Call it *last* in an operation, after the rows it changes are locked:
  on PostgreSQL it takes the audit chain's advisory lock, held until the transaction ends.
- Every row's ``hash`` is ``H(prev_hash ‖ canonical form of the row)``, with H = SHA-256 or SM3
  (``REGISTRY_AUDIT_HASH``). The first row chains from :data:`GENESIS`. Writers are serialized
  before they read the last hash — ``pg_advisory_xact_lock`` on PostgreSQL, ``BEGIN IMMEDIATE``
  (the settings' transaction mode) on SQLite — so concurrent writers never fork the chain.
- Nothing personal is written: ``detail`` is a small, shape-checked JSON object; search terms
  and attempted usernames go in only as keyed HMACs (:func:`keyed_digest`), whose key is derived
  from the keyring's blind-index master key and never stored with the log.
- :func:`log_read` is the one helper every read path calls; ``registry.api.viewsets`` calls it
  for every retrieve and list, so each endpoint built on it is audited without more code.
- Rows are never updated or deleted: the queryset refuses it, and database triggers (migration
  ``0002_audit_event``) refuse UPDATE, DELETE and (PostgreSQL) TRUNCATE. Retention is therefore
  unbounded — at least the 180 days the design requires — and no code path deletes events.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import queue
import re
import threading
import uuid as uuid_module
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from registry import policy
from registry.models import AuditAction, AuditEvent, AuditOutcome, canonical_json
from registry.policy import Section

__all__ = [
    "GENESIS",
    "AuditAction",
    "AuditOutcome",
    "canonical_form",
    "chain_hash",
    "keyed_digest",
    "log_read",
    "record_event",
    "search_terms_detail",
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
    :func:`_canonical_sql`): UUIDs as 32 hex digits, the time in UTC to the microsecond, JSON
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


def _canonical_sql(vendor: str) -> str:
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


def _lock_chain() -> None:
    """Serialize writers of the chain until the surrounding transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
    # SQLite: the transaction began with BEGIN IMMEDIATE (settings), so it already holds the
    # database's single write lock; no other writer can append between our read and insert.


def _last_hash() -> str:
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS


# --- What goes into ``detail`` ---------------------------------------------------------------

_DETAIL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_DETAIL_MAX_BYTES = 4096
_DETAIL_MAX_STRING = 200


def _check_detail_value(value, depth: int = 0) -> None:
    # No floats: their text form is not guaranteed to survive a JSON column unchanged.
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if len(value) > _DETAIL_MAX_STRING or "\x00" in value:
            raise ValueError("an audit detail string is limited to 200 characters, without NUL")
        return
    if depth < 2 and isinstance(value, list | tuple):
        for item in value:
            _check_detail_value(item, depth + 1)
        return
    if depth < 2 and isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not _DETAIL_KEY.match(key):
                raise ValueError(f"audit detail key {key!r} must be a short snake_case name")
            _check_detail_value(item, depth + 1)
        return
    raise ValueError(f"audit detail holds an unsupported value of type {type(value).__name__}")


def _clean_detail(detail: Mapping | None) -> dict:
    if not detail:
        return {}
    if not isinstance(detail, Mapping):
        raise ValueError("audit detail must be a mapping")
    detail = dict(detail)
    _check_detail_value(detail)
    if len(json.dumps(detail, ensure_ascii=False)) > _DETAIL_MAX_BYTES:
        raise ValueError("audit detail is limited to 4 KB; it is a note, not a record")
    return detail


def keyed_digest(value: str, *, purpose: str) -> str:
    """A keyed HMAC of ``value`` for the audit log (``purpose`` names the key, e.g.
    ``"audit.search_term"``): equal terms give equal digests, so an auditor can see that two
    searches looked for the same thing, but the term itself is never stored."""
    from registry.crypto import blind_index
    from registry.keyring import active_keyring

    return "hmac:" + blind_index(str(value), column=purpose, keyring=active_keyring())


def search_terms_detail(terms: Mapping[str, str]) -> dict[str, str]:
    """``{parameter: keyed digest}`` of search terms, ready for ``detail["terms"]``."""
    return {name: keyed_digest(value, purpose="audit.search_term") for name, value in sorted(terms.items())}


# --- Who and where ---------------------------------------------------------------------------

_REQUEST_ID = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})$")
_REQUEST_ID_ATTRIBUTE = "registry_request_id"


def _django_request(request):
    """The ``HttpRequest`` under a DRF ``Request`` (or the request itself)."""
    return getattr(request, "_request", request)


def request_id_of(request) -> str:
    """One id per request, shared by every event it causes. A proxy's ``X-Request-ID`` is kept
    when it is a UUID or 32 hex digits (what nginx's ``$request_id`` gives); anything else is
    replaced, so a client cannot smuggle text into the log through the header."""
    if request is None:
        return ""
    base = _django_request(request)
    known = getattr(base, _REQUEST_ID_ATTRIBUTE, None)
    if known:
        return known
    supplied = base.META.get("HTTP_X_REQUEST_ID", "")
    value = supplied.lower() if _REQUEST_ID.match(supplied) else uuid_module.uuid4().hex
    setattr(base, _REQUEST_ID_ATTRIBUTE, value)
    return value


def ip_address_of(request) -> str:
    """The peer address (``REMOTE_ADDR``). A reverse proxy in front must pass the client's
    address there (e.g. gunicorn ``--forwarded-allow-ips``); ``X-Forwarded-For`` is never read,
    because any client can write it."""
    if request is None:
        return ""
    try:
        address = str(ipaddress.ip_address(_django_request(request).META.get("REMOTE_ADDR", "")))
    except ValueError:
        return ""
    return address if len(address) <= 45 else ""  # an IPv6 zone name could overflow the column


def _actor_fields(actor) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {
            "actor": None,
            "actor_uuid": None,
            "actor_username": "",
            "role": "",
            "organization_ref": None,
            "organization_name": "",
        }
    organization = actor.organization if actor.organization_id else None
    return {
        "actor": actor,
        "actor_uuid": actor.uuid,
        "actor_username": actor.get_username(),
        "role": str(actor.role or ""),
        "organization_ref": organization.pk if organization else None,
        "organization_name": organization.name if organization else "",
    }


# --- Writing ---------------------------------------------------------------------------------


def record_event(
    *,
    action: AuditAction | str,
    actor=None,
    request=None,
    case_uuid=None,
    sections: Iterable[Section | str] = (),
    outcome: AuditOutcome | str = AuditOutcome.SUCCESS,
    detail: Mapping | None = None,
) -> AuditEvent:
    """Append one event to the audit log and return it.

    ``actor`` defaults to ``request.user``; username, role, organization, IP address and
    request id are copied from them. ``sections`` are the sections of the case involved (for a
    view: the sections shown). ``detail`` is a small JSON object that must never hold a personal
    value — pass search terms through :func:`search_terms_detail`. Runs inside the caller's
    transaction (as a savepoint); on PostgreSQL the chain stays locked until it commits.
    """
    action = AuditAction(action)
    outcome = AuditOutcome(outcome)
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    section_values = [Section(section).value for section in sections]
    values = {
        "uuid": uuid_module.uuid4(),
        **_actor_fields(actor),
        "action": action.value,
        "case_uuid": uuid_module.UUID(str(case_uuid)) if case_uuid else None,
        "sections": section_values,
        "request_id": request_id_of(request),
        "ip_address": ip_address_of(request),
        "outcome": outcome.value,
        "detail": _clean_detail(detail),
    }
    for name, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(f"audit field {name} holds a NUL character")
    with transaction.atomic():
        _lock_chain()
        prev_hash = _last_hash()
        # The time is taken under the lock, so it never decreases along the chain.
        values["occurred_at"] = timezone.now()
        event = AuditEvent(**values, prev_hash=prev_hash, hash=chain_hash(prev_hash, values))
        event._chained = True
        event.save(force_insert=True)
    return event


def log_read(request, *, action: AuditAction | str, case_uuid=None, sections: Iterable[Section | str] = (), **extra):
    """Record that ``request.user`` read something: a case (``case_viewed`` with the sections
    shown), a list (``case_listed``) or a search (``case_searched``, terms hashed). Every read
    path over victim data calls this; ``extra`` is passed on (``detail``, ``outcome``)."""
    return record_event(action=action, request=request, case_uuid=case_uuid, sections=sections, **extra)


def sections_shown(user, serializer_class=None) -> tuple[Section, ...]:
    """The sections of a case a read by ``user`` shows: those the policy lets the user read,
    narrowed to those the serializer carries when it declares ``Meta.sections``."""
    readable = policy.readable_sections(user)
    declared = getattr(getattr(serializer_class, "Meta", None), "sections", None)
    if declared is None:
        return readable
    return tuple(section for section in readable if section in declared)


# --- Verification ----------------------------------------------------------------------------

# The triggers migration 0002_audit_event creates; verify_audit reports any that went missing
# (a table rebuilt by a later migration on SQLite, say, would silently drop them).
APPEND_ONLY_TRIGGERS = {
    "sqlite": frozenset({"registry_auditevent_no_update", "registry_auditevent_no_delete"}),
    "postgresql": frozenset({"registry_auditevent_no_update_delete", "registry_auditevent_no_truncate"}),
}


@dataclass(frozen=True)
class BrokenLink:
    id: int
    occurred_at: object
    reason: str


@dataclass
class ChainReport:
    checked: int = 0
    head_id: int | None = None
    head_hash: str = GENESIS
    broken: BrokenLink | None = None
    missing_anchors: tuple[str, ...] = ()
    missing_triggers: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.missing_anchors and not self.missing_triggers


def missing_triggers() -> tuple[str, ...]:
    """The append-only triggers absent (or disabled) on the audit table."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled <> 'D'",
                [table],
            )
        else:
            return ()
        present = {row[0] for row in cursor.fetchall()}
    return tuple(sorted(APPEND_ONLY_TRIGGERS[connection.vendor] - present))


def verify_chain(*, batch_size: int = 10_000, anchors: Iterable[str] = (), digest: str | None = None) -> ChainReport:
    """Walk the whole chain in ``id`` order, in batches (memory stays flat), and report the
    first row whose ``prev_hash`` does not name its predecessor (a row removed or moved before
    it) or whose ``hash`` does not match its content (a row changed). ``anchors`` are head
    hashes recorded earlier, e.g. by a previous run: each must still be in the chain, which
    catches rows cut off the end — the one change a chain alone cannot show."""
    compute = hasher(digest)
    report = ChainReport(missing_triggers=missing_triggers())
    wanted = set(anchors)
    expected_prev = GENESIS
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    query = (
        f"SELECT id, prev_hash, hash, {_canonical_sql(connection.vendor)} "  # noqa: S608 (no user input)
        f"FROM {table} WHERE id > %s ORDER BY id LIMIT %s"
    )
    with closing(_batches(query, batch_size)) as batches:
        for batch in batches:
            for position, (row_id, prev_hash, row_hash, canonical) in enumerate(batch):
                if prev_hash != expected_prev:
                    reason = "its previous hash does not name the event before it (removed or moved)"
                elif compute((prev_hash + canonical).encode()) != row_hash:
                    reason = "its content does not match its hash (changed)"
                else:
                    expected_prev = row_hash
                    if wanted:
                        wanted.discard(row_hash)
                    continue
                batches.close()  # stop the fetching thread before using the connection again
                report.checked += position
                report.broken = _broken(row_id, reason)
                return report
            report.checked += len(batch)
            report.head_id, report.head_hash = batch[-1][0], expected_prev
    report.missing_anchors = tuple(sorted(wanted))
    return report


def _batches(query: str, batch_size: int) -> Iterator[list[tuple]]:
    """The rows of ``query`` (keyset-paginated on ``id``), one batch at a time.

    A helper thread fetches the next batch while the caller hashes the current one: the database
    computes the canonical texts with Python's lock released, so the two overlap. It uses the
    same database connection — hence the same transaction and snapshot — through the driver
    directly, and it is the only user of the connection until this generator is closed.
    """
    connection.ensure_connection()
    driver_connection = connection.connection
    if connection.vendor == "sqlite":
        query = query.replace("%s", "?")
    ready: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        cursor = driver_connection.cursor()
        try:
            last_id = 0
            while not stop.is_set():
                cursor.execute(query, (last_id, batch_size))
                batch = cursor.fetchall()
                ready.put(batch)
                if not batch:
                    return
                last_id = batch[-1][0]
        except Exception as error:  # handed to the caller, which raises it
            ready.put(error)
        finally:
            cursor.close()

    worker = threading.Thread(target=fetch, name="verify-audit-fetch", daemon=True)
    worker.start()
    try:
        while True:
            batch = ready.get()
            if isinstance(batch, Exception):
                raise batch
            if not batch:
                return
            yield batch
    finally:
        stop.set()
        while worker.is_alive():  # unblock a fetch waiting to hand over its batch
            try:
                ready.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


def _broken(row_id: int, reason: str) -> BrokenLink:
    occurred_at = AuditEvent.objects.filter(id=row_id).values_list("occurred_at", flat=True).first()
    return BrokenLink(row_id, occurred_at, reason)


# --- Sign-in events (connected in RegistryConfig.ready) --------------------------------------


def _on_logged_in(sender, request, user, **kwargs) -> None:
    record_event(action=AuditAction.LOGIN, actor=user, request=request)


def _on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_event(action=AuditAction.LOGOUT, actor=user, request=request)


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # A username is not victim data, but what is typed into the field sometimes is (a
    # password, a mistyped ID number), so only its keyed digest is kept.
    attempted = credentials.get("username") or ""
    detail = {"username": keyed_digest(attempted, purpose="audit.username")} if attempted else {}
    record_event(
        action=AuditAction.LOGIN_FAILED, actor=None, request=request, outcome=AuditOutcome.FAILURE, detail=detail
    )


def _on_token_issued(sender, token, user, request=None, **kwargs) -> None:
    # The token's row id only: its prefix is part of the secret.
    record_event(action=AuditAction.TOKEN_ISSUED, actor=user, request=request, detail={"token_id": token.pk})


def connect_signals() -> None:
    from django.contrib.auth import signals

    from registry.accounts import api_token_issued

    api_token_issued.connect(_on_token_issued, dispatch_uid="registry.audit.token_issued")
    signals.user_logged_in.connect(_on_logged_in, dispatch_uid="registry.audit.login")
    signals.user_logged_out.connect(_on_logged_out, dispatch_uid="registry.audit.logout")
    signals.user_login_failed.connect(_on_login_failed, dispatch_uid="registry.audit.login_failed")
