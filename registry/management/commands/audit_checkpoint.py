"""``manage.py audit_checkpoint``: record a checkpoint of every partition's head of the audit
chain (``registry.audit.checkpoints``). Celery beat does it periodically where there is a
broker; elsewhere run it from cron (deploy/audit_checkpoint.cron). Prints the checkpoint's id
and hash, nothing else.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from registry.audit import checkpoint_record


class Command(BaseCommand):
    help = "Record a checkpoint of every partition's head of the audit chain."

    def handle(self, *args, **options):
        checkpoint = checkpoint_record()
        partitions = len(checkpoint.heads)
        self.stdout.write(f"checkpoint #{checkpoint.pk} of {partitions} chains: hash {checkpoint.hash}")
