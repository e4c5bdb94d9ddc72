"""Writing the audit log: :func:`record_event`, :func:`log_read`, and what may go into an
event's ``detail``.

- :func:`record_event` writes one :class:`~registry.models.AuditEvent` inside the caller's
  transaction, so an operation's event commits or rolls back with the change it describes.
  Call it *last* in an operation, after the rows it changes are locked: it locks the head of
  the actor's partition of the chain until the transaction ends.
- Nothing personal is written: ``detail`` is a small, shape-checked JSON object; search terms
  and attempted usernames go in only as keyed HMACs (:func:`keyed_digest`), whose key is derived
  from the keyring's blind-index master key and never stored with the log.
- :func:`log_read` is the one helper every read path calls.
"""

from __future__ import annotations

import json
import re
import uuid as uuid_module
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone

from registry import policy
from registry.audit.chain import chain_hash, lock_head, partition_of
from registry.audit.context import actor_fields, ip_address_of, request_id_of
from registry.models import AuditAction, AuditEvent, AuditOutcome
from registry.policy import Section

__all__ = ["keyed_digest", "log_read", "record_event", "search_terms_detail", "sections_shown"]

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
    transaction (no savepoint of its own: an event that cannot be written fails the whole
    transaction, as it must); the head of the actor's partition stays locked until it commits,
    and only writers of that partition wait on it. Two queries once the partition exists: lock
    and read the head, insert the event — which advances the head in the same statement (a
    trigger: registry migration 0009) — and none for the actor, whose organization the
    authentication brought along (``actor_fields``).
    """
    action = AuditAction(action)
    outcome = AuditOutcome(outcome)
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    section_values = [policy.section_named(section).value for section in sections]
    values = {
        "uuid": uuid_module.uuid4(),
        **actor_fields(actor),
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
    values["partition"] = partition_of(values)
    with transaction.atomic(savepoint=False):
        head = lock_head(values["partition"])
        # The time is taken under the lock, so it never decreases along a partition's chain.
        values["occurred_at"] = timezone.now()
        event = AuditEvent(**values, prev_hash=head.hash, hash=chain_hash(head.hash, values))
        event._chained = True
        event.save(force_insert=True)
    return event


def log_read(request, *, action: AuditAction | str, case_uuid=None, sections: Iterable[Section | str] = (), **extra):
    """Record that ``request.user`` read something: a case (``case_viewed`` with the sections
    shown), a list (``case_listed``) or a search (``case_searched``, terms hashed). Every read
    path over victim data calls this; ``extra`` is passed on (``detail``, ``outcome``)."""
    return record_event(action=action, request=request, case_uuid=case_uuid, sections=sections, **extra)


def log_refusal(request, *, status: int, code: str, case_uuid=None):
    """Record a refused request (``access_denied``): the status, its code, the method and the
    route's name — never the path or what was posted — and the case a URL named, if any. The
    pages' refusal (``registry.pages.refuse``) and the API's error handler both call this."""
    match = getattr(request, "resolver_match", None)
    return record_event(
        action=AuditAction.ACCESS_DENIED,
        request=request,
        case_uuid=case_uuid,
        outcome=AuditOutcome.DENIED,
        detail={
            "status": status,
            "code": code,
            "method": request.method[:10],
            "route": (match.view_name if match else "")[:100],
        },
    )


def sections_shown(user, serializer_class=None) -> tuple[Section, ...]:
    """The sections of a case a read by ``user`` shows: those the policy lets the user read,
    narrowed to those the serializer carries when it declares ``Meta.sections``."""
    readable = policy.readable_sections(user)
    declared = getattr(getattr(serializer_class, "Meta", None), "sections", None)
    if declared is None:
        return readable
    return tuple(section for section in readable if section in declared)
