"""Writing items into inboxes: :func:`notify`, called by an operation inside its transaction,
and who is told (:func:`staff_of`, :func:`civil_affairs_over`, :func:`referral_receivers`).

Guarantees: the rows are written in the caller's transaction, so an operation rolled back
leaves none; an item holds no personal value (see ``inbox.models``); a reminder
(``reminder_key``) is written at most once per recipient, item and day, whatever the number of
runs; an item about a record (``subject``) is not written again while its recipient has the
same one unread (a child's care plan amended five times before approval is one item to
approve), and :func:`settle` marks read everyone's item once the matter is decided, by
whomever; the actor is never told of their own action. E-mail to those who chose it at once is
sent only after the transaction commits (``inbox.mail``), and names no person and no case.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from inbox.choices import BEFORE_ACCESS, NotificationKind
from inbox.models import Notification
from registry.choices import Role
from registry.policy import REFERRAL_SECTION


def staff_of(organization_id: int, roles: Iterable[Role]) -> QuerySet:
    """The active accounts of the organization with one of ``roles``."""
    return get_user_model().objects.filter(is_active=True, organization_id=organization_id, role__in=list(roles))


def civil_affairs_over(jurisdiction_code: str) -> QuerySet:
    """The active civil affairs officers whose jurisdiction contains the division ``jurisdiction_code``
    (the officer of the county, of its city and of the province)."""
    prefixes = [jurisdiction_code[:length] for length in (2, 4, 6) if length <= len(jurisdiction_code)]
    return get_user_model().objects.filter(is_active=True, role=Role.CIVIL_AFFAIRS, jurisdiction__code__in=prefixes)


def referral_receivers(referral) -> QuerySet:
    """The active accounts of the referral's receiving organization whose role answers referrals
    of its service (``registry.policy.REFERRAL_SECTION``: schooling → education, …)."""
    roles = [role for role, section in REFERRAL_SECTION.items() if section.value == referral.service]
    return staff_of(referral.to_organization_id, roles)


def notify(
    kind: NotificationKind,
    recipients: Iterable,
    *,
    case=None,
    subject=None,
    organization=None,
    due_on: datetime.date | None = None,
    reminder_key: str = "",
    actor=None,
) -> int:
    """Write one item of ``kind`` for each recipient (accounts or a queryset of them) but ``actor``;
    return how many were written. ``case``: the case it concerns (its UUID and number are kept;
    the number only for a kind of :data:`~inbox.choices.BEFORE_ACCESS`);
    ``subject``: the record it is about (its UUID is kept); a reminder names its item in
    ``reminder_key`` and is written once per recipient, item and day."""
    actor_id = getattr(actor, "pk", None)
    users = {user.pk: user for user in recipients if user.pk != actor_id and user.is_active}
    if not users:
        return 0
    today = timezone.localdate() if reminder_key else None
    rows = [
        Notification(
            recipient_id=user_id,
            kind=NotificationKind(kind),
            case_uuid=case.uuid if case is not None and kind not in BEFORE_ACCESS else None,
            case_number=case.number if case is not None else "",
            subject_uuid=subject.uuid if subject is not None else None,
            organization=organization,
            due_on=due_on,
            reminder_key=reminder_key,
            reminder_day=today,
        )
        for user_id in sorted(users)
    ]
    if reminder_key:
        already = Notification.objects.filter(reminder_key=reminder_key, reminder_day=today)
    elif subject is not None:
        already = Notification.objects.filter(kind=kind, subject_uuid=subject.uuid, read_at=None)
    else:
        already = Notification.objects.none()
    told = set(already.filter(recipient_id__in=users).values_list("recipient_id", flat=True))
    rows = [row for row in rows if row.recipient_id not in told]
    Notification.objects.bulk_create(rows, ignore_conflicts=bool(reminder_key))
    written = [users[row.recipient_id] for row in rows]
    if written:
        from inbox import mail

        transaction.on_commit(lambda: mail.send_immediate([user.pk for user in written]))
    return len(written)


def settle(kinds: Iterable[NotificationKind], subject) -> int:
    """Mark read every recipient's unread items of ``kinds`` about ``subject``: the matter they
    asked someone to decide (approve, accept, answer) is decided, whoever did it. Called in the
    transaction of the deciding operation; returns how many items it settled."""
    unread = Notification.objects.filter(kind__in=list(kinds), subject_uuid=subject.uuid, read_at=None)
    return unread.update(read_at=timezone.now())
