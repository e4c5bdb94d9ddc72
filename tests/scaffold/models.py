"""Test-only models shaped like a case, to exercise the core machinery on both databases."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from registry.fields import BlindIndexField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from registry.history import RegistryHistory
from registry.scope import ScopedQuerySet, ScopePaths
from victims.models import CaseRecord

# The key of the test-only section (its row of the policy is added in ``apps.py``).
SCAFFOLD_SECTION = "scaffold"


class SampleCaseQuerySet(ScopedQuerySet):
    scope_paths = ScopePaths(
        organization="lead_organization",
        assignees="assigned_caseworkers",
        jurisdiction_code="jurisdiction__code",
        referrals="referrals",
    )


class SampleCase(models.Model):
    """A stand-in for a case with a person's encrypted fields."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    jurisdiction = models.ForeignKey("registry.Jurisdiction", on_delete=models.PROTECT)
    lead_organization = models.ForeignKey("registry.Organization", on_delete=models.PROTECT)
    assigned_caseworkers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True)
    version = models.PositiveIntegerField(default=1)
    sex = models.CharField(max_length=1, default="F")
    name = EncryptedTextField()
    id_number = EncryptedTextField(null=True, blank=True)
    id_number_index = BlindIndexField(source="id_number")
    birth_date = EncryptedDateField(null=True, blank=True)
    notes = EncryptedJSONField(null=True, blank=True)
    health_note = EncryptedTextField(blank=True, default="")

    objects = SampleCaseQuerySet.as_manager()
    history = RegistryHistory()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.uuid)


class SampleReferral(models.Model):
    """A stand-in for a referral that grants a receiving organization access while active."""

    case = models.ForeignKey(SampleCase, on_delete=models.CASCADE, related_name="referrals")
    to_organization = models.ForeignKey("registry.Organization", on_delete=models.PROTECT)
    status = models.CharField(max_length=16, default="accepted")
    visible_to_receiver = models.GeneratedField(
        expression=Q(status__in=["accepted", "completed"]),
        output_field=models.BooleanField(),
        db_persist=True,
    )


class SampleRecord(CaseRecord):
    """A test-only section's record on a real case: one plain field and one encrypted, declared
    in ``tests/scaffold/sections.py`` and nowhere else (the "Extending the registry" proof)."""

    section = SCAFFOLD_SECTION
    observed_on = models.DateField("observed on")
    remark = EncryptedTextField("remark")
