"""An item of a user's inbox. It holds no personal value: a kind, the case's UUID and number
(plain, the reference people quote), the UUID of what it is about (a referral, a transfer, a
plan), an organization (a shelter nearly full), a due day. Opening one re-checks scope
(``inbox.views``): an item about a case its recipient can no longer see opens nothing."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inbox.choices import NotificationKind


class Notification(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    case_uuid = models.UUIDField(_("case"), null=True, blank=True)
    case_number = models.CharField(_("case number"), max_length=32, blank=True, default="")
    subject_uuid = models.UUIDField(_("about"), null=True, blank=True)
    organization = models.ForeignKey(
        "registry.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organization"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # A reminder's item ("follow_up_due:<visit uuid>") and day: written once per item and day.
    reminder_key = models.CharField(max_length=80, blank=True, default="")
    reminder_day = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "reminder_key", "reminder_day"],
                condition=~Q(reminder_key=""),
                name="notification_reminder_once_a_day",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            # The daily run reads the day's reminders first (inbox.reminders).
            models.Index(fields=["reminder_day"], name="notification_reminder_day_idx"),
        ]

    def __str__(self) -> str:
        return f"notification {self.uuid}"
