"""A reminder before it is written: what it is about and who is told."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from inbox.choices import NotificationKind


@dataclass(frozen=True)
class Reminder:
    """One item due (a visit, a plan, a referral, a matter) and the accounts to remind of it.
    Holds no personal value: UUIDs, the case number and a date."""

    kind: NotificationKind
    subject_uuid: uuid.UUID
    case_uuid: uuid.UUID
    case_number: str
    due_on: datetime.date | None
    recipient_ids: frozenset[int]

    @property
    def key(self) -> str:
        """The item, as ``Notification.reminder_key``: ``follow_up_due:<visit uuid>``."""
        return f"{self.kind.value}:{self.subject_uuid}"
