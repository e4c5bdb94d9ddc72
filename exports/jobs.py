"""Dossier jobs: a dossier asked for on a page or through the API is generated off that request.

- :func:`dossier_request` — the operation: checks, bounds, records the queued
  :class:`~exports.models.DossierJob` with the ``dossier_requested`` event, and hands it to its
  runner once that is committed.
- :func:`run` — a runner's part: start the job, generate its dossier
  (``exports.operations.dossier_generate(job=…)``, which marks the job done with its record in
  the transaction that saves the record), or end it failed or timed out with the error's code.
- :func:`expire_overdue` — end as timed out the unfinished jobs past their deadline. Every read
  of jobs runs it first, so no scheduler is needed.
- :func:`current` — the job as it stands now; :func:`wait` — as it stands after at most a few
  seconds.
- :func:`identical_dossiers` — the dossiers a new request would repeat: same case version,
  language, template and sections (the pages ask for a confirmation before making another).

Where a job runs (its ``mode``, chosen when it is recorded):

- ``celery`` when a broker is configured (``CELERY_BROKER_URL``): the task
  ``exports.render_dossier_job`` (``exports.tasks``) is sent by name with the job's UUID — the
  only thing that travels — Celery's soft time limit set to the job's, its hard limit
  :data:`KILL_GRACE` seconds later, and an expiry at the latest start;
- ``thread`` otherwise: a pool of ``EXPORTS_DOSSIER_WORKERS`` threads in this process, started on
  first use (the single-office shape; each worker process of gunicorn has its own);
- ``inline`` when ``EXPORTS_DOSSIER_WORKERS`` is 0: at once, in the calling thread (tests).

Guarantees:

- **One outcome.** A job moves queued → running → done | failed | timed_out by compare-and-set
  updates on its row, so two runners, or a runner and :func:`expire_overdue`, never both decide
  it; each failure is recorded once as ``dossier_generated`` with outcome ``failure`` and the
  error's code, by whoever ended the job.
- **Time limit.** A queued job must start before ``EXPORTS_DOSSIER_QUEUE_TIMEOUT`` has passed, a
  running one finish within ``EXPORTS_DOSSIER_TIME_LIMIT`` seconds; past its deadline a job is
  timed out. How it is enforced, honestly: the renderer checks the deadline between its stages
  (content, HTML, layout, PDF, finishing) and gives up; on Celery the soft limit interrupts the
  task wherever it is and the hard limit kills the worker process. A thread cannot be
  interrupted inside WeasyPrint's layout: there the job is *reported* timed out at its deadline
  (:func:`expire_overdue`), the record is refused when the layout ends (``dossier_generate``
  sees the job is no longer running), its file removed, and the thread is free again after at
  most one stage — which the size limits (``exports.limits``) keep short.
- **No one holds up everyone.** Renderers are per thread (``exports.dossier.render``), with no
  shared lock; one user has at most ``EXPORTS_DOSSIER_JOBS_PER_USER`` unfinished jobs.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from exports.choices import JobStatus, Language
from exports.dossier.content import TEMPLATE_VERSION
from exports.limits import DossierTimedOut, DossierTooLarge, TooManyDossierJobs, check_size
from exports.models import ArchiveRecord, DossierJob
from registry import casefile
from registry.audit import AuditAction, AuditOutcome, record_event
from registry.errors import RegistryError
from registry.models import AuditEvent
from registry.policy import Action, require_action
from victims import selectors as case_selectors

logger = logging.getLogger(__name__)

TASK_NAME = "exports.render_dossier_job"
# Seconds between Celery's soft time limit (the task is interrupted) and its hard one (the
# worker process is killed).
KILL_GRACE = 30
# How often a request waiting for its job looks at it again.
WAIT_POLL_SECONDS = 0.1
# An unexpected exception in a runner: answered like a server that could not do it now.
RENDER_FAILED, RENDER_FAILED_STATUS = "dossier_render_failed", 503


def mode() -> str:
    """Where new jobs run (see the module's docs)."""
    if settings.CELERY_BROKER_URL:
        return DossierJob.Mode.CELERY
    return DossierJob.Mode.THREAD if settings.EXPORTS_DOSSIER_WORKERS > 0 else DossierJob.Mode.INLINE


# --- the operation ---------------------------------------------------------------------------


def dossier_request(*, actor, case, language: str = Language.CHINESE, request=None) -> DossierJob:
    """Ask for the dossier of ``case`` as ``actor``'s role may read it, generated off this request.

    Guarantees: 404 unless ``actor`` sees the case, 403 unless the role may ``export_dossier``;
    409 ``dossier_too_large`` for a case beyond the limits and 429 ``too_many_dossier_jobs`` for
    a user with ``EXPORTS_DOSSIER_JOBS_PER_USER`` unfinished jobs, each refusal recorded as
    ``dossier_requested`` with outcome ``failure``. An unfinished job of the same user for the
    same case and language is returned instead of a second one (the request recorded as
    ``dossier_requested`` with ``repeated``): a double submission, or a retry, makes one
    dossier. That job renders the case as it is when it runs, so it is the same dossier
    whatever the case version was when each request was made. Otherwise one transaction (the
    user's row locked, so that two requests at once count each other) records the queued job
    and the ``dossier_requested`` event, and the job is handed to its runner once it commits.
    Step-up re-authentication is the interfaces' part, as for ``dossier_generate``.
    """
    case = case_selectors.case_for(actor, case.uuid)  # 404 first: out of scope is absent
    require_action(actor, Action.EXPORT_DOSSIER)
    language = Language(language)
    try:
        check_size(actor, case)
    except DossierTooLarge as refused:
        _refused(actor=actor, case=case, request=request, refused=refused)
        raise
    mine = DossierJob.objects.filter(requested_by=actor)
    expire_overdue(mine)
    now = timezone.now()
    refused = None
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        unfinished = mine.filter(status__in=JobStatus.unfinished())
        job = unfinished.filter(case=case, language=language).first()
        if job is not None:  # asked again (a second click, a retry): the same job
            _requested(actor=actor, case=case, request=request, job=job, repeated=True)
            return job
        if unfinished.count() >= settings.EXPORTS_DOSSIER_JOBS_PER_USER:
            refused = TooManyDossierJobs(
                _("You have %(count)d dossiers being generated; wait until one is done.")
                % {"count": settings.EXPORTS_DOSSIER_JOBS_PER_USER}
            )
        else:
            job = DossierJob.objects.create(
                case=case,
                requested_by=actor,
                requested_at=now,
                language=language,
                mode=mode(),
                time_limit=settings.EXPORTS_DOSSIER_TIME_LIMIT,
                deadline=now + datetime.timedelta(seconds=settings.EXPORTS_DOSSIER_QUEUE_TIMEOUT),
            )
            _requested(actor=actor, case=case, request=request, job=job)
    if refused is not None:
        _refused(actor=actor, case=case, request=request, refused=refused)
        raise refused
    _dispatch(job)
    job.refresh_from_db()
    return job


def _requested(*, actor, case, request, job: DossierJob, repeated: bool = False) -> None:
    detail = {"job": str(job.uuid), "language": job.language, "mode": job.mode}
    record_event(
        action=AuditAction.DOSSIER_REQUESTED,
        actor=actor,
        request=request,
        case_uuid=case.uuid,
        detail={**detail, "repeated": True} if repeated else detail,
    )


def _refused(*, actor, case, request, refused: RegistryError) -> None:
    with transaction.atomic():
        record_event(
            action=AuditAction.DOSSIER_REQUESTED,
            actor=actor,
            request=request,
            case_uuid=case.uuid,
            outcome=AuditOutcome.FAILURE,
            detail={"error": refused.code},
        )


# --- running a job ---------------------------------------------------------------------------


def run(job_id: str) -> str:
    """Start the job ``job_id`` unless it is no longer queued (or its latest start has passed),
    generate its dossier within its time limit, and return the status it ended in."""
    from celery.exceptions import SoftTimeLimitExceeded

    from exports.operations import dossier_generate

    job = DossierJob.objects.select_related("case", "requested_by").get(uuid=job_id)
    now = timezone.now()
    started = DossierJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED, deadline__gt=now).update(
        status=JobStatus.RUNNING, started_at=now, deadline=now + datetime.timedelta(seconds=job.time_limit)
    )
    if not started:
        expire_overdue(DossierJob.objects.filter(pk=job.pk))
        job.refresh_from_db()
        return job.status
    job.refresh_from_db()
    try:
        dossier_generate(actor=job.requested_by, case=job.case, language=job.language, job=job)
    except (DossierTimedOut, SoftTimeLimitExceeded):
        _end(job, JobStatus.TIMED_OUT, code=DossierTimedOut.code, http_status=DossierTimedOut.status)
    except RegistryError as refused:  # case_changed, dossier_too_large, not_found …: a stable code
        _end(job, JobStatus.FAILED, code=refused.code, http_status=refused.status)
    except Exception as exc:  # a broken renderer: named by class only, an error might quote the case
        logger.warning("dossier job %s failed (%s)", job.uuid, type(exc).__name__)
        _end(job, JobStatus.FAILED, code=RENDER_FAILED, http_status=RENDER_FAILED_STATUS)
    job.refresh_from_db()
    return job.status


