"""Celery tasks of the inbox: the daily reminders, scheduled by beat (``CELERY_BEAT_SCHEDULE``
in ``registry/settings.py``). No argument, no personal value: the task reminds of today."""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="inbox.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Run ``inbox.reminders.send_reminders`` for today; log the counts by kind; return how many were written."""
    from inbox.reminders import send_reminders as run_reminders

    run = run_reminders()
    log.info(
        "reminders of %s: %d written (%s), %d e-mail messages",
        run.day.isoformat(), sum(run.written.values()), dict(run.written), run.emails,
    )  # fmt: skip
    return sum(run.written.values())
