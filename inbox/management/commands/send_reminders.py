"""``manage.py send_reminders [--day YYYY-MM-DD]``: write the day's reminders into the inboxes
and send the e-mail they call for (``inbox.reminders``).

Run daily: by Celery beat under ``python -m registry.serve`` when a broker is configured, else by
cron (README "Reminders"). Running it again the same day writes nothing twice. Prints counts by
kind only, never a personal value or a case number.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from inbox.choices import NotificationKind
from inbox.reminders import send_reminders


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--day must be a date YYYY-MM-DD; got {value!r}") from None


class Command(BaseCommand):
    help = "Write the day's reminders (follow-ups, reviews, enrolments, referrals, legal aid deadlines) and e-mail."

    def add_arguments(self, parser):
        parser.add_argument("--day", type=_day, default=None, help="the day to remind of (default: today)")

    def handle(self, *args, day: datetime.date | None, **options):
        run = send_reminders(day=day)
        self.stdout.write(f"reminders of {run.day.isoformat()}:")
        for kind in NotificationKind:
            if kind.value in run.items:
                self.stdout.write(f"  {kind.value}: {run.items[kind.value]} due, {run.written[kind.value]} written")
        self.stdout.write(f"  {sum(run.written.values())} reminders written, {run.emails} e-mail messages sent")
