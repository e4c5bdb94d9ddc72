"""Generating and downloading archival dossiers (DESIGN §6).

- :func:`dossier_generate` — render the case's dossier for the actor's role, store it encrypted,
  and record its :class:`~exports.models.ArchiveRecord` with the ``dossier_generated`` event.
  The pages and the API do not call it in their request: they ask for a dossier job
  (``exports.jobs.dossier_request``), whose runner calls it with the job; batch archival calls
  it from its own runs.
- :func:`dossier_download` — the decrypted PDF of a record, after the policy and a fixity check,
  with the ``dossier_downloaded`` event.

Both take the acting user, check the ``export_dossier`` action (403) after the case's scope
(404), and write their audit event in the transaction that records what they did. Step-up
re-authentication is the interfaces' part (the API checks the password in the body, the web
form asks for it): a command run by an operator has no request and no password to re-enter.

Rendering takes a while (about a third of a second per page), so it happens before the
transaction: the case row is then locked only to check that the case did not change meanwhile
(409 ``case_changed`` otherwise), number the dossier and save its record. The encrypted file
is written before the transaction and removed again if the transaction fails. A case larger
than one dossier may hold is refused before anything is rendered (409 ``dossier_too_large``,
``exports.limits``).
"""

from __future__ import annotations

import uuid as uuid_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from exports import storage
from exports.choices import Classification, JobStatus, Language, Retention
from exports.dossier import content as dossier_content
from exports.dossier.digests import sha256_hexdigest, sm3_hexdigest
from exports.limits import Deadline, DossierTimedOut, check_size
from exports.models import ArchiveBatch, ArchiveRecord, DossierJob
from registry.audit import AuditAction, AuditOutcome, record_event
from registry.crypto import DecryptionError
from registry.errors import Conflict, RegistryError
from registry.history import recorded_change
from registry.operations import full_clean
from registry.policy import Action, require_action
from victims import operations as case_operations
from victims import selectors as case_selectors
from victims.models import Case


class DossierIntegrityError(RegistryError):
    """A stored dossier no longer matches its record (changed, truncated, or a wrong key)."""

    status = 409
    code = "dossier_integrity_failed"


def archive_number(case: Case, sequence: int) -> str:
    """``FJ-350102-2026-00042-D001``: the case number and the dossier's number within it."""
    return f"{case.number}-D{sequence:03d}"


def dossier_generate(
    *,
    actor,
    case: Case,
    language: str = Language.CHINESE,
    request=None,
    batch: ArchiveBatch | None = None,
    reason: str = "dossier generated",
    job: DossierJob | None = None,
    sections: list[str] | None = None,
    receipt: dossier_content.Receipt | None = None,
) -> ArchiveRecord:
    """Generate, store and record the dossier of ``case`` as ``actor``'s role may read it —
    only the ``sections`` named among those, when given, and ending with ``receipt`` (a
    hand-over package, ``transfers.handover``).

    Guarantees: 404 unless ``actor`` sees the case, 403 unless the role may ``export_dossier``;
    409 ``dossier_too_large`` before any rendering for a case beyond the limits
    (``exports.limits.check_size``); the dossier shows exactly the sections the role reads; the
    PDF is stored encrypted before one transaction locks the case, checks its version is the
    one rendered (409 ``case_changed`` otherwise), saves the record (with history, ``reason``)
    and writes the ``dossier_generated`` event naming the sections shown. For a ``job``
    (running, from ``exports.jobs``): the rendering stops at the job's deadline, and the same
    transaction locks the job, refuses with ``DossierTimedOut`` unless it is still running
    within its deadline, and marks it done with the record. On any failure no record remains
    and the stored file is removed.
    """
    case = case_selectors.case_for(actor, case.uuid)  # 404 first: out of scope is absent
    require_action(actor, Action.EXPORT_DOSSIER)
    check_size(actor, case)
    language = Language(language)
    generated_at = timezone.now()
    record_uuid = uuid_module.uuid4()
    sequence = (ArchiveRecord.objects.filter(case=case).aggregate(last=Max("sequence"))["last"] or 0) + 1
    classification = Classification(settings.EXPORTS_DOSSIER_CLASSIFICATION)
    retention = Retention(settings.EXPORTS_DOSSIER_RETENTION)
    organization_name = actor.organization.name if actor.organization_id else ""
    facts = dossier_content.DossierFacts(
        archive_number=archive_number(case, sequence),
        case=case,
        generated_by=actor,
        generated_at=generated_at,
        organization_name=organization_name,
        language=language.value,
        classification=classification.value,
        classification_label=_label_in(classification, language),
        retention=retention.value,
        retention_label=_label_in(retention, language),
        template_version=dossier_content.TEMPLATE_VERSION,
        sections=tuple(sections) if sections is not None else None,
        receipt=receipt,
    )
    rendered = _render(facts, deadline=Deadline(job.deadline) if job is not None else None)
    blob, key_id = storage.seal(rendered.pdf, record_uuid=record_uuid)
    name = storage.write(storage.storage_name_for(record_uuid, generated_at), blob)
    try:
        record = _record(
            actor=actor,
            case=case,
            facts=facts,
            rendered=rendered,
            record_uuid=record_uuid,
            sequence=sequence,
            storage_name=name,
            key_id=key_id,
            request=request,
            batch=batch,
            reason=reason,
            job=job,
        )
    except BaseException:
        storage.delete(name)
        raise
    return record


