"""The person and the case (DESIGN §2): who was rescued, and each journey from rescue onwards.

Every model here holds victim data, so every one has encrypted personal fields, a
``RegistryHistory`` and a scoped, tracked manager (``Model.objects.visible_to(user)``). Public
identifiers are UUIDs; ``__str__`` never returns personal data. Writes go through
``victims.operations`` only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.fields import (
    BlindIndexField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
    MultipleChoiceField,
)
from registry.history import RegistryHistory
from registry.policy import Section
from registry.scope import ScopedQuerySet, ScopePaths
from victims.choices import (
    REFERRAL_VISIBLE_STATUSES,
    AgeBand,
    ConsentGiver,
    DecidingUnit,
    DisabilityCategory,
    DNAMatch,
    DocumentType,
    Ending,
    ExploitationType,
    IdentificationSource,
    IdentificationStatus,
    ReferralStatus,
    Relationship,
    Service,
    Sex,
    Stage,
)

DIVISION_CODE = RegexValidator(r"^[0-9]{6}$", _("Use the six-digit GB/T 2260 code of a county."))


def _case_scope(path: str) -> ScopePaths:
    """Scope paths of a model that reaches its case through ``path`` ("" for the case itself)."""
    return ScopePaths(
        organization=f"{path}lead_organization",
        assignees=f"{path}assigned_caseworkers",
        jurisdiction_code=f"{path}jurisdiction__code",
        referrals=f"{path}referrals",
    )


class CaseQuerySet(ScopedQuerySet):
    scope_paths = _case_scope("")


class VictimQuerySet(ScopedQuerySet):
    scope_paths = _case_scope("cases__")


class CaseRecordQuerySet(ScopedQuerySet):
    scope_paths = _case_scope("case__")

    def current(self):
        """The records in force: those not voided (``victims.operations.record_void``). Reports,
        dossiers' current view and the rules that count or rely on records read through it."""
        return self.filter(voided_at__isnull=True)


