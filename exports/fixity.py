"""Fixity of the archive: every stored dossier and every attachment still decrypts and matches
its digests.

:func:`verify_archive` re-reads each record's file from the archive storage, authenticates and
decrypts it (``exports.storage``) and recomputes SHA-256 and SM3; a file missing, changed by a
single byte (the AEAD tag no longer verifies), sealed for another record, or whose digests
differ from the record is reported with the record's archive number and id. It then reads each
attachment's content (``attachments.content.verify``: every segment authenticated — a changed,
swapped, reordered or truncated segment fails — and size, SHA-256 and SM3 compared with the row),
withdrawn ones included, and reports a failing one by its id and case number. Rows are read in
id order, a batch at a time; one dossier, or one segment of an attachment, is held in memory at
once: memory stays flat however large the archive. Nothing is decrypted for any other purpose,
and nothing personal is reported (the reasons are the fixed messages of the checks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _

from attachments import content
from attachments.models import Attachment
from exports.models import ArchiveRecord
from exports.operations import DossierIntegrityError, read_verified


@dataclass(frozen=True)
class Mismatch:
    kind: str  # "dossier" or "attachment"
    uuid: str
    reference: str  # the dossier's archive number, or the attachment's case number
    reason: str

    def __str__(self) -> str:
        if self.kind == "dossier":
            return f"dossier {self.reference} (record {self.uuid}): {self.reason}"
        return f"attachment {self.uuid} (case {self.reference}): {self.reason}"


@dataclass
class FixityReport:
    checked: int = 0  # dossiers
    attachments_checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _rows(queryset: models.QuerySet, batch_size: int) -> Iterator[models.Model]:
    last = 0
    while True:
        batch = list(queryset.filter(id__gt=last).order_by("id")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].id


def verify_archive(*, batch_size: int = 200, progress: Callable[[int], None] | None = None) -> FixityReport:
    """Check every stored dossier and every attachment against its row (see module docs)."""
    report = FixityReport()
    for record in _rows(ArchiveRecord.objects.all(), batch_size):
        try:
            read_verified(record)
        except DossierIntegrityError as failed:
            report.mismatches.append(Mismatch("dossier", str(record.uuid), record.archive_number, failed.message))
        report.checked += 1
        if progress is not None:
            progress(1)
    for attachment in _rows(Attachment._base_manager.select_related("case"), batch_size):
        try:
            content.verify(attachment)
        except content.ContentCheckFailed:
            reason = _("The stored document failed its integrity check.")
            report.mismatches.append(Mismatch("attachment", str(attachment.uuid), attachment.case.number, reason))
        report.attachments_checked += 1
        if progress is not None:
            progress(1)
    return report
