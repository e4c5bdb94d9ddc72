"""The assistance services that carry a person from shelter back into society (plan 三, DESIGN §2).

Every model is a :class:`victims.models.CaseRecord`: a UUID, the case, a version for
``If-Match``, a scoped and tracked manager (``Model.objects.visible_to(user)``) and history.
Every free text that can identify or locate the person — where a child goes to school and in
which grade, the training programme and the job, who employs someone, the police and civil
affairs units and the visitor who dealt with her, living conditions, the handover record,
notes — is encrypted; what statistics and rules need (dates, choices, division and country
codes, shelter) stays plain. ``__str__`` never
returns personal data. Writes go through ``services.operations`` only; the database
constraints below are the last line of the rules those operations check first.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from registry.fields import EncryptedTextField
from registry.policy import Section
from services.choices import (
    ACTIVE_RETURN_PLAN_STATUSES,
    Attendance,
    DischargeReason,
    Pathway,
    ReturnPlanStatus,
    TrainingOutcome,
    Wish,
)
from victims.models import DIVISION_CODE, CaseRecord


def _ends_after_start(start: str, end: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": F(start)}),
        name=name,
        violation_error_message=_("The end date is before the start date."),
    )


class ShelterPlacement(CaseRecord):
    """A stay in a shelter, welfare home or children's welfare institution (救助安置), from
    admission to discharge. A case has at most one open placement, its stays never overlap,
    and a shelter never holds more open placements than its bed capacity."""

    section = Section.SHELTER
    shelter = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="placements", verbose_name=_("shelter")
    )
    admitted_on = models.DateField(_("admitted on"))
    discharged_on = models.DateField(_("discharged on"), null=True, blank=True)
    discharge_reason = models.CharField(
        _("reason for discharge"), max_length=16, choices=DischargeReason.choices, blank=True
    )
    transferred_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_to",
        verbose_name=_("transferred from"),
    )
    notes = EncryptedTextField(_("notes"), blank=True, default="")

    class Meta(CaseRecord.Meta):
        verbose_name = _("shelter placement")
        verbose_name_plural = _("shelter placements")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(discharged_on__isnull=True),
                name="placement_one_open_per_case",
                violation_error_message=_("The person already has an open placement."),
            ),
            _ends_after_start("admitted_on", "discharged_on", "placement_discharged_after_admission"),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True, discharge_reason="")
                | (Q(discharged_on__isnull=False) & ~Q(discharge_reason="")),
                name="placement_discharge_has_reason",
                violation_error_message=_("A discharge needs its date and reason."),
            ),
        ]
        indexes = [
            # Occupancy counts the open placements of a shelter.
            models.Index(fields=["shelter"], condition=Q(discharged_on__isnull=True), name="placement_open_idx"),
            # The evaluation reports count admissions and stays in a period from this index and the
            # case row alone.
            models.Index(
                fields=["admitted_on", "case", "discharged_on", "transferred_from"], name="placement_admitted_idx"
            ),
        ]


class SchoolEnrollment(CaseRecord):
    """A child's enrolment in a school (入学、回归学校, plan 三.6): minors only."""

    section = Section.SCHOOLING
    school = EncryptedTextField(_("school"))
    grade = EncryptedTextField(_("grade"), max_length=32, blank=True, default="")
    started_on = models.DateField(_("enrolled on"))
    ended_on = models.DateField(_("left on"), null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=16, choices=Attendance.choices, default=Attendance.REGULAR
    )
    follow_up_notes = EncryptedTextField(_("follow-up notes"), blank=True, default="")

    class Meta(CaseRecord.Meta):
        verbose_name = _("school enrolment")
        verbose_name_plural = _("school enrolments")
        constraints = [_ends_after_start("started_on", "ended_on", "enrollment_ends_after_start")]


