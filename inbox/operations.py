"""Writes on one's own inbox: read an item, read them all, choose the e-mail about new items.

Guarantees: a user changes only their own items and their own preference (another user's item
is 404, like one that does not exist); each operation runs in one transaction with the rows it
changes locked. Reading an item changes no record of the registry and is not audited (the page
it opens audits its own read); the e-mail preference is an account setting, audited as
``user_updated`` naming the field and the choice (no personal value).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.models import Notification
from inbox.selectors import inbox_for, items_of
from registry.accounts.activation import audit_account
from registry.audit import record_event
from registry.choices import EmailNotice
from registry.errors import RuleViolation
from registry.models import AuditAction
from registry.operations import lock_for_change


def notification_read(*, actor, notification: Notification) -> Notification:
    """Mark the actor's own item read (already read: its first reading stays); 404 for
    another user's."""
    with transaction.atomic():
        own = items_of(actor).select_related(None)
        locked = lock_for_change(own, notification.pk, missing=_("No such item in your inbox."))
        if locked.read_at is None:
            locked.read_at = timezone.now()
            locked.save(update_fields=["read_at"])
    return locked


def notifications_read_all(*, actor, kind: str | None = None) -> int:
    """Mark every unread item of the actor (of ``kind`` only, when given) read; return how many."""
    with transaction.atomic():
        unread = inbox_for(actor, kind=kind, unread=True)
        ids = list(unread.select_related(None).select_for_update().values_list("pk", flat=True))
        return Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())


def email_notice_set(*, actor, email_notice: str):
    """The actor chooses whether and when they are told by e-mail of new items
    (``registry.choices.EmailNotice``; 400 ``email_notice`` otherwise). Nothing changed, nothing
    written."""
    if email_notice not in EmailNotice.values:
        raise RuleViolation(_("Choose when to be told by e-mail."), field="email_notice")
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=actor.pk)
        if locked.email_notice == email_notice:
            return locked
        locked.email_notice = email_notice
        locked.save(update_fields=["email_notice"])
        record_event(
            action=AuditAction.USER_UPDATED,
            actor=actor,
            detail={**audit_account(locked), "changed": ["email_notice"], "email_notice": email_notice},
        )
    return locked
