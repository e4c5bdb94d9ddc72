"""The daily reminders: ``manage.py send_reminders`` and the Celery task
``inbox.tasks.send_reminders`` both run :func:`send_reminders`.

Guarantees: a reminder is written at most once per recipient, item and day, however many runs
(the day's reminders are read first, and the unique constraint on recipient, item and day
settles two runs at once); all of a run's reminders are written in one transaction; a reminder
holds no personal value (a kind, the case's UUID and number, the item's UUID, a due date); the
recipients who chose e-mail at once get their message, then the day's digests go out
(``inbox.mail``). A run costs about 20 queries to find the items and their recipients
(:mod:`inbox.reminders.providers`), one to read the day's reminders, one insert per 500 new
rows and a few for e-mail — however many cases the registry holds.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from inbox import mail
from inbox.models import Notification
from inbox.reminders.items import Reminder
from inbox.reminders.providers import PROVIDERS

BATCH = 500


@dataclass
class Run:
    """What a run did, by kind: items due, reminders written (counts only, no personal value)."""

    day: datetime.date
    items: Counter = field(default_factory=Counter)
    written: Counter = field(default_factory=Counter)
    emails: int = 0


def send_reminders(*, day: datetime.date | None = None) -> Run:
    """Write the reminders of ``day`` (default: today) and send the e-mail they call for."""
    run = Run(day=day or timezone.localdate())
    reminders = [reminder for provider in PROVIDERS for reminder in provider(run.day)]
    run.items.update(reminder.kind.value for reminder in reminders)
    with transaction.atomic():
        rows = _new_rows(reminders, run.day)
        Notification.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    run.written.update(row.kind for row in rows)
    run.emails = mail.send_immediate(sorted({row.recipient_id for row in rows})) + mail.send_digests(run.day)
    return run


def _new_rows(reminders: list[Reminder], day: datetime.date) -> list[Notification]:
    """The notifications of ``reminders`` not yet written on ``day``."""
    reminded = Notification.objects.filter(reminder_day=day).exclude(reminder_key="")
    written = set(reminded.values_list("recipient_id", "reminder_key"))
    return [
        Notification(
            recipient_id=user_id,
            kind=reminder.kind,
            case_uuid=reminder.case_uuid,
            case_number=reminder.case_number,
            subject_uuid=reminder.subject_uuid,
            due_on=reminder.due_on,
            reminder_key=reminder.key,
            reminder_day=day,
        )
        for reminder in reminders
        for user_id in sorted(reminder.recipient_ids)
        if (user_id, reminder.key) not in written
    ]
