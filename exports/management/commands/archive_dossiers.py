"""``manage.py archive_dossiers --jurisdiction CODE --as USERNAME``: dossiers for every closed
case of a jurisdiction, with a progress bar (on a terminal).

Runs in this process unless a Celery broker is configured (``CELERY_BROKER_URL``), then on the
workers (``--in-process`` forces this process). Resumable: run it again after an interruption
and it makes only the dossiers still missing (``exports.batch``). The dossiers are made with
the authority, and for the role, of the civil affairs officer named by ``--as``; each run is
recorded as an archive batch that the batch status page shows. Exits non-zero if any dossier
failed or the run was interrupted.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from exports import batch as batches
from exports.choices import BatchStatus, Language
from exports.models import ArchiveBatch
from exports.progress import progress_bar
from exports.tasks import archive_case
from registry.errors import RegistryError


class Command(BaseCommand):
    help = "Generate archival dossiers for the closed cases of a jurisdiction (resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", required=True, metavar="CODE", help="GB/T 2260 code, e.g. 3501")
        parser.add_argument(
            "--as", dest="username", required=True, metavar="USERNAME", help="the civil affairs officer acting"
        )
        parser.add_argument("--language", choices=Language.values, default=Language.CHINESE)
        parser.add_argument("--batch-size", type=int, default=50, help="cases taken (or queued) at a time")
        parser.add_argument("--in-process", action="store_true", help="never use Celery, even with a broker")
        parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for one group of tasks")

    def handle(self, *args, jurisdiction: str, username: str, language: str, batch_size: int, in_process: bool,
               timeout: float, **options):  # fmt: skip
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {username!r}")
        on_workers = not in_process and bool(settings.CELERY_BROKER_URL or settings.CELERY_TASK_ALWAYS_EAGER)
        mode = ArchiveBatch.Mode.CELERY if on_workers else ArchiveBatch.Mode.IN_PROCESS
        try:
            batch = batches.batch_start(actor=actor, jurisdiction_code=jurisdiction, mode=mode, language=language)
        except RegistryError as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(
            f"batch {batch.uuid}: {batch.total} closed cases in {jurisdiction}, {batch.skipped} already archived; "
            f"running {'on Celery workers' if on_workers else 'in this process'}"
        )
        run = batches.run_on_workers if on_workers else batches.run_in_process
        extra = {"task": archive_case, "timeout": timeout} if on_workers else {}
        try:
            with progress_bar(
                self.stderr, total=batch.total, initial=batch.skipped, desc="Dossiers", unit="case"
            ) as bar:
                run(actor=actor, batch=batch, batch_size=batch_size, progress=bar.update, **extra)
        except (KeyboardInterrupt, TimeoutError) as stopped:
            batch = batches.batch_finish(batch, status=BatchStatus.INTERRUPTED)
            raise CommandError(
                f"batch {batch.uuid} interrupted ({type(stopped).__name__}) after {batch.done} dossiers; "
                "run the command again to make the rest"
            ) from None
        except BaseException:
            batches.batch_finish(batch, status=BatchStatus.FAILED)
            raise
        batch = batches.batch_finish(batch)
        summary = (
            f"batch {batch.uuid} {batch.status}: {batch.done} dossiers made, {batch.skipped} already archived, "
            f"{batch.failed} failed, of {batch.total} closed cases"
        )
        if batch.failed:
            failures = "\n".join(f"  case {item['case']}: {item['error']}" for item in batch.failures)
            raise CommandError(f"{summary}\n{failures}")
        self.stdout.write(self.style.SUCCESS(summary))
