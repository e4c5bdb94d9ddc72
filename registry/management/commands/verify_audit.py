"""``manage.py verify_audit``: check that the audit log is whole and unchanged.

Walks every partition's hash chain from the first event to the last in batches (memory stays
flat however long the log), and exits non-zero naming the first broken event — changed, removed
before it, or moved — by id and time. Also fails when a checkpoint was removed or changed, when
an event a checkpoint or a partition's head names is gone (cut off the end), when a hash
recorded by an earlier run (``--anchor``) is no longer there, or when an append-only trigger is
missing. Prints the events checked, the speed, and the latest checkpoint's hash to keep outside
the database for the next run's ``--anchor``; ``--checkpoint`` records a new checkpoint after a
clean check.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry.audit import HASHERS, checkpoint_record, verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chains and checkpoints and name the first broken event."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=10_000, help="rows read per query (default 10000)")
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="HASH",
            help="a checkpoint hash printed by an earlier run; fails if it is no longer there (repeatable)",
        )
        parser.add_argument(
            "--hash",
            choices=sorted(HASHERS),
            default=None,
            help=f"digest of the chain (default: REGISTRY_AUDIT_HASH, now {settings.REGISTRY_AUDIT_HASH})",
        )
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="after a clean check, record a checkpoint of every partition's head and print its hash",
        )

    def handle(self, *args, batch_size: int, anchor: list[str], hash: str | None, checkpoint: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        started = time.perf_counter()
        report = verify_chain(batch_size=batch_size, anchors=anchor, digest=hash)
        elapsed = time.perf_counter() - started
        rate = report.checked / elapsed if elapsed > 0 else 0.0
        self.stdout.write(
            f"checked {report.checked} events in {report.partitions} chains and {report.checkpoints} checkpoints "
            f"in {elapsed:.3f} s ({rate:,.0f} events per second)"
        )
        problems = []
        if report.broken is not None:
            broken = report.broken
            problems.append(f"audit chain broken at event id {broken.id} ({_when(broken)}): {broken.reason}")
        if report.broken_checkpoint is not None:
            broken = report.broken_checkpoint
            problems.append(f"audit checkpoint #{broken.id} ({_when(broken)}) is broken: {broken.reason}")
        for partition in report.stale_heads:
            problems.append(
                f"the head of chain {partition!r} does not match its events: events were cut off its end "
                "or the head was changed"
            )
        for missing in report.missing_anchors:
            problems.append(f"anchor {missing} is no longer there: checkpoints or events were removed from the end")
        for trigger in report.missing_triggers:
            problems.append(f"append-only trigger {trigger} is missing or disabled")
        if problems:
            raise CommandError("\n".join(problems))
        if report.last_event_id is None:
            self.stdout.write(self.style.SUCCESS("the audit log is empty"))
        else:
            self.stdout.write(self.style.SUCCESS(f"chains intact; latest event id {report.last_event_id}"))
        latest = checkpoint_record() if checkpoint else report.last_checkpoint
        if latest is not None:
            self.stdout.write(
                f"{'recorded ' if checkpoint else ''}checkpoint #{latest.pk} hash {latest.hash} "
                "(keep it outside the database for the next run's --anchor)"
            )


def _when(broken) -> str:
    return broken.occurred_at.isoformat() if broken.occurred_at else "unknown time"
