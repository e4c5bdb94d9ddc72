"""Checkpoints of the audit chain: every partition's head at one moment, in a chain of their own.

Each partition of the log is its own hash chain, so nothing inside one partition shows that its
last events were cut off, or that the whole partition was rewritten with fresh hashes. A
checkpoint pins where every partition ended — ``{partition: [last event id, its hash]}`` — and
is chained to the checkpoint before it like the events are (``hash`` = H(``prev_hash`` ‖
canonical JSON of the time and the heads)). ``verify_audit`` then checks that every event a
checkpoint names is still there, in its partition, with that hash; a checkpoint removed or
changed breaks the checkpoint chain; and the latest checkpoint's hash, kept outside the
database (``verify_audit --anchor``), pins the checkpoints' own end.

Recorded by :func:`checkpoint_record`: Celery beat calls it every
``REGISTRY_AUDIT_CHECKPOINT_MINUTES`` (``registry.tasks``), cron runs ``manage.py
audit_checkpoint`` where there is no broker. Reading the heads takes no lock: a writer is never
held up by a checkpoint.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.audit.chain import GENESIS, hasher
from registry.models import AuditChainHead, AuditCheckpoint, canonical_json

__all__ = ["checkpoint_hash", "checkpoint_record"]


def checkpoint_hash(prev_hash: str, created_at, heads: dict, *, digest=None) -> str:
    """The hash of a checkpoint whose predecessor's hash is ``prev_hash``."""
    body = canonical_json({"at": created_at.isoformat(), "heads": heads})
    return (digest or hasher())((prev_hash + body).encode())


def checkpoint_record() -> AuditCheckpoint:
    """Record a checkpoint of every partition's head now and return it.

    Two at once (two beats, or cron beside a manual run) cannot both chain from the same
    checkpoint: ``prev_hash`` is unique, so the later one fails and is made again once, chained
    from the checkpoint that won."""
    try:
        return _checkpoint_insert()
    except IntegrityError:
        return _checkpoint_insert()  # another checkpoint won the race: chain from it


def _checkpoint_insert() -> AuditCheckpoint:
    heads = {
        partition: [last_event_id, head_hash]
        for partition, last_event_id, head_hash in AuditChainHead.objects.filter(last_event_id__isnull=False)
        .order_by("partition")
        .values_list("partition", "last_event_id", "hash")
    }
    with transaction.atomic():
        prev_hash = AuditCheckpoint.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
        created_at = timezone.now()
        return AuditCheckpoint.objects.create(
            created_at=created_at,
            heads=heads,
            prev_hash=prev_hash,
            hash=checkpoint_hash(prev_hash, created_at, heads),
        )
