"""Batch archival: a dossier for every closed case of a jurisdiction (``manage.py
archive_dossiers``), in this process or on Celery workers.

Guarantees:

- **Whose authority**: a batch runs as one civil affairs officer (``--as``), checked like any
  generation — the ``export_dossier`` action, and only cases within the officer's scope; the
  dossiers show what that role reads. History and audit name the officer and the batch.
- **Resumable**: a case is due when it is closed and has no dossier *at its current version*
  (:func:`cases_to_archive`). A run stopped at any point (Ctrl-C, a lost worker) leaves whole
  dossiers behind; the next run makes only the missing ones, and a case archived meanwhile by
  a task still queued is skipped, never archived twice at one version.
- **Memory**: cases are taken in id order, ``batch_size`` ids at a time; only ids travel through
  the queue (never a personal value). In process, one renderer (one font configuration) serves
  the whole run; Celery workers each have their own and are replaced after
  ``CELERY_WORKER_MAX_TASKS_PER_CHILD`` dossiers (WeasyPrint keeps the memory of large tables).
- **Progress** is kept in the :class:`~exports.models.ArchiveBatch` row (counts and the first
  failures, as case UUIDs and error class names), which the batch status page shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from exports.choices import BatchStatus, Language
from exports.models import ArchiveBatch, ArchiveRecord
from registry.errors import PermissionDenied, RuleViolation
from registry.policy import Action, require_action
from registry.scope import code_within
from victims.choices import Stage
from victims.models import Case

logger = logging.getLogger(__name__)

DONE, SKIPPED, FAILED = "done", "skipped", "failed"
BATCH_REASON = "batch archival"


def closed_cases(actor, jurisdiction_code: str) -> QuerySet[Case]:
    """The closed cases of the jurisdiction ``jurisdiction_code`` (by prefix) that ``actor`` sees."""
    within = code_within("jurisdiction__code", jurisdiction_code)  # an index range, as record scope uses
    return Case.objects.visible_to(actor).filter(within, stage=Stage.CLOSED)


def cases_to_archive(actor, jurisdiction_code: str) -> QuerySet[Case]:
    """Those of :func:`closed_cases` without a dossier at their current version, in id order."""
    current = ArchiveRecord.objects.filter(case=OuterRef("pk"), case_version=OuterRef("version"))
    return closed_cases(actor, jurisdiction_code).exclude(Exists(current)).order_by("id")


def batch_start(*, actor, jurisdiction_code: str, mode: str, language: str = Language.CHINESE) -> ArchiveBatch:
    """Record the start of a batch over ``jurisdiction_code`` (within ``actor``'s jurisdiction)."""
    require_action(actor, Action.EXPORT_DOSSIER)
    if not jurisdiction_code.isdigit() or len(jurisdiction_code) not in (2, 4, 6):
        raise RuleViolation(_("Give a GB/T 2260 code of 2, 4 or 6 digits."), field="jurisdiction")
    if not jurisdiction_code.startswith(actor.jurisdiction.code):
        raise PermissionDenied(_("This jurisdiction is outside yours."))
    total = closed_cases(actor, jurisdiction_code).count()
    due = cases_to_archive(actor, jurisdiction_code).count()
    return ArchiveBatch.objects.create(
        jurisdiction_code=jurisdiction_code,
        started_by=actor,
        started_at=timezone.now(),
        mode=mode,
        language=Language(language),
        total=total,
        skipped=total - due,
    )


def due_case_ids(actor, batch: ArchiveBatch, *, batch_size: int) -> Iterator[list]:
    """The UUIDs of the cases still due, ``batch_size`` at a time (keyset pagination, so cases
    archived meanwhile drop out and nothing is read twice)."""
    last_id = 0
    while True:
        rows = list(
            cases_to_archive(actor, batch.jurisdiction_code)
            .filter(id__gt=last_id)
            .values_list("id", "uuid")[:batch_size]
        )
        if not rows:
            return
        last_id = rows[-1][0]
        yield [str(case_uuid) for _id, case_uuid in rows]


def _count(batch: ArchiveBatch, outcome: str, *, case_uuid: str = "", error: str = "") -> None:
    with transaction.atomic():
        locked = ArchiveBatch.objects.select_for_update().get(pk=batch.pk)
        if outcome == DONE:
            locked.done += 1
        elif outcome == SKIPPED:
            locked.skipped += 1
        else:
            locked.failed += 1
            if len(locked.failures) < ArchiveBatch.MAX_FAILURES_KEPT:
                locked.failures = [*locked.failures, {"case": case_uuid, "error": error}]
        locked.save(update_fields=["done", "skipped", "failed", "failures"])


def archive_one(*, actor, batch: ArchiveBatch, case_uuid: str) -> str:
    """Make the dossier of one case of the batch unless it has one at its current version;
    count the outcome in the batch. Errors are counted (by class name), not raised: one case
    that fails does not stop the batch."""
    from exports.operations import dossier_generate

    case = Case.objects.visible_to(actor).filter(uuid=case_uuid).first()
    try:
        if case is None:
            raise PermissionDenied("the case is not within the batch officer's reach")
        if ArchiveRecord.objects.filter(case=case, case_version=case.version).exists():
            _count(batch, SKIPPED)
            return SKIPPED
        dossier_generate(actor=actor, case=case, language=batch.language, batch=batch, reason=BATCH_REASON)
    except Exception as exc:  # counted and reported; the batch goes on
        # Only the class name and the case's UUID: an error message might quote case data.
        logger.warning("batch %s: dossier of case %s failed (%s)", batch.uuid, case_uuid, type(exc).__name__)
        _count(batch, FAILED, case_uuid=str(case_uuid), error=type(exc).__name__)
        return FAILED
    _count(batch, DONE)
    return DONE


def batch_finish(batch: ArchiveBatch, *, status: str | None = None) -> ArchiveBatch:
    """Close the batch: finished (with or without failures), or ``status`` (interrupted …)."""
    with transaction.atomic():
        locked = ArchiveBatch.objects.select_for_update().get(pk=batch.pk)
        if status is None:
            status = BatchStatus.FINISHED_WITH_FAILURES if locked.failed else BatchStatus.FINISHED
        locked.status = status
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at"])
    return locked


def run_in_process(
    *, actor, batch: ArchiveBatch, batch_size: int = 50, progress: Callable[[int], None] | None = None
) -> ArchiveBatch:
    """Archive every due case of ``batch`` here, one after the other."""
    for ids in due_case_ids(actor, batch, batch_size=batch_size):
        for case_uuid in ids:
            archive_one(actor=actor, batch=batch, case_uuid=case_uuid)
            if progress is not None:
                progress(1)
    batch.refresh_from_db()
    return batch


def run_on_workers(
    *,
    actor,
    batch: ArchiveBatch,
    task,
    batch_size: int = 50,
    progress: Callable[[int], None] | None = None,
    timeout: float = 600.0,
    poll_seconds: float = 0.5,
) -> ArchiveBatch:
    """Send one Celery ``task`` per due case, ``batch_size`` at a time, and wait for each group
    to be counted in the batch row before sending the next (the queue never holds the whole
    jurisdiction; an interruption loses at most one group, which the next run makes).

    ``task`` is ``exports.tasks.archive_case`` (which calls :func:`archive_one`), passed in by
    the caller so that this module does not import the tasks module that imports it.
    """
    import time

    batch.refresh_from_db()
    reported = batch.processed
    for ids in due_case_ids(actor, batch, batch_size=batch_size):
        target = batch.processed + len(ids)
        for case_uuid in ids:
            task.delay(str(batch.uuid), case_uuid, actor.pk)
        deadline = time.monotonic() + timeout
        while True:
            batch.refresh_from_db()
            if progress is not None and batch.processed > reported:
                progress(batch.processed - reported)
                reported = batch.processed
            if batch.processed >= target:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"the workers did not finish {len(ids)} dossiers within {timeout:.0f} s")
            time.sleep(poll_seconds)
    return batch