class Victim(models.Model):
    """A rescued person. Identity and contact details are encrypted; sex, nationality,
    ethnicity, disability and native place stay plain for statistics and routing."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = EncryptedTextField(_("full name"))
    full_name_index = BlindIndexField(source="full_name")
    aliases = EncryptedJSONField(_("other names"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    birth_date = EncryptedDateField(_("date of birth"), null=True, blank=True)
    birth_date_estimated = models.BooleanField(_("birth date estimated"), default=False)
    name_birth_index = BlindIndexField(source=("full_name", "birth_date"))
    document_type = models.CharField(_("identity document"), max_length=16, choices=DocumentType.choices)
    # Plain: a two-letter ISO 3166 code, in practice the nationality (kept plain by DESIGN §2);
    # it says which number format applies, not who the person is.
    document_country = models.CharField(_("issuing country (ISO 3166)"), max_length=2, default="CN")
    id_number = EncryptedTextField(_("document number"), null=True, blank=True)
    id_number_index = BlindIndexField(source="id_number", normalization="document_number")
    # Plain for statistics and routing (DESIGN §2): an ISO 3166 code and the name of an ethnic
    # group, which name a population, never one person.
    nationality = models.CharField(_("nationality (ISO 3166)"), max_length=2, default="CN")
    ethnicity = models.CharField(_("ethnicity"), max_length=32, blank=True)
    disability = models.CharField(
        _("disability category"), max_length=16, choices=DisabilityCategory.choices, default=DisabilityCategory.NONE
    )
    # Plain for routing and statistics (DESIGN §2): a county code, not an address.
    native_place_code = models.CharField(
        _("native place (GB/T 2260)"), max_length=6, blank=True, validators=[DIVISION_CODE]
    )
    phone = EncryptedTextField(_("phone"), null=True, blank=True)
    address = EncryptedTextField(_("address"), null=True, blank=True)
    # Plain for the return rule and statistics (HTCDS): 来历不明, where the person comes from is
    # not known; family reunification then needs a matched DNA sample, whatever the age.
    unknown_origin = models.BooleanField(_("of unknown origin"), default=False)

    objects = VictimQuerySet.as_manager()
    history = RegistryHistory()

    class Meta:
        ordering = ["id"]
        verbose_name = _("victim")
        verbose_name_plural = _("victims")
        constraints = [
            models.CheckConstraint(
                condition=Q(document_type=DocumentType.NONE) | Q(id_number__isnull=False),
                name="victim_document_has_number",
            )
        ]

    def __str__(self) -> str:
        return f"victim {self.uuid}"


class Case(models.Model):
    """One journey of a victim, from rescue to closure (a victim re-trafficked has several)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Plain: allocated by the registry (province-county-year-sequence), never typed; the
    # reference people quote and look a case up by.
    number = models.CharField(_("case number"), max_length=32, unique=True, editable=False)
    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="cases", verbose_name=_("victim"))
    jurisdiction = models.ForeignKey(
        "registry.Jurisdiction", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible jurisdiction")
    )
    lead_organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("lead organization")
    )
    assigned_caseworkers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_cases", verbose_name=_("assigned caseworkers")
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.REGISTERED)
    version = models.PositiveIntegerField(_("version"), default=1)
    possible_duplicate = models.BooleanField(_("possible duplicate"), default=False)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("duplicate of")
    )
    opened_on = models.DateField(_("opened on"))
    # Plain for statistics: the band of the age at the earliest rescue (at opening without one),
    # derived by the operations from the encrypted birth date (victims.operations.common.age_band_of).
    age_band = models.CharField(
        _("age band at rescue"), max_length=8, choices=AgeBand.choices, default=AgeBand.UNKNOWN, editable=False
    )
    # Plain for statistics: the day of the earliest rescue, the start of the journey the reports
    # measure from (kept by the operations with age_band: victims.operations.common.refresh_rescue_facts).
    rescued_on = models.DateField(_("first rescued on"), null=True, blank=True, editable=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Plain for statistics (the reports and dashboards count closed cases by it): a choice set by
    # case_close, cleared by case_reopen; empty for an open case and for a case closed before
    # endings were recorded. The comment, civil affairs' free text, may name people: encrypted.
    ending = models.CharField(_("how the case ended"), max_length=24, choices=Ending.choices, blank=True, default="")
    closure_comment = EncryptedTextField(_("comment on closing"), blank=True, default="")
    # The comment of the last decision on the case (reopen): history keeps each.
    decision_comment = EncryptedTextField(_("comment on the decision"), blank=True, default="")
    transfer_note = EncryptedTextField(_("transfer to another province"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    # Plain, never shown: set by the demonstration seed (victims.seed) on the cases it registers,
    # so its later steps complete those and never touch a case someone registered by hand.
    synthetic = models.BooleanField(_("registered by the demonstration seed"), default=False, editable=False)

    objects = CaseQuerySet.as_manager()
    history = RegistryHistory()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(ending="") | Q(stage=Stage.CLOSED),
                name="case_ending_only_when_closed",
                violation_error_message=_("Only a closed case has an ending."),
            )
        ]
        indexes = [
            # The evaluation reports count cases opened and closed in a period, by division.
            models.Index(fields=["opened_on", "jurisdiction"], name="case_opened_idx"),
            models.Index(fields=["closed_on", "jurisdiction"], name="case_closed_idx"),
            # ... and the cases open at a period's end: counted from this index alone.
            models.Index(fields=["jurisdiction", "stage", "opened_on", "closed_on"], name="case_open_at_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseNumberCounter(models.Model):
    """The last number handed out for one prefix (province-county-year); holds no personal data."""

    prefix = models.CharField(max_length=24, unique=True)  # plain: province-county-year, no person in it
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}-{self.last:05d}"


class CaseRecord(models.Model):
    """Base of the records hung on a case; ``section`` names the part of the policy it is in."""

    section: Section

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="%(class)ss", verbose_name=_("case"))
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The comment of the last decision on the record (approve, reject, withdraw): history keeps each.
    decision_comment = EncryptedTextField(_("comment on the decision"), blank=True, default="")
    # Entered by mistake: voided with a reason, never deleted (greyed in the file, left out of reports).
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("voided by"),
    )  # fmt: skip
    void_reason = EncryptedTextField(_("reason for voiding"), blank=True, default="")

    objects = CaseRecordQuerySet.as_manager()
    history = RegistryHistory(inherit=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.uuid}"


class Rescue(CaseRecord):
    """How and where the person was rescued (解救), by which police unit."""

    section = Section.RESCUE
    rescued_on = models.DateField(_("rescued on"))
    place = EncryptedTextField(_("place"))
    police_unit = EncryptedTextField(_("rescuing police unit"), max_length=128)
    police_case_number = EncryptedTextField(_("police case number"), null=True, blank=True)
    # Plain for statistics (HTCDS / CTDC): choices and kinds of unit, never a name.
    exploitation = MultipleChoiceField(_("forms of exploitation"), choices=ExploitationType.choices)
    identification_status = models.CharField(
        _("identification status"),
        max_length=16,
        choices=IdentificationStatus.choices,
        default=IdentificationStatus.PRESUMED,
    )
    identified_on = models.DateField(_("identified on"), null=True, blank=True)
    identified_by = models.CharField(
        _("identified by (kind of unit)"), max_length=24, choices=DecidingUnit.choices, blank=True, default=""
    )
    identification_source = models.CharField(
        _("source of identification"), max_length=24, choices=IdentificationSource.choices, blank=True, default=""
    )
    circumstances = EncryptedTextField(_("circumstances"), blank=True, default="")