def _end(job: DossierJob, status: str, *, code: str, http_status: int, overdue: bool = False) -> bool:
    """End ``job`` (still unfinished — and past its deadline if ``overdue``) in ``status`` with
    the error ``code``, and record the failure as ``dossier_generated`` for the user who asked.
    False when it had ended already (or had started meanwhile, for ``overdue``)."""
    now = timezone.now()
    with transaction.atomic():
        rows = DossierJob.objects.filter(pk=job.pk, status__in=JobStatus.unfinished())
        if overdue:
            rows = rows.filter(deadline__lte=now)
        ended = rows.update(status=status, finished_at=now, error_code=code, error_status=http_status)
        if ended:
            record_event(
                action=AuditAction.DOSSIER_GENERATED,
                actor=job.requested_by,
                case_uuid=job.case.uuid,
                outcome=AuditOutcome.FAILURE,
                detail={"job": str(job.uuid), "error": code},
            )
    return bool(ended)


def expire_overdue(jobs: QuerySet[DossierJob]) -> int:
    """End as timed out the unfinished jobs among ``jobs`` whose deadline has passed (a thread
    still in WeasyPrint's layout, a worker killed at its hard limit, a process restarted with
    jobs in its queue); return how many."""
    overdue = jobs.filter(status__in=JobStatus.unfinished(), deadline__lte=timezone.now())
    return sum(
        _end(job, JobStatus.TIMED_OUT, code=DossierTimedOut.code, http_status=DossierTimedOut.status, overdue=True)
        for job in overdue.select_related("case", "requested_by")[:100]
    )


