"""People and places of the registry: jurisdictions, organizations and user accounts.

None of these hold victim data; victim models live in the domain apps and use the scoped,
tracked managers of ``registry.scope`` and ``registry.history``.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.choices import RESIDENTIAL_KINDS, Department, JurisdictionLevel, OrganizationKind, Role


class Jurisdiction(models.Model):
    """An administrative division by its GB/T 2260 code, shortened to its level.

    Province ``35``, city ``3501``, county ``350102``: a division contains every division whose
    code starts with its own, which is how jurisdiction scope is checked.
    """

    code = models.CharField(_("code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=JurisdictionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_current = models.BooleanField(_("current division"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{2}([0-9]{2}([0-9]{2})?)?$"), name="jurisdiction_code_shape"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def contains(self, other: Jurisdiction) -> bool:
        return other.code.startswith(self.code)


class Organization(models.Model):
    """A shelter, school, legal aid centre, bureau or other unit whose staff use the registry."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=128)
    department = models.CharField(_("department"), max_length=32, choices=Department.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="organizations"
    )
    capacity = models.PositiveIntegerField(_("bed capacity"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["jurisdiction__code", "name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="organization_unique_name"),
            models.CheckConstraint(
                condition=~Q(kind__in=RESIDENTIAL_KINDS) | Q(capacity__gt=0),
                name="organization_residential_has_capacity",
                violation_error_message=_("A shelter or welfare home needs a bed capacity."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff account: one role, one organization, the jurisdiction it works in.

    The role decides what the account may read and do (``registry.policy``); the organization
    and jurisdiction decide which cases (record scope).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="staff"
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_known"),
            models.CheckConstraint(
                condition=Q(role__in=[Role.AUDITOR, Role.SYSADMIN]) | Q(organization__isnull=False),
                name="user_case_roles_have_organization",
                violation_error_message=_("Every role that works on cases belongs to an organization."),
            ),
        ]

    def __str__(self) -> str:
        return self.username