class VocationalTraining(CaseRecord):
    """Vocational skills training (职业技能培训, plan 三.7): for people 16 or older on the start date."""

    section = Section.TRAINING
    provider = EncryptedTextField(_("training provider"))
    programme = EncryptedTextField(_("programme"), max_length=128)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=TrainingOutcome.choices, default=TrainingOutcome.IN_PROGRESS
    )
    certificate = EncryptedTextField(_("certificate"), null=True, blank=True)

    class Meta(CaseRecord.Meta):
        verbose_name = _("vocational training")
        verbose_name_plural = _("vocational trainings")
        constraints = [
            _ends_after_start("started_on", "ended_on", "training_ends_after_start"),
            models.CheckConstraint(
                condition=Q(certificate__isnull=True) | Q(outcome=TrainingOutcome.COMPLETED),
                name="training_certificate_needs_completion",
                violation_error_message=_("Only a completed training has a certificate."),
            ),
        ]
        indexes = [models.Index(fields=["started_on"], name="training_started_idx")]  # reports: in a period


class EmploymentPlacement(CaseRecord):
    """A job found for the person (职业介绍、异地就业, plan 三.7): for people 16 or older on the
    start date; ``verified_by`` is the labour officer who confirmed the job exists."""

    section = Section.TRAINING
    employer = EncryptedTextField(_("employer"))
    job_title = EncryptedTextField(_("job"), max_length=128)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True)

    class Meta(CaseRecord.Meta):
        verbose_name = _("employment placement")
        verbose_name_plural = _("employment placements")
        constraints = [
            _ends_after_start("started_on", "ended_on", "employment_ends_after_start"),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True, verified_on__isnull=True)
                | Q(verified_by__isnull=False, verified_on__isnull=False),
                name="employment_verification_complete",
                violation_error_message=_("A verification names who verified and when."),
            ),
        ]
        indexes = [models.Index(fields=["started_on"], name="employment_started_idx")]  # reports: in a period


class ReturnPlan(CaseRecord):
    """How the person returns home or is resettled (回归家庭和社区): the pathway, where to and
    to whom, approved by a civil affairs officer who did not write it, completed by the
    handover. At most one plan per case is in force (awaiting approval or approved)."""

    section = Section.RETURN_HOME
    pathway = models.CharField(_("pathway"), max_length=24, choices=Pathway.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=ReturnPlanStatus.choices, default=ReturnPlanStatus.AWAITING_APPROVAL
    )
    # Plain for the return rules and statistics: a county code and an ISO 3166 country code; the
    # household, the receiving party and the handover record, which say where exactly, are not.
    destination_code = models.CharField(
        _("destination (GB/T 2260)"), max_length=6, blank=True, validators=[DIVISION_CODE]
    )
    destination_country = models.CharField(_("destination country (ISO 3166)"), max_length=2, default="CN")
    household = models.ForeignKey(
        "victims.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_plans",
        verbose_name=_("household"),
    )
    receiving_party = EncryptedTextField(_("receiving agency or party"), blank=True, default="")
    police_unit = EncryptedTextField(_("police unit"), max_length=128, blank=True, default="")
    civil_affairs_unit = EncryptedTextField(_("civil affairs unit"), max_length=128, blank=True, default="")
    escort = EncryptedTextField(_("escort"), blank=True, default="")
    planned_on = models.DateField(_("planned for"))
    notes = EncryptedTextField(_("notes"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    # Who wrote the plan's content: its creator and everyone who ever amended it, recorded by
    # the operations that write it (return_plan_create, return_plan_amend). None of them may
    # approve it (four eyes, rule 5); each is recorded once (the link table's unique pair).
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("written or changed by")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    handover_on = models.DateField(_("handed over on"), null=True, blank=True)
    handover_record = EncryptedTextField(_("handover record"), blank=True, default="")
    cancellation_reason = EncryptedTextField(_("reason for cancelling"), blank=True, default="")
    # The person's voice (issue 16): the wish is a plain choice (approval turns on it), what the
    # person said is encrypted. For a child, the best-interests determination: who assessed it
    # (a role and an organization, free text that may name people: encrypted), when, whether the
    # child's view was heard, and its conclusion (encrypted).
    wish = models.CharField(_("the person's wish"), max_length=16, choices=Wish.choices, blank=True, default="")
    wish_statement = EncryptedTextField(_("the person's words"), blank=True, default="")
    wish_recorded_on = models.DateField(_("wish recorded on"), null=True, blank=True)
    bid_assessed_by = EncryptedTextField(_("best interests assessed by"), max_length=128, blank=True, default="")
    bid_on = models.DateField(_("best interests determined on"), null=True, blank=True)
    bid_child_heard = models.BooleanField(_("the child's view was heard"), default=False)
    bid_conclusion = EncryptedTextField(_("best interests conclusion"), blank=True, default="")

    class Meta(CaseRecord.Meta):
        verbose_name = _("return plan")
        verbose_name_plural = _("return plans")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=ACTIVE_RETURN_PLAN_STATUSES),
                name="return_plan_one_active_per_case",
                violation_error_message=_("The case already has a return plan in force."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ReturnPlanStatus.APPROVED, ReturnPlanStatus.COMPLETED])
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="return_plan_approval_recorded",
                violation_error_message=_("An approved plan names its approver."),
            ),
            models.CheckConstraint(
                # Four eyes (DESIGN §2 rule 5), also in the database as far as a row can hold it:
                # the creator never approves. That no other author does (``authors`` is another
                # table, out of a CHECK's reach) return_plan_approve checks under the plan's lock.
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="return_plan_four_eyes",
                violation_error_message=_("A plan cannot be approved by the person who wrote it."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ReturnPlanStatus.COMPLETED) | Q(handover_on__isnull=False),
                name="return_plan_completion_has_handover",
                violation_error_message=_("A completed plan records the handover date."),
            ),
            models.CheckConstraint(
                condition=Q(wish="", wish_recorded_on__isnull=True) | (~Q(wish="") & Q(wish_recorded_on__isnull=False)),
                name="return_plan_wish_has_date",
                violation_error_message=_("A recorded wish has the date it was recorded, and only a recorded wish."),
            ),
        ]
        indexes = [
            # The evaluation reports count the returns of a period, by pathway.
            models.Index(fields=["handover_on", "status", "pathway", "case"], name="return_plan_handover_idx"),
        ]