def current(job: DossierJob) -> DossierJob:
    """``job`` as it stands now — timed out first, if its deadline passed before it ended."""
    if expire_overdue(DossierJob.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    return job


# Audit actions that change nothing of a case (reads, refusals, dossiers themselves).
_READS = (
    AuditAction.CASE_VIEWED,
    AuditAction.CASE_LISTED,
    AuditAction.CASE_SEARCHED,
    AuditAction.DOSSIER_REQUESTED,
    AuditAction.DOSSIER_GENERATED,
    AuditAction.DOSSIER_DOWNLOADED,
    AuditAction.REPORT_VIEWED,
    AuditAction.ACCESS_DENIED,
    AuditAction.ATTACHMENT_DOWNLOADED,
)


def identical_dossiers(user, case, language: str | None = None) -> QuerySet[ArchiveRecord]:
    """The dossiers of ``case`` (from ``victims.selectors.case_for``) that a dossier ``user``
    asks for now would repeat, newest first: of the case's current version with nothing of the
    case changed since (no successful audit event of the case after it but those of
    :data:`_READS`), of the current template, and with exactly the sections ``user``'s role
    reads — in ``language`` when given. Scoped like every read of dossiers
    (``ArchiveRecord.objects.visible_to``). An action missing from :data:`_READS` can only hide
    a repeat, never claim one."""
    shown = [section.value for section in casefile.shown_sections(user)]
    rows = ArchiveRecord.objects.visible_to(user).filter(
        case=case, case_version=case.version, template_version=TEMPLATE_VERSION, sections=shown
    )
    # The case's version counts changes of the case row only: a record added, changed or voided
    # since is found in the audit log (any successful event of the case but a read).
    changed = (
        AuditEvent.objects.filter(case_uuid=case.uuid, outcome=AuditOutcome.SUCCESS)
        .exclude(action__in=_READS)
        .aggregate(last=Max("occurred_at"))["last"]
    )
    if changed is not None:
        rows = rows.filter(generated_at__gte=changed)
    if language is not None:
        rows = rows.filter(language=language)
    return rows.select_related("generated_by").order_by("-sequence")


def wait(job: DossierJob, seconds: float) -> DossierJob:
    """``job`` as it stands once it has ended, or after ``seconds`` (at most)."""
    until = time.monotonic() + seconds
    job.refresh_from_db()
    while job.unfinished and time.monotonic() < until:
        time.sleep(WAIT_POLL_SECONDS)
        job.refresh_from_db()
    return job


def error_message(job: DossierJob) -> str:
    """What to tell a person about the error that ended ``job`` (by its code)."""
    messages = {
        DossierTimedOut.code: _("Generating the dossier took longer than its time limit of %(seconds)d seconds.")
        % {"seconds": job.time_limit},
        DossierTooLarge.code: _("The case holds more than one dossier may; ask the system administrator."),
        "case_changed": _("The case changed while its dossier was being generated. Generate it again."),
        "not_found": _("The case is no longer within your reach."),
        "permission_denied": _("Your role may no longer export dossiers."),
    }
    return messages.get(job.error_code, _("The dossier could not be generated. Try again later."))


# --- where jobs run --------------------------------------------------------------------------


def _dispatch(job: DossierJob) -> None:
    if job.mode == DossierJob.Mode.INLINE:
        run(str(job.uuid))
    elif job.mode == DossierJob.Mode.CELERY:
        transaction.on_commit(lambda: _send(job))
    else:
        transaction.on_commit(lambda: _pool().submit(_run_in_thread, str(job.uuid)))


def _send(job: DossierJob) -> None:
    # By name: this module does not import the tasks module (which imports this one).
    from registry.celery import app

    app.send_task(
        TASK_NAME,
        args=[str(job.uuid)],
        soft_time_limit=job.time_limit,
        time_limit=job.time_limit + KILL_GRACE,
        expires=job.deadline,
    )


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """This process's worker threads, started on first use (after a fork, never before)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.EXPORTS_DOSSIER_WORKERS, thread_name_prefix="dossier-job"
            )
        return _executor


def _run_in_thread(job_id: str) -> None:
    try:
        run(job_id)
    except Exception as exc:  # the database went away …: the job's deadline will end it
        logger.warning("dossier job %s could not run (%s)", job_id, type(exc).__name__)
    finally:
        connections.close_all()  # this thread's connections only
