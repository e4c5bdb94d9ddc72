"""The registry's own periodic work for Celery beat: the audit chain's checkpoints."""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="registry.audit_checkpoint", ignore_result=True)
def audit_checkpoint() -> int:
    """Record a checkpoint of every partition's head (``registry.audit.checkpoint_record``);
    log its id and the number of chains; return its id."""
    from registry.audit import checkpoint_record

    checkpoint = checkpoint_record()
    log.info("audit checkpoint #%d of %d chains", checkpoint.pk, len(checkpoint.heads))
    return checkpoint.pk
