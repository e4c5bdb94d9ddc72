"""``manage.py rotate_keys [--batch-size N] [--dry-run]``: re-encrypt every stored value under
the keyring's first key, history tables included, and every sealed file (attachments, stored
dossiers; ``registry.rotation`` and ``registry.file_rotation`` do the work and document the
guarantees).

The routine: ``python -m registry.keyring add PATH`` puts a new key in front of the keyring;
restart every process of the registry so they all encrypt with it; run ``rotate_keys``; once it
reports nothing left under the old key, remove that key from the keyring.

- A value under a key the keyring lacks, a wrong key, or a changed blind-index secret stops
  the command with an error naming the table and column, before anything is written.
- Batched (one transaction per batch) and resumable: run it again after a crash or Ctrl-C and
  it rewrites only what is left; on a rotated database it writes nothing.
- ``--dry-run`` counts the values under each key and the rows to rewrite, probes every key,
  and writes nothing.
- A progress bar on a terminal (stderr); counts, tables, key ids and speed at the end. Never a
  decrypted value.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from registry import rotation
from registry.crypto import CryptoError
from registry.file_rotation import FileRotationError


class Command(BaseCommand):
    help = "Re-encrypt every stored value (history included) and file under the keyring's first key. Resumable."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=rotation.DEFAULT_BATCH_SIZE,
            help=f"rows per transaction (default {rotation.DEFAULT_BATCH_SIZE})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count the values under each key and probe the keys; write nothing"
        )

    def handle(self, *args, batch_size: int, dry_run: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        started = time.perf_counter()
        try:
            inventory = rotation.take_inventory()
            rotation.probe_keys(inventory)
        except (rotation.RotationError, CryptoError) as exc:
            raise CommandError(str(exc)) from None
        stale = inventory.stale_values
        self.stdout.write(
            f"current key {inventory.primary}; {inventory.total_rows:,} rows in "
            f"{inventory.tables} tables with encrypted columns; "
            f"{inventory.rows_to_rewrite:,} rows hold {sum(stale.values()):,} values under older keys"
            + (": " + ", ".join(f"{n:,} under {key_id}" for key_id, n in sorted(stale.items())) if stale else "")
            + f"; {inventory.files_to_rewrite:,} files under older keys"
        )
        if dry_run:
            for label, rows in sorted(inventory.stale_rows.items()):
                self.stdout.write(f"  {label}: {rows:,} rows to rewrite")
            for label, files in sorted(inventory.stale_files.items()):
                self.stdout.write(f"  {label}: {files:,} files to re-encrypt")
            self.stdout.write("dry run: every key probed; nothing written")
            return
        if not (inventory.rows_to_rewrite or inventory.files_to_rewrite):
            report = _rotate(batch_size=batch_size, inventory=inventory)  # removes what a cut-short run left
            self.stdout.write(
                self.style.SUCCESS("nothing to rotate: every value and file is under the current key")
                + (f"; removed {report.leftovers:,} files left under older keys" if report.leftovers else "")
            )
            return

        with tqdm(
            total=inventory.rows_to_rewrite + inventory.files_to_rewrite,
            desc="Rotating",
            unit="row",
            file=_ProgressStream(self.stderr),
            disable=None,
        ) as bar:
            report = _rotate(
                batch_size=batch_size, inventory=inventory, after_batch=lambda done: bar.update(done.rows + done.files)
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"rotated {report.rows:,} rows ({report.values:,} values) in {report.tables} tables to key "
                f"{report.primary} in {elapsed:.1f} s ({report.rows / elapsed if elapsed else 0:,.0f} rows per second, "
                f"{report.rows_per_second:,.0f} excluding the preflight); from "
                + (", ".join(f"{key_id} ({n:,} values)" for key_id, n in sorted(report.from_keys.items())) or "none")
                + f"; re-encrypted {sum(report.files.values()):,} files ({report.file_bytes / 1e6:,.1f} MB, "
                f"{report.file_megabytes_per_second:,.1f} MB/s)"
                + (f"; removed {report.leftovers:,} files left under older keys" if report.leftovers else "")
            )
        )


def _rotate(**options) -> rotation.RotationReport:
    try:
        return rotation.rotate(**options)
    except (rotation.RotationError, FileRotationError, CryptoError) as exc:
        raise CommandError(f"{exc}. Batches already committed are rotated; run again to finish.") from None


class _ProgressStream:
    """The file tqdm draws on: the command's stderr, written as is (Django's ``OutputWrapper``
    would end every write with a newline)."""

    def __init__(self, wrapper):
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self._wrapper.flush()

    def isatty(self) -> bool:
        return self._wrapper.isatty()
