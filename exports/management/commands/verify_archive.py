"""``manage.py verify_archive``: re-check the fixity of every stored dossier.

Decrypts each dossier file in the archive storage and recomputes its SHA-256 and SM3
(``exports.fixity``); exits non-zero naming every record whose file is missing, changed or no
longer matches its digests (archive number and record id).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from exports.fixity import verify_archive
from exports.progress import progress_bar


class Command(BaseCommand):
    help = "Verify that every stored dossier decrypts and matches its recorded digests."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200, help="records read per query (default 200)")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        from exports.models import ArchiveRecord

        started = time.perf_counter()
        with progress_bar(self.stderr, total=ArchiveRecord.objects.count(), desc="Dossiers", unit="dossier") as bar:
            report = verify_archive(batch_size=batch_size, progress=bar.update)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"checked {report.checked} dossiers in {elapsed:.2f} s")
        if report.mismatches:
            lines = [
                f"dossier {mismatch.archive_number} (record {mismatch.record_uuid}): {mismatch.reason}"
                for mismatch in report.mismatches
            ]
            raise CommandError(f"{len(report.mismatches)} dossier(s) failed the fixity check:\n" + "\n".join(lines))
        self.stdout.write(self.style.SUCCESS("every stored dossier matches its digests"))
