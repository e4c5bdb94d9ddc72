"""``manage.py verify_audit``: check that the audit log is whole and unchanged.

Walks the hash chain from the first event to the last in batches (memory stays flat however
long the log), and exits non-zero naming the first broken row — changed, removed before it, or
moved — by id and time. Also fails when an append-only trigger is missing, or when a head hash
recorded by an earlier run (``--anchor``) is no longer in the chain (rows cut off the end).
Prints the rows checked, the speed, and the head to record for the next run's ``--anchor``.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry.audit import HASHERS, verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and name the first broken row."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=10_000, help="rows read per query (default 10000)")
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="HASH",
            help="a head hash printed by an earlier run; fails if it is no longer in the chain (repeatable)",
        )
        parser.add_argument(
            "--hash",
            choices=sorted(HASHERS),
            default=None,
            help=f"digest of the chain (default: REGISTRY_AUDIT_HASH, now {settings.REGISTRY_AUDIT_HASH})",
        )

    def handle(self, *args, batch_size: int, anchor: list[str], hash: str | None, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        started = time.perf_counter()
        report = verify_chain(batch_size=batch_size, anchors=anchor, digest=hash)
        elapsed = time.perf_counter() - started
        rate = report.checked / elapsed if elapsed > 0 else 0.0
        self.stdout.write(f"checked {report.checked} events in {elapsed:.3f} s ({rate:,.0f} events per second)")
        problems = []
        if report.broken is not None:
            broken = report.broken
            when = broken.occurred_at.isoformat() if broken.occurred_at else "unknown time"
            problems.append(f"audit chain broken at event id {broken.id} ({when}): {broken.reason}")
        for missing in report.missing_anchors:
            problems.append(f"anchor {missing} is not in the chain: events were removed from its end")
        for trigger in report.missing_triggers:
            problems.append(f"append-only trigger {trigger} is missing or disabled")
        if problems:
            raise CommandError("\n".join(problems))
        if report.head_id is None:
            self.stdout.write(self.style.SUCCESS("the audit log is empty"))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"chain intact; head event id {report.head_id} hash {report.head_hash}")
            )
