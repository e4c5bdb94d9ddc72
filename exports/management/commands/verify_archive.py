"""``manage.py verify_archive``: re-check the fixity of every stored dossier and attachment.

Decrypts each dossier file in the archive storage and each attachment's content, and recomputes
their SHA-256 and SM3 (``exports.fixity``); exits non-zero naming every dossier (archive number
and record id) and every attachment (id and case number) whose file is missing, changed or no
longer matches its digests.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from exports.fixity import verify_archive
from exports.progress import progress_bar


class Command(BaseCommand):
    help = "Verify that every stored dossier and attachment decrypts and matches its recorded digests."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200, help="records read per query (default 200)")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        from attachments.models import Attachment
        from exports.models import ArchiveRecord

        started = time.perf_counter()
        total = ArchiveRecord.objects.count() + Attachment._base_manager.count()
        with progress_bar(self.stderr, total=total, desc="Files", unit="file") as bar:
            report = verify_archive(batch_size=batch_size, progress=bar.update)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"checked {report.checked} dossiers and {report.attachments_checked} attachments in {elapsed:.2f} s"
        )
        if report.mismatches:
            dossiers = sum(1 for mismatch in report.mismatches if mismatch.kind == "dossier")
            raise CommandError(
                f"{dossiers} dossier(s) and {len(report.mismatches) - dossiers} attachment(s) failed the fixity "
                "check:\n" + "\n".join(str(mismatch) for mismatch in report.mismatches)
            )
        self.stdout.write(self.style.SUCCESS("every stored dossier and attachment matches its digests"))
