"""Baselines the benchmarks measure the registry against (installed by ``benchmarks.settings``
only, never in production).

- :class:`PlainVictim` and :class:`PlainCase`: the registry's victim and case with every field
  in clear, filled from the benchmark database (same ids, same values, same scope columns), so
  the case list can be run as the very same query on plaintext: the difference is what
  encryption costs.
- :class:`UntrackedAssessment`: a health assessment with the same encrypted fields but no
  history, audit, policy or lock — the "bare insert" a registry write is compared with.

Synthetic data only, like everything the benchmarks write.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from registry.fields import EncryptedTextField
from registry.policy import Scope, scope_of
from registry.scope import ScopePaths, scope_filter


class PlainCaseQuerySet(models.QuerySet):
    """``visible_to`` as ``registry.scope.ScopedQuerySet`` filters, for the roles the benchmark
    lists as (organization and jurisdiction scope)."""

    paths = ScopePaths(
        organization="lead_organization",
        assignees="assigned_caseworkers",
        jurisdiction_code="jurisdiction__code",
        referrals="-",  # no referrals in the baseline
    )

    def visible_to(self, user):
        if scope_of(user) is Scope.REFERRAL:
            return self.none()
        condition = scope_filter(user, self.paths, self.model)
        if condition is None:
            return self.none()
        return self.filter(condition)


class PlainVictim(models.Model):
    """A victim with every field in clear (no blind index: a plaintext table would search the
    column itself)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.TextField()
    aliases = models.JSONField(null=True, blank=True)
    sex = models.CharField(max_length=8)
    birth_date = models.DateField(null=True, blank=True)
    birth_date_estimated = models.BooleanField(default=False)
    document_type = models.CharField(max_length=16)
    document_country = models.CharField(max_length=2, default="CN")
    id_number = models.TextField(null=True, blank=True)
    nationality = models.CharField(max_length=2, default="CN")
    ethnicity = models.CharField(max_length=32, blank=True)
    disability = models.CharField(max_length=16, default="none")
    native_place_code = models.CharField(max_length=6, blank=True)
    phone = models.TextField(null=True, blank=True)
    address = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"plain victim {self.uuid}"


class PlainCase(models.Model):
    """A case with every field in clear, pointing at :class:`PlainVictim`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(max_length=32, unique=True)
    victim = models.ForeignKey(PlainVictim, on_delete=models.PROTECT, related_name="cases")
    jurisdiction = models.ForeignKey("registry.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    lead_organization = models.ForeignKey("registry.Organization", on_delete=models.PROTECT, related_name="+")
    assigned_caseworkers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    stage = models.CharField(max_length=16)
    version = models.PositiveIntegerField(default=1)
    possible_duplicate = models.BooleanField(default=False)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    transfer_note = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = PlainCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number


class UntrackedAssessment(models.Model):
    """A health assessment's columns, encrypted the same way, written with a bare ``save()``."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("victims.Case", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    assessed_on = models.DateField()
    assessor = models.CharField(max_length=128)
    physical = EncryptedTextField(blank=True, default="")
    psychological = EncryptedTextField(blank=True, default="")
    needs = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"untracked assessment {self.uuid}"
