"""Celery tasks of batch archival (``exports.batch``). A task carries ids only — the batch's
UUID, the case's UUID and the acting officer's id — never a personal value.

A worker process builds its renderer (fonts, font configuration) in its first task, not when
it starts: Celery kills a new pool process that takes more than a few seconds to report for
work, and workers are replaced every ``CELERY_WORKER_MAX_TASKS_PER_CHILD`` dossiers."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="exports.archive_case", acks_late=True, ignore_result=True)
def archive_case(batch_id: str, case_id: str, actor_id: int) -> str:
    """Make one case's dossier for the batch ``batch_id`` as the user ``actor_id``."""
    from django.contrib.auth import get_user_model

    from exports.batch import archive_one
    from exports.models import ArchiveBatch

    batch = ArchiveBatch.objects.get(uuid=batch_id)
    actor = get_user_model().objects.get(pk=actor_id)
    return archive_one(actor=actor, batch=batch, case_uuid=case_id)