class FollowUpVisit(CaseRecord):
    """A visit after the return (跟踪了解其生活状况, plan 三.3): scheduled when a return plan is
    completed, then either done (visit date, visitor, what was found) or waived by civil affairs
    with a reason. A case closes only when none is outstanding."""

    section = Section.FOLLOW_UPS
    return_plan = models.ForeignKey(
        ReturnPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("return plan"),
    )
    due_on = models.DateField(_("due on"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    visitor = EncryptedTextField(_("visited by"), max_length=128, blank=True, default="")
    living_conditions = EncryptedTextField(_("living conditions"), blank=True, default="")
    needs = EncryptedTextField(_("needs found"), blank=True, default="")
    waived_on = models.DateField(_("waived on"), null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("waived by"),
    )
    waiver_reason = EncryptedTextField(_("reason for waiving"), null=True, blank=True)

    class Meta(CaseRecord.Meta):
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(visited_on__isnull=True) | Q(waived_on__isnull=True),
                name="visit_done_or_waived_not_both",
                violation_error_message=_("A visit is either done or waived, not both."),
            ),
            models.CheckConstraint(
                condition=Q(waived_on__isnull=True, waived_by__isnull=True, waiver_reason__isnull=True)
                | Q(waived_on__isnull=False, waived_by__isnull=False, waiver_reason__isnull=False),
                name="visit_waiver_complete",
                violation_error_message=_("A waiver records who waived the visit, when and why."),
            ),
        ]
        indexes = [
            # The overdue alert: visits neither done nor waived, by due date.
            models.Index(
                fields=["due_on"],
                condition=Q(visited_on__isnull=True, waived_on__isnull=True),
                name="visit_outstanding_idx",
            ),
            # The evaluation reports count the visits due in a period, and how they went.
            models.Index(fields=["due_on", "case", "visited_on", "waived_on"], name="visit_due_idx"),
        ]