def _render(facts, *, deadline: Deadline | None = None):
    # Imported here: WeasyPrint is loaded by the processes that render, not by every one that
    # serves a page.
    from exports.dossier.render import render_dossier

    return render_dossier(facts, deadline=deadline)


def _label_in(choice, language: Language) -> str:
    from django.utils import translation

    with translation.override(language.value):
        return str(choice.label)


def _lock_running(job: DossierJob) -> DossierJob:
    """The job's row, locked; ``DossierTimedOut`` unless it is still running within its deadline
    (the reaper of ``exports.jobs`` may have ended it while this dossier was rendered)."""
    locked = DossierJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != JobStatus.RUNNING or timezone.now() >= locked.deadline:
        raise DossierTimedOut
    return locked


def _record(*, actor, case, facts, rendered, record_uuid, sequence, storage_name, key_id, request,
            batch, reason, job) -> ArchiveRecord:  # fmt: skip
    try:
        with transaction.atomic(), recorded_change(actor=actor, reason=reason):
            locked = case_operations.lock_case(actor, case, transferred=True)  # reading only
            locked_job = _lock_running(job) if job is not None else None
            if locked.version != case.version:
                raise Conflict(
                    _("The case changed while its dossier was being generated. Generate it again."),
                    code="case_changed",
                )
            record = ArchiveRecord(
                uuid=record_uuid,
                case=locked,
                sequence=sequence,
                archive_number=facts.archive_number,
                case_version=locked.version,
                template_version=facts.template_version,
                language=facts.language,
                classification=facts.classification,
                retention=facts.retention,
                sections=list(rendered.sections),
                organization_name=facts.organization_name,
                generated_by=actor,
                generated_at=facts.generated_at,
                sha256=rendered.sha256,
                sm3=rendered.sm3,
                attachment_sha256=rendered.attachment_sha256,
                size=len(rendered.pdf),
                page_count=rendered.page_count,
                storage_name=storage_name,
                key_id=key_id,
                batch=batch,
            )
            full_clean(record, exclude=["case", "generated_by", "batch"])
            record.save(force_insert=True)
            if locked_job is not None:
                locked_job.status, locked_job.record, locked_job.finished_at = JobStatus.DONE, record, timezone.now()
                locked_job.save(update_fields=["status", "record", "finished_at"])
            record_event(
                action=AuditAction.DOSSIER_GENERATED,
                actor=actor,
                request=request,
                case_uuid=locked.uuid,
                sections=rendered.sections,
                detail={
                    "dossier": str(record.uuid),
                    "archive_number": record.archive_number,
                    "case_version": record.case_version,
                    "sha256": record.sha256,
                    "pages": record.page_count,
                    **({"batch": str(batch.uuid)} if batch is not None else {}),
                    **({"job": str(job.uuid)} if job is not None else {}),
                },
            )
    except IntegrityError:  # another dossier of the case took this number a moment ago
        raise Conflict(
            _("Another dossier of this case was generated at the same time. Generate it again."),
            code="case_changed",
        ) from None
    return record


def read_verified(record: ArchiveRecord, *, name: str | None = None) -> bytes:
    """The stored PDF of ``record``, decrypted and checked against both digests; a
    :class:`DossierIntegrityError` for a file that is missing, changed or undecryptable. ``name``
    reads another stored copy of the record's file (key rotation checks the one it wrote)."""
    try:
        blob = storage.read(name or record.storage_name)
    except OSError:
        raise DossierIntegrityError(_("The stored dossier file is missing.")) from None
    try:
        pdf = storage.open_sealed(blob, record_uuid=record.uuid)
    except DecryptionError:
        raise DossierIntegrityError(_("The stored dossier file failed its integrity check.")) from None
    if sha256_hexdigest(pdf) != record.sha256 or sm3_hexdigest(pdf) != record.sm3 or len(pdf) != record.size:
        raise DossierIntegrityError(_("The stored dossier does not match its recorded digests."))
    return pdf


def dossier_download(*, actor, record: ArchiveRecord, request=None) -> bytes:
    """The PDF of ``record`` (a record from ``exports.selectors.dossier_for``) for ``actor``.

    Guarantees: 403 unless the role may ``export_dossier`` (scope was settled by the selector);
    the file is decrypted and both digests checked before a byte is returned (409
    ``dossier_integrity_failed`` otherwise, audited as a failure); a successful download is
    recorded as ``dossier_downloaded`` with the sections the dossier shows.
    """
    require_action(actor, Action.EXPORT_DOSSIER)
    detail = {"dossier": str(record.uuid), "archive_number": record.archive_number}
    try:
        pdf = read_verified(record)
    except DossierIntegrityError:
        record_event(
            action=AuditAction.DOSSIER_DOWNLOADED,
            actor=actor,
            request=request,
            case_uuid=record.case.uuid,
            outcome=AuditOutcome.FAILURE,
            detail={**detail, "reason": "integrity_check_failed"},
        )
        raise
    with transaction.atomic():
        record_event(
            action=AuditAction.DOSSIER_DOWNLOADED,
            actor=actor,
            request=request,
            case_uuid=record.case.uuid,
            sections=record.sections,
            detail=detail,
        )
    return pdf
