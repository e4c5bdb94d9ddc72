# Activation of accounts: enrolment through a one-time link, approval by a second person (issue 13).

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_usersession_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountActivation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("created", "New account"),
                            ("enabled", "Enabled again"),
                            ("moved", "Role, organization or jurisdiction changed"),
                        ],
                        max_length=16,
                        verbose_name="reason",
                    ),
                ),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="requested")),
                ("approval_required", models.BooleanField(verbose_name="approval required")),
                (
                    "link_digest",
                    models.CharField(
                        editable=False, max_length=64, null=True, unique=True, verbose_name="enrolment link digest"
                    ),
                ),
                (
                    "link_expires_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="enrolment link expires"),
                ),
                ("enrolled_at", models.DateTimeField(blank=True, null=True, verbose_name="enrolled")),
                ("approved_at", models.DateTimeField(blank=True, null=True, verbose_name="approved")),
                ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="closed")),
                (
                    "outcome",
                    models.CharField(
                        blank=True,
                        choices=[("activated", "Activated"), ("withdrawn", "Withdrawn")],
                        max_length=16,
                        verbose_name="outcome",
                    ),
                ),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="approved by",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="requested by",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="activations",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="account",
                    ),
                ),
            ],
            options={
                "verbose_name": "account activation",
                "verbose_name_plural": "account activations",
                "ordering": ["-requested_at", "-pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("closed_at__isnull", True)),
                        fields=("user",),
                        name="account_activation_one_open",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("approved_by__isnull", True),
                            models.Q(
                                models.Q(("approved_by", models.F("user")), _negated=True),
                                models.Q(("approved_by", models.F("requested_by")), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="account_activation_second_person",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("approved_at__isnull", True), ("approved_by__isnull", True)),
                            models.Q(
                                ("approval_required", True),
                                ("approved_at__isnull", False),
                                ("approved_by__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="account_activation_approval_shape",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("closed_at__isnull", True), ("outcome", "")),
                            models.Q(("closed_at__isnull", False), ("outcome__in", ["activated", "withdrawn"])),
                            _connector="OR",
                        ),
                        name="account_activation_outcome_when_closed",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("outcome", "activated"), _negated=True),
                            models.Q(("approval_required", False), ("enrolled_at__isnull", False)),
                            models.Q(("approved_at__isnull", False), ("enrolled_at__isnull", False)),
                            _connector="OR",
                        ),
                        name="account_activation_complete_when_activated",
                    ),
                ],
            },
        ),
    ]
