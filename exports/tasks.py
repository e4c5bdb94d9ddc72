"""Celery tasks of the exports app: batch archival (``exports.batch``) and dossier jobs
(``exports.jobs``). A task carries ids only — a batch's, a case's or a job's UUID and the acting
officer's id — never a personal value.

Each task has Celery's time limits: soft at ``EXPORTS_DOSSIER_TIME_LIMIT`` seconds (the task is
interrupted where it is, and counted or recorded as a failure), hard ``exports.jobs.KILL_GRACE``
seconds later (the worker process is killed; a dossier job is then ended as timed out at its
deadline). A dossier job is sent with its own limits (``exports.jobs``).

A worker process builds its renderer (fonts, font configuration) in its first task, not when
it starts: Celery kills a new pool process that takes more than a few seconds to report for
work, and workers are replaced every ``CELERY_WORKER_MAX_TASKS_PER_CHILD`` dossiers."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from exports import jobs


@shared_task(
    name="exports.archive_case",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=settings.EXPORTS_DOSSIER_TIME_LIMIT,
    time_limit=settings.EXPORTS_DOSSIER_TIME_LIMIT + jobs.KILL_GRACE,
)
def archive_case(batch_id: str, case_id: str, actor_id: int) -> str:
    """Make one case's dossier for the batch ``batch_id`` as the user ``actor_id``."""
    from django.contrib.auth import get_user_model

    from exports.batch import archive_one
    from exports.models import ArchiveBatch

    batch = ArchiveBatch.objects.get(uuid=batch_id)
    actor = get_user_model().objects.get(pk=actor_id)
    return archive_one(actor=actor, batch=batch, case_uuid=case_id)


@shared_task(name=jobs.TASK_NAME, acks_late=True, ignore_result=True)
def render_dossier_job(job_id: str) -> str:
    """Run the dossier job ``job_id`` (sent by ``exports.jobs`` with the job's time limits)."""
    return jobs.run(job_id)