class HealthAssessment(CaseRecord):
    """A physical and psychological assessment (康复)."""

    section = Section.HEALTH
    assessed_on = models.DateField(_("assessed on"))
    assessor = EncryptedTextField(_("assessed by"), max_length=128)
    physical = EncryptedTextField(_("physical health"), blank=True, default="")
    psychological = EncryptedTextField(_("psychological health"), blank=True, default="")
    needs = EncryptedTextField(_("care needs"), blank=True, default="")


class DNASample(CaseRecord):
    """A blood sample taken for the national anti-trafficking DNA database (采血检验入库比对):
    references and results only, never DNA data."""

    section = Section.DNA
    collected_on = models.DateField(_("collected on"))
    collected_by = EncryptedTextField(_("collected by"), max_length=128)
    submitted_on = models.DateField(_("submitted to the database on"), null=True, blank=True)
    database_reference = EncryptedTextField(_("database reference"), null=True, blank=True)
    match = models.CharField(_("match result"), max_length=16, choices=DNAMatch.choices, default=DNAMatch.PENDING)
    matched_on = models.DateField(_("match confirmed on"), null=True, blank=True)

    class Meta(CaseRecord.Meta):
        constraints = [
            models.CheckConstraint(
                condition=~Q(match=DNAMatch.CONFIRMED) | Q(submitted_on__isnull=False, matched_on__isnull=False),
                name="dna_match_needs_submission",
                violation_error_message=_("A confirmed match needs the submission and match dates."),
            )
        ]


class Household(CaseRecord):
    """A household the person lived in or may return to; ``is_purchaser`` marks the household
    that bought the victim (a minor is never returned to nor placed with it)."""

    section = Section.CONTACTS
    address = EncryptedTextField(_("address"))
    # Plain for the return rules and statistics, like the native place: a county code; where in
    # it the household lives is the encrypted address.
    jurisdiction_code = models.CharField(
        _("jurisdiction (GB/T 2260)"), max_length=6, blank=True, validators=[DIVISION_CODE]
    )
    is_purchaser = models.BooleanField(_("purchasing household"), default=False)
    notes = EncryptedTextField(_("notes"), blank=True, default="")


class FamilyMember(CaseRecord):
    """A relative, guardian or other contact of the person."""

    section = Section.CONTACTS
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="members", verbose_name=_("household")
    )
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    full_name = EncryptedTextField(_("full name"))
    phone = EncryptedTextField(_("phone"), null=True, blank=True)
    is_guardian = models.BooleanField(_("legal guardian"), default=False)
    verified = models.BooleanField(_("relationship verified"), default=False)


class Consent(CaseRecord):
    """Consent to share the file with a service, given by the person, a guardian, or replaced by
    a recorded statutory basis; withdrawn consent no longer supports new referrals."""

    section = Section.CONSENTS
    service = models.CharField(_("service"), max_length=16, choices=Service.choices)
    given_by = models.CharField(_("given by"), max_length=16, choices=ConsentGiver.choices)
    guardian_name = EncryptedTextField(_("guardian"), null=True, blank=True)
    statutory_basis = EncryptedTextField(_("statutory basis"), null=True, blank=True)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta(CaseRecord.Meta):
        constraints = [
            models.CheckConstraint(
                condition=~Q(given_by=ConsentGiver.GUARDIAN) | Q(guardian_name__isnull=False),
                name="consent_guardian_named",
                violation_error_message=_("Name the guardian who consented."),
            ),
            models.CheckConstraint(
                condition=~Q(given_by=ConsentGiver.STATUTORY) | Q(statutory_basis__isnull=False),
                name="consent_statutory_basis_recorded",
                violation_error_message=_("Record the statutory basis."),
            ),
        ]


class Referral(CaseRecord):
    """A hand-over of part of the case to another department's organization. While it is
    pending, accepted or completed it lets that organization see the case (``visible_to_receiver``,
    derived by the database from the status)."""

    section = Section.REFERRALS
    service = models.CharField(_("service"), max_length=16, choices=Service.choices)
    to_organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="referrals_received", verbose_name=_("to")
    )
    consent = models.ForeignKey(Consent, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("consent"))
    status = models.CharField(_("status"), max_length=24, choices=ReferralStatus.choices)
    visible_to_receiver = models.GeneratedField(
        expression=Q(status__in=REFERRAL_VISIBLE_STATUSES), output_field=models.BooleanField(), db_persist=True
    )
    reason = EncryptedTextField(_("reason for referral"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    response_note = EncryptedTextField(_("response"), blank=True, default="")
    # Plain for statistics: when the receiving organization first accepted or declined it (set
    # once by victims.operations.referral_respond; the reports' days to answer).
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)

    class Meta(CaseRecord.Meta):
        indexes = [
            # The evaluation reports count referrals sent in a period, answered and how fast, by
            # their case's division: from this index and the case row alone.
            models.Index(fields=["created_at", "status", "case", "answered_at"], name="referral_created_idx"),
        ]
