"""Archival dossiers and the batch runs that make them (DESIGN §6).

An :class:`ArchiveRecord` is the registry's receipt for one dossier PDF handed to the archives:
which case at which version, made from which template, by whom and when, and the digests that
prove the stored file unchanged (``manage.py verify_archive``). The PDF itself is not in the
database: it is kept encrypted through Django's storage API (``exports.storage``), since PDF/A
forbids PDF encryption. Records are created only by ``exports.operations.dossier_generate`` and
never changed afterwards — but for key rotation (``exports.rotation``), which moves a record to its
re-encrypted file (storage name and key id), without a history row; they are read through
``ArchiveRecord.objects.visible_to(user)``, the scope of the case they belong to.

A :class:`DossierJob` is one civil affairs officer's request for a case's dossier, generated off
the request (``exports.jobs``): its status, deadline, and the record it made or the error's code.

An :class:`ArchiveBatch` is one run of ``manage.py archive_dossiers`` over the closed cases of a
jurisdiction: its progress and outcome, shown to civil affairs on the batch status page. It
holds counts, case UUIDs and error class names only — never a personal value.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exports.choices import BatchStatus, Classification, JobStatus, Language, Retention
from registry.history import RegistryHistory
from victims.models import CaseRecordQuerySet


class ArchiveBatch(models.Model):
    """One run of batch archival: the closed cases of a jurisdiction, made into dossiers by one
    civil affairs officer's authority, in process or on Celery workers."""

    class Mode(models.TextChoices):
        IN_PROCESS = "in_process", _("In process")
        CELERY = "celery", _("Celery workers")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    jurisdiction_code = models.CharField(_("jurisdiction (GB/T 2260)"), max_length=6)  # plain: a division code
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=BatchStatus.choices, default=BatchStatus.RUNNING)
    mode = models.CharField(_("run by"), max_length=16, choices=Mode.choices)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.CHINESE)
    total = models.PositiveIntegerField(_("cases to archive"), default=0)
    done = models.PositiveIntegerField(_("dossiers made"), default=0)
    skipped = models.PositiveIntegerField(_("already archived"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    # [{"case": uuid, "error": exception class name}], the first ones only (see MAX_FAILURES_KEPT).
    # Plain: identifiers and class names, never a value of the case.
    failures = models.JSONField(_("failures"), default=list, blank=True)

    MAX_FAILURES_KEPT = 100

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("archive batch")
        verbose_name_plural = _("archive batches")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BatchStatus.values), name="archive_batch_status_known"),
        ]

    def __str__(self) -> str:
        return f"archive batch {self.uuid} ({self.jurisdiction_code})"

    @property
    def processed(self) -> int:
        return self.done + self.skipped + self.failed


