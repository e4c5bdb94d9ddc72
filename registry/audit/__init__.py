"""The audit log: who did what to which case, append-only and hash-chained (DESIGN §4).

This package's public face is the names below; the modules behind it:

- :mod:`registry.audit.events` — :func:`record_event` and :func:`log_read`, what may go into an
  event's ``detail``, and keyed digests of search terms and usernames;
- :mod:`registry.audit.chain` — partitions, the canonical form of a row, its hash, a head's lock;
- :mod:`registry.audit.checkpoints` — recording the heads of every partition in a checkpoint;
- :mod:`registry.audit.context` — who made a request and from where;
- :mod:`registry.audit.verify` — walking the chains and checkpoints (``manage.py verify_audit``);
- :mod:`registry.audit.receivers` — the sign-in events (connected in ``RegistryConfig.ready``).

Guarantees:

- :func:`record_event` writes one :class:`~registry.models.AuditEvent` inside the caller's
  transaction, so an operation's event commits or rolls back with the change it describes.
  Call it *last* in an operation, after the rows it changes are locked: it locks the head of
  its partition of the chain (:class:`~registry.models.AuditChainHead`) until the transaction
  ends.
- The log is one hash chain per partition — the actor's organization (``partition_of``) — so
  audited requests of different offices never wait on one lock. Within a partition every row's
  ``hash`` is ``H(prev_hash ‖ canonical form of the row)``, with H = SHA-256 or SM3
  (``REGISTRY_AUDIT_HASH``), starting from the partition's genesis (``genesis_of``); writers of
  a partition are serialized on its head row, so concurrent writers never fork a chain.
- Checkpoints (:mod:`registry.audit.checkpoints`, recorded periodically) hash every partition's
  head into a chain of their own, so removing or rewriting a partition's events, or a
  checkpoint, shows; ``verify_audit`` checks every partition, the heads and the checkpoints.
- Nothing personal is written: ``detail`` is a small, shape-checked JSON object; search terms
  and attempted usernames go in only as keyed HMACs (:func:`keyed_digest`), whose key is derived
  from the keyring's blind-index master key and never stored with the log.
- :func:`log_read` is the one helper every read path calls; ``registry.api.viewsets`` calls it
  for every retrieve and list, so each endpoint built on it is audited without more code.
- Events and checkpoints are never updated or deleted: the queryset refuses it, and database
  triggers (migrations ``0002_audit_event``, ``0008_audit_partitions``) refuse UPDATE, DELETE
  and (PostgreSQL) TRUNCATE. Retention is therefore
  unbounded — at least the 180 days the design requires — and no code path deletes events.
- A trigger moves each chain's head with the insert of its events (migration
  ``0009_audit_head_advanced_by_the_database``); ``verify_audit`` names it if it goes missing,
  and any head left behind its chain's last event.

The modules import one another, never this package, so importing it has no cycle.
"""

from registry.audit.chain import GENESIS, HASHERS, canonical_form, chain_hash, genesis_of
from registry.audit.checkpoints import checkpoint_record
from registry.audit.events import (
    keyed_digest,
    log_read,
    log_refusal,
    record_event,
    search_terms_detail,
    sections_shown,
)
from registry.audit.verify import ChainReport, verify_chain
from registry.models import AuditAction, AuditOutcome

__all__ = [
    "GENESIS",
    "HASHERS",
    "AuditAction",
    "AuditOutcome",
    "ChainReport",
    "canonical_form",
    "chain_hash",
    "checkpoint_record",
    "genesis_of",
    "keyed_digest",
    "log_read",
    "log_refusal",
    "record_event",
    "search_terms_detail",
    "sections_shown",
    "verify_chain",
]
