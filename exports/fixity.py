"""Fixity of the archive: every stored dossier still decrypts and matches its digests.

:func:`verify_archive` re-reads each record's file from the archive storage, authenticates and
decrypts it (``exports.storage``) and recomputes SHA-256 and SM3; a file missing, changed by a
single byte (the AEAD tag no longer verifies), sealed for another record, or whose digests
differ from the record is reported with the record's archive number and id. Records are read
in id order, a batch at a time, and one file is held in memory at once: memory stays flat
however large the archive. Nothing is decrypted for any other purpose, and nothing personal is
reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from exports.models import ArchiveRecord
from exports.operations import DossierIntegrityError, read_verified


@dataclass(frozen=True)
class Mismatch:
    record_uuid: str
    archive_number: str
    reason: str


@dataclass
class FixityReport:
    checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _records(batch_size: int) -> Iterator[ArchiveRecord]:
    last = 0
    while True:
        batch = list(ArchiveRecord.objects.filter(id__gt=last).order_by("id")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].id


def verify_archive(*, batch_size: int = 200, progress: Callable[[int], None] | None = None) -> FixityReport:
    """Check every stored dossier against its record (see module docs)."""
    report = FixityReport()
    for record in _records(batch_size):
        try:
            read_verified(record)
        except DossierIntegrityError as failed:
            report.mismatches.append(Mismatch(str(record.uuid), record.archive_number, failed.message))
        report.checked += 1
        if progress is not None:
            progress(1)
    return report
