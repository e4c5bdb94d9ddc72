"""Reads of dossiers and batches — every one through the scope of the case or the jurisdiction.

Guarantees: an archive record or a dossier job is found only through
``ArchiveRecord.objects.visible_to(user)`` / ``DossierJob.objects.visible_to(user)`` (the scope
of its case), so a dossier or job of a case outside the user's reach is
:class:`~registry.errors.NotFound`, exactly like one that does not exist. These functions do
not check the ``export_dossier`` action: the operations and the interfaces do, after scope, so
that a user who sees the case but may not export gets 403 and one who does not see it 404.
Batches are seen by those who may export dossiers, for jurisdictions within their own.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from exports.choices import JobStatus
from exports.models import ArchiveBatch, ArchiveRecord, DossierJob
from registry import policy
from registry.errors import NotFound
from registry.policy import Action


def case_dossiers(user, case) -> QuerySet[ArchiveRecord]:
    """The dossiers of ``case`` (a case from ``victims.selectors.case_for``), newest first."""
    return (
        ArchiveRecord.objects.visible_to(user)
        .filter(case=case)
        .select_related("generated_by", "case")
        .order_by("-sequence")
    )


def _one(rows, uuid):
    try:
        return rows.filter(uuid=uuid).first()
    except ValidationError:  # not a UUID
        return None


def dossier_for(user, dossier_id) -> ArchiveRecord:
    """The archive record ``dossier_id`` if ``user`` sees its case; NotFound otherwise (also for a
    malformed id)."""
    record = _one(ArchiveRecord.objects.visible_to(user).select_related("case", "generated_by"), dossier_id)
    if record is None:
        raise NotFound(_("No such dossier."))
    return record


def dossier_job_for(user, job_id) -> DossierJob:
    """The dossier job ``job_id`` if ``user`` sees its case; NotFound otherwise (also for a
    malformed id)."""
    rows = DossierJob.objects.visible_to(user).select_related("case", "requested_by", "record__generated_by")
    job = _one(rows, job_id)
    if job is None:
        raise NotFound(_("No such dossier job."))
    return job


def case_jobs(user, case) -> QuerySet[DossierJob]:
    """The jobs of ``case`` (from ``victims.selectors.case_for``) that have not made a dossier —
    unfinished, failed or timed out — newest first."""
    return (
        DossierJob.objects.visible_to(user)
        .filter(case=case)
        .exclude(status=JobStatus.DONE)
        .select_related("requested_by")
        .order_by("-requested_at", "-id")
    )


def batches_for(user) -> QuerySet[ArchiveBatch]:
    """The batch runs over jurisdictions within ``user``'s, for users who may export dossiers."""
    if not policy.may(user, Action.EXPORT_DOSSIER):
        return ArchiveBatch.objects.none()
    return ArchiveBatch.objects.filter(jurisdiction_code__startswith=user.jurisdiction.code).select_related(
        "started_by"
    )


def case_uuid_of_dossier(dossier_id):
    """The UUID of the case a dossier is of, whoever may see it — for the audit log only, which
    records a refused request against the case it concerned. Never shown to the requester."""
    return _case_uuid_of(ArchiveRecord, dossier_id)


def case_uuid_of_job(job_id):
    """The UUID of the case a dossier job is for, whoever may see it — for the audit log only,
    like :func:`case_uuid_of_dossier`."""
    return _case_uuid_of(DossierJob, job_id)


def _case_uuid_of(model, uuid):
    try:
        return model._base_manager.filter(uuid=uuid).values_list("case__uuid", flat=True).first()
    except ValidationError:
        return None