class ArchiveRecord(models.Model):
    """The receipt of one archival dossier: the case and version it shows, the template that
    laid it out, its digests (SHA-256 and SM3 of the PDF), size and page count, who generated
    it and when, and where its encrypted file is stored."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        "victims.Case", on_delete=models.PROTECT, related_name="archive_records", verbose_name=_("case")
    )
    sequence = models.PositiveIntegerField(_("dossier number within the case"))
    # Plain: the case number and the dossier's sequence, the reference the archives file it under.
    archive_number = models.CharField(_("archive number"), max_length=48, unique=True)
    case_version = models.PositiveIntegerField(_("case version"))
    template_version = models.CharField(_("template version"), max_length=32)  # plain: the software's
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    classification = models.CharField(_("classification"), max_length=16, choices=Classification.choices)
    retention = models.CharField(_("retention period"), max_length=16, choices=Retention.choices)
    # The sections the dossier shows (those the generating user's role reads), by their keys.
    sections = models.JSONField(_("sections"), default=list)
    # Copied, so the receipt reads the same after the organization is renamed. Plain: the civil
    # affairs office that generated the dossier (an organization of the registry), not the person's.
    organization_name = models.CharField(_("generating organization"), max_length=128)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("generated by")
    )
    generated_at = models.DateTimeField(_("generated at"))
    # Plain: digests of the dossier (stored encrypted) and of its attached data, for fixity checks.
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    sm3 = models.CharField(_("SM3"), max_length=64)
    attachment_sha256 = models.CharField(_("SHA-256 of the attached case data"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    page_count = models.PositiveIntegerField(_("pages"))
    # Plain: a name made of the record's UUID and time (exports.storage), and a key id.
    storage_name = models.CharField(_("stored as"), max_length=255, unique=True, editable=False)
    key_id = models.CharField(_("encryption key id"), max_length=32, editable=False)
    batch = models.ForeignKey(
        ArchiveBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("batch"),
    )

    objects = CaseRecordQuerySet.as_manager()
    history = RegistryHistory()

    class Meta:
        ordering = ["-generated_at", "-id"]
        verbose_name = _("archive record")
        verbose_name_plural = _("archive records")
        constraints = [
            models.UniqueConstraint(fields=["case", "sequence"], name="archive_record_case_sequence"),
            models.CheckConstraint(condition=Q(sequence__gt=0), name="archive_record_sequence_positive"),
        ]
        indexes = [models.Index(fields=["case", "case_version"], name="archive_record_case_version")]

    def __str__(self) -> str:
        return self.archive_number

    @property
    def download_name(self) -> str:
        """The file name a download is offered under: the archive number (case number and
        dossier number), letters, digits and hyphens only — never a personal value."""
        from exports.storage import safe_filename

        return safe_filename(self.archive_number) + ".pdf"


class DossierJobQuerySet(CaseRecordQuerySet):
    """Dossier jobs, scoped by their case. A job holds no value of the case and keeps no history
    — the audit events ``dossier_requested`` and ``dossier_generated`` are its evidence — so its
    status may move by compare-and-set ``update()`` (``exports.jobs``), which tracked querysets
    refuse."""

    def update(self, **kwargs):
        return models.QuerySet.update(self, **kwargs)


class DossierJob(models.Model):
    """One request for a case's dossier, generated off the request that asked for it: who asked
    and in which language, where it stands (queued → running → done | failed | timed_out), the
    deadline of that state, and the archive record it made or the code of the error that ended
    it. Created by ``exports.jobs.dossier_request`` and moved on only by ``exports.jobs`` (done
    by ``exports.operations.dossier_generate``, with its record); read through
    ``DossierJob.objects.visible_to(user)``, the scope of its case. Holds ids, times and codes
    only — never a value of the case."""

    class Mode(models.TextChoices):
        INLINE = "inline", _("In the request")
        THREAD = "thread", _("Worker thread")
        CELERY = "celery", _("Celery workers")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        "victims.Case", on_delete=models.PROTECT, related_name="dossier_jobs", verbose_name=_("case")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    mode = models.CharField(_("run by"), max_length=8, choices=Mode.choices)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    time_limit = models.PositiveIntegerField(_("time limit (seconds)"))
    # Queued: the latest start; running: the latest end. Past it, the job is timed out.
    deadline = models.DateTimeField(_("deadline"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    record = models.OneToOneField(
        ArchiveRecord,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="job",
        verbose_name=_("dossier"),
    )
    # Plain: the stable code and HTTP status of the error that ended the job (registry.errors).
    error_code = models.CharField(_("error"), max_length=40, blank=True)
    error_status = models.PositiveSmallIntegerField(_("error status"), null=True, blank=True)

    objects = DossierJobQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("dossier job")
        verbose_name_plural = _("dossier jobs")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="dossier_job_status_known"),
            models.CheckConstraint(
                condition=Q(status=JobStatus.DONE, record__isnull=False)
                | (~Q(status=JobStatus.DONE) & Q(record__isnull=True)),
                name="dossier_job_done_with_record",
            ),
        ]
        indexes = [
            models.Index(fields=["requested_by", "status"], name="dossier_job_user_status"),
            models.Index(fields=["status", "deadline"], name="dossier_job_status_deadline"),
        ]

    def __str__(self) -> str:
        return f"dossier job {self.uuid}"

    @property
    def unfinished(self) -> bool:
        return self.status in JobStatus.unfinished()
