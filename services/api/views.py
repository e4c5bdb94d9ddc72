"""The services' API, under ``/api/v1/`` (routes in ``services.urls``).

Per kind of record, nested under the case: ``GET/POST /cases/{id}/<kind>/`` and
``GET/PATCH /cases/{id}/<kind>/{record_id}/`` for ``placements``, ``enrollments``,
``trainings``, ``employments``, ``return-plans`` and ``follow-ups``; the steps
``placements/{record_id}/transfer|discharge/``, ``return-plans/{record_id}/approve|reject|complete|cancel/``
and ``follow-ups/{record_id}/waive/``; and ``GET /shelters/occupancy/`` (aggregate).

Order of checks in every handler (as in the victim file's API): the case (404 when absent or
out of scope), the kind's section (404 when the role may not read it, like an unknown kind),
the record inside the case (404), the policy (403), ``If-Match`` on every change of an existing
record (428 missing, 400 malformed), the body (400 naming each field); then the operation
checks the policy again, locks, compares the version (412) and applies the plan's rules. Every
answer about a record carries its version as ``ETag``; every read is audited.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from registry import policy
from registry.api.cases import CaseRouteViewSet, record_response
from registry.api.inputs import validated
from registry.api.schema import CASE_ID, ERRORS, IF_MATCH, VERSIONED_ERRORS, error
from registry.api.serializers import DecisionSerializer
from registry.api.viewsets import WithoutOptions
from registry.audit import AuditAction, log_read, record_event
from registry.errors import NotFound, RuleViolation
from registry.models import Organization
from registry.policy import Action, Section, require
from services import operations, selectors
from services.api import serializers as s
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from victims.models import Household

RECORD_ID = OpenApiParameter("record_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The record's id.")
LIST_ERRORS = {404: ERRORS[404]}
CREATE_ERRORS = {**ERRORS, 409: error("The change is not allowed in the case's present state (code says why).")}


class ServiceRecordViewSet(CaseRouteViewSet):
    # Base of the views of one kind of record under /cases/{id}/ (a comment, not a docstring:
    # the schema would show it). Subclasses set ``record_model``, the input serializers and
    # ``add``/``amend`` (the operations).

    record_model: type
    create_serializer: type
    amend_serializer: type | None = None

    @property
    def section(self) -> Section:
        return self.record_model.section

    def readable_kind(self) -> None:
        if not policy.may_read(self.request.user, self.section):
            raise NotFound(_("No such kind of record."))

    def get_record(self):
        return selectors.case_service_record(
            self.request.user, self.get_case(), self.record_model, self.kwargs["record_id"]
        )

    def require_write(self) -> None:
        require(policy.may_write(self.request.user, self.section), _("Your role may not change this section."))

    def audit_detail(self, view: str, record=None) -> dict:
        detail = {"view": view, "kind": self.record_model._meta.model_name}
        if record is not None:
            detail["record"] = str(record.uuid)
        return detail

    # --- the handlers -----------------------------------------------------------------------

    def list(self, request, *args, **kwargs):
        case = self.get_case()
        rows = selectors.case_service_records(request.user, case, self.record_model)
        return self.paginated(rows, request, sections=[self.section], detail=self.audit_detail("records"))

    def retrieve(self, request, *args, **kwargs):
        record = self.get_record()
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=self.get_case().uuid,
            sections=[self.section],
            detail=self.audit_detail("record", record),
        )
        return record_response(record)

    def create(self, request, *args, **kwargs):
        case = self.get_case()
        self.readable_kind()
        self.require_write()
        data = validated(self.create_serializer, request.data)
        return record_response(self.add(case, data), status=201)

    def partial_update(self, request, *args, **kwargs):
        record = self.get_record()
        self.require_write()
        expected = self.expected_version()
        changes = validated(self.amend_serializer or self.create_serializer, request.data, partial=True)
        if not changes:
            raise ValidationError({"non_field_errors": [_("Send at least one field to change.")]})
        return record_response(self.amend(record, expected, changes))

    def step(self, request, *, allowed: bool, body, run, status: int = 200):
        """A step on one record: the record (404), ``allowed`` (403), ``If-Match``, the body."""
        record = self.get_record()
        require(allowed)
        expected = self.expected_version()
        data = validated(body, request.data)
        return record_response(run(record, expected, data), status=status)

    def add(self, case, data):
        raise NotImplementedError

    def amend(self, record, expected, changes):
        raise NotImplementedError


def _record_schema(
    read, create, amend, *, kind: str, create_summary: str, create_errors=CREATE_ERRORS, amend_summary=None
):
    """The schema of the four handlers of a kind of record."""
    return extend_schema_view(
        list=extend_schema(
            summary=f"The {kind} of a case", parameters=[CASE_ID], responses={200: read(many=True), **LIST_ERRORS}
        ),
        create=extend_schema(
            summary=create_summary, parameters=[CASE_ID], request=create, responses={201: read, **create_errors}
        ),
        retrieve=extend_schema(
            summary=f"One of the {kind}", parameters=[CASE_ID, RECORD_ID], responses={200: read, **LIST_ERRORS}
        ),
        partial_update=extend_schema(
            summary=amend_summary or f"Change one of the {kind}",
            parameters=[CASE_ID, RECORD_ID, IF_MATCH],
            request=amend,
            responses={200: read, **VERSIONED_ERRORS},
        ),
    )


def _organization(value, field: str) -> Organization:
    organization = Organization.objects.filter(uuid=value).first()
    if organization is None:
        raise RuleViolation(_("No organization has this id."), field=field)
    return organization


# --- shelter placements -----------------------------------------------------------------------


@extend_schema(tags=["shelter"])
@_record_schema(
    s.PlacementSerializer,
    s.PlacementAdmitSerializer,
    s.PlacementAmendSerializer,
    kind="shelter placements",
    create_summary="Admit the person to a shelter (caseworker)",
    create_errors={**ERRORS, 409: error("placement_open, shelter_full or invalid_stage_transition.")},
    amend_summary="Correct the admission date or the notes of a placement",
)
class PlacementViewSet(ServiceRecordViewSet):
    """Stays in a shelter: admit, correct, transfer, discharge."""

    record_model = ShelterPlacement
    serializer_class = s.PlacementSerializer
    create_serializer = s.PlacementAdmitSerializer
    amend_serializer = s.PlacementAmendSerializer

    def add(self, case, data):
        shelter = _organization(data.pop("shelter"), "shelter")
        return operations.placement_admit(actor=self.request.user, case=case, shelter=shelter, **data)

    def amend(self, record, expected, changes):
        return operations.placement_amend(
            actor=self.request.user, placement=record, expected_version=expected, changes=changes
        )

    @extend_schema(
        summary="Transfer the person to another shelter on one day",
        description="Discharges the placement (reason transferred) and admits to the new shelter the same day; "
        "answers the new placement.",
        parameters=[CASE_ID, RECORD_ID, IF_MATCH],
        request=s.PlacementTransferSerializer,
        responses={201: s.PlacementSerializer, **VERSIONED_ERRORS},
    )
    def transfer(self, request, *args, **kwargs):
        def run(record, expected, data):
            to_shelter = _organization(data.pop("to_shelter"), "to_shelter")
            return operations.placement_transfer(
                actor=request.user, placement=record, expected_version=expected, to_shelter=to_shelter, **data
            )

        allowed = policy.may_write(request.user, Section.SHELTER)
        return self.step(request, allowed=allowed, body=s.PlacementTransferSerializer, run=run, status=201)

    @extend_schema(
        summary="Discharge the person from the shelter",
        parameters=[CASE_ID, RECORD_ID, IF_MATCH],
        request=s.PlacementDischargeSerializer,
        responses={200: s.PlacementSerializer, **VERSIONED_ERRORS},
    )
    def discharge(self, request, *args, **kwargs):
        def run(record, expected, data):
            return operations.placement_discharge(
                actor=request.user, placement=record, expected_version=expected, **data
            )

        allowed = policy.may_write(request.user, Section.SHELTER)
        return self.step(request, allowed=allowed, body=s.PlacementDischargeSerializer, run=run)


# --- schooling, training, employment ----------------------------------------------------------


class ReceiverRecordViewSet(ServiceRecordViewSet):
    # A kind that a receiving department writes with ``<kind>_add(actor, case, data)`` and
    # ``<kind>_amend(actor, <record_argument>, expected_version, changes)``.

    create_errors = {
        **ERRORS,
        400: error("rule_violation: not_a_minor / under_minimum_age / age_unknown, or a field named."),
        403: error("permission_denied, referral_not_accepted or referral_completed."),
    }
    add_operation: staticmethod
    amend_operation: staticmethod
    record_argument: str

    def add(self, case, data):
        return self.add_operation(actor=self.request.user, case=case, data=data)

    def amend(self, record, expected, changes):
        return self.amend_operation(
            actor=self.request.user, expected_version=expected, changes=changes, **{self.record_argument: record}
        )


@extend_schema(tags=["schooling"])
@_record_schema(
    s.EnrollmentSerializer,
    s.EnrollmentInputSerializer,
    s.EnrollmentInputSerializer,
    kind="school enrolments",
    create_summary="Enrol the child in a school (education, with an accepted referral; minors only)",
    create_errors=ReceiverRecordViewSet.create_errors,
)
class EnrollmentViewSet(ReceiverRecordViewSet):
    """School enrolments of a child."""

    record_model = SchoolEnrollment
    serializer_class = s.EnrollmentSerializer
    create_serializer = s.EnrollmentInputSerializer
    add_operation = staticmethod(operations.enrollment_add)
    amend_operation = staticmethod(operations.enrollment_amend)
    record_argument = "enrollment"


@extend_schema(tags=["training"])
@_record_schema(
    s.TrainingSerializer,
    s.TrainingInputSerializer,
    s.TrainingInputSerializer,
    kind="vocational trainings",
    create_summary="Record a vocational training (labour, with an accepted referral; 16 or older)",
    create_errors=ReceiverRecordViewSet.create_errors,
)
class TrainingViewSet(ReceiverRecordViewSet):
    """Vocational trainings."""

    record_model = VocationalTraining
    serializer_class = s.TrainingSerializer
    create_serializer = s.TrainingInputSerializer
    add_operation = staticmethod(operations.training_add)
    amend_operation = staticmethod(operations.training_amend)
    record_argument = "training"


@extend_schema(tags=["training"])
@_record_schema(
    s.EmploymentSerializer,
    s.EmploymentInputSerializer,
    s.EmploymentInputSerializer,
    kind="employment placements",
    create_summary="Record a job found for the person (labour, with an accepted referral; 16 or older)",
    create_errors=ReceiverRecordViewSet.create_errors,
)
class EmploymentViewSet(ReceiverRecordViewSet):
    """Employment placements."""

    record_model = EmploymentPlacement
    serializer_class = s.EmploymentSerializer
    create_serializer = s.EmploymentInputSerializer
    add_operation = staticmethod(operations.employment_add)
    amend_operation = staticmethod(operations.employment_amend)
    record_argument = "employment"


# --- return plans -----------------------------------------------------------------------------


def _with_household(case, data: dict) -> dict:
    """``household`` sent as an id, resolved among the households of ``case`` (400 otherwise)."""
    if data.get("household") is not None:
        household = Household.objects.filter(case=case, uuid=data["household"]).first()
        if household is None:
            raise RuleViolation(_("Choose a household recorded in this case."), field="household")
        data["household"] = household
    return data


@extend_schema(tags=["return home"])
@_record_schema(
    s.ReturnPlanSerializer,
    s.ReturnPlanInputSerializer,
    s.ReturnPlanInputSerializer,
    kind="return plans",
    create_summary="Write a return plan (it awaits a civil affairs officer's approval)",
    create_errors={
        **ERRORS,
        400: error("purchaser_household, dna_match_required, not_a_foreign_national, or a field named."),
        409: error("return_plan_active or invalid_stage_transition."),
    },
    amend_summary="Change a plan in force (an approved plan goes back to awaiting approval)",
)
class ReturnPlanViewSet(ServiceRecordViewSet):
    """Return plans: write, approve (four eyes), complete with the handover, cancel."""

    record_model = ReturnPlan
    serializer_class = s.ReturnPlanSerializer
    create_serializer = s.ReturnPlanInputSerializer

    def add(self, case, data):
        return operations.return_plan_create(actor=self.request.user, case=case, data=_with_household(case, data))

    def amend(self, record, expected, changes):
        return operations.return_plan_amend(
            actor=self.request.user, plan=record, expected_version=expected,
            changes=_with_household(record.case, changes),
        )  # fmt: skip

    @extend_schema(
        summary="Approve a return plan (civil affairs; not its author)",
        description="The body's optional comment is kept on the plan.",
        parameters=[CASE_ID, RECORD_ID, IF_MATCH],
        request=DecisionSerializer,
        responses={
            200: s.ReturnPlanSerializer,
            **VERSIONED_ERRORS,
            403: error("permission_denied or four_eyes."),
            409: error(
                "wish_not_recorded, against_wish (an adult does not want this return), best_interests_missing (a "
                "child's plan without a complete best-interests determination) or invalid_plan_transition."
            ),
        },
    )
    def approve(self, request, *args, **kwargs):
        def run(record, expected, data):
            return operations.return_plan_approve(
                actor=request.user, plan=record, expected_version=expected, comment=data["comment"]
            )

        allowed = policy.may(request.user, Action.APPROVE_RETURN)
        return self.step(request, allowed=allowed, body=DecisionSerializer, run=run)

    @extend_schema(
        summary="Reject a return plan awaiting approval (civil affairs; not its author), saying why",
        description="The body's comment (required: 400 comment) is the reason its author reads. The plan is final; "
        "the case leaves return_planned and a new plan can be written.",
        parameters=[CASE_ID, RECORD_ID, IF_MATCH],
        request=DecisionSerializer,
        responses={
            200: s.ReturnPlanSerializer,
            **VERSIONED_ERRORS,
            403: error("permission_denied or four_eyes."),
            409: error("invalid_plan_transition: the plan is not awaiting approval."),
        },
    )
    def reject(self, request, *args, **kwargs):
        def run(record, expected, data):
            return operations.return_plan_reject(
                actor=request.user, plan=record, expected_version=expected, comment=data["comment"]
            )

        allowed = policy.may(request.user, Action.APPROVE_RETURN)
        return self.step(request, allowed=allowed, body=DecisionSerializer, run=run)

    @extend_schema(
        summary="Record the handover of an approved plan",
        description="Discharges the person from the shelter that day, moves the case to returned and schedules "
        "the follow-up visits.",
        parameters=[CASE_ID, RECORD_ID, IF_MATCH],
        request=s.ReturnPlanCompleteSerializer,
        responses={200: s.ReturnPlanSerializer, **VERSIONED_ERRORS},
    )
    def complete(self, request, *args, **kwargs):
        def run(record, expected, data):
            return operations.return_plan_complete(actor=request.user, plan=record, expected_version=expected, **data)

        allowed = policy.may_write(request.user, Section.RETURN_HOME)
        return self.step(request, allowed=allowed, body=s.ReturnPlanCompleteSerializer, run=run)

    @extend_schema(
        summary="Cancel a plan in force, giving the reason",
        parameters=[CASE_ID, RECORD_ID, IF_MATCH],
        request=s.ReasonSerializer,
        responses={200: s.ReturnPlanSerializer, **VERSIONED_ERRORS},
    )
    def cancel(self, request, *args, **kwargs):
        def run(record, expected, data):
            return operations.return_plan_cancel(
                actor=request.user, plan=record, expected_version=expected, reason=data["reason"]
            )

        allowed = policy.may_write(request.user, Section.RETURN_HOME)
        return self.step(request, allowed=allowed, body=s.ReasonSerializer, run=run)


# --- follow-up visits -------------------------------------------------------------------------


@extend_schema(tags=["follow-ups"])
@_record_schema(
    s.VisitSerializer,
    s.VisitScheduleSerializer,
    s.VisitRecordSerializer,
    kind="follow-up visits",
    create_summary="Schedule one more follow-up visit (after the return)",
    amend_summary="Record a visit, or correct what was recorded",
)
class VisitViewSet(ServiceRecordViewSet):
    """Follow-up visits after the return: scheduled, recorded, or waived by civil affairs."""

    record_model = FollowUpVisit
    serializer_class = s.VisitSerializer
    create_serializer = s.VisitScheduleSerializer
    amend_serializer = s.VisitRecordSerializer

    def add(self, case, data):
        return operations.visit_schedule(actor=self.request.user, case=case, **data)

    def amend(self, record, expected, changes):
        return operations.visit_record(
            actor=self.request.user, visit=record, expected_version=expected, changes=changes
        )

    @extend_schema(
        summary="Waive an outstanding visit, giving the reason (civil affairs)",
        parameters=[CASE_ID, RECORD_ID, IF_MATCH],
        request=s.ReasonSerializer,
        responses={200: s.VisitSerializer, **VERSIONED_ERRORS},
    )
    def waive(self, request, *args, **kwargs):
        def run(record, expected, data):
            return operations.visit_waive(
                actor=request.user, visit=record, expected_version=expected, reason=data["reason"]
            )

        allowed = policy.may(request.user, Action.CLOSE_CASE)
        return self.step(request, allowed=allowed, body=s.ReasonSerializer, run=run)


# --- occupancy --------------------------------------------------------------------------------


@extend_schema(tags=["shelter"])
class OccupancyViewSet(WithoutOptions, viewsets.GenericViewSet):
    """Beds taken and free in the shelters of your area (aggregate: no case, no person)."""

    serializer_class = s.OccupancySerializer
    metadata_class = None

    @extend_schema(
        summary="Occupancy of the shelters in your area",
        description="Shelters within your jurisdiction or your own organization; empty for a role that does not "
        "read the shelter section.",
        responses={200: s.OccupancySerializer(many=True)},
    )
    def list(self, request, *args, **kwargs):
        rows = selectors.shelter_occupancy(request.user)
        page = self.paginate_queryset(rows)
        detail = {"report": "shelter_occupancy", "count": len(rows)}
        record_event(action=AuditAction.REPORT_VIEWED, request=request, detail=detail)
        return self.get_paginated_response(page)


__all__ = [
    "EmploymentViewSet",
    "EnrollmentViewSet",
    "OccupancyViewSet",
    "PlacementViewSet",
    "ReturnPlanViewSet",
    "TrainingViewSet",
    "VisitViewSet",
]
