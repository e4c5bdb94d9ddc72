"""The REST API of the legal aid record under ``/api/v1/`` (routes in ``legal_aid.urls``).

- ``GET/POST /cases/{id}/legal-aid/matters/`` — the case's matters the caller sees (a legal aid
  worker: their centre's), each with its activities; open a matter from the centre's accepted
  referral (``operations.matter_open``).
- ``GET/PATCH /legal-aid/matters/{id}/`` — one matter with its activities; amend its details
  (``matter_amend``), with ``If-Match``.
- ``POST /legal-aid/matters/{id}/decide|start|conclude/`` — the status steps, with ``If-Match``
  (``matter_decide``, ``matter_start``, ``matter_conclude``); a step out of order answers 409
  ``invalid_status_transition``.
- ``GET/POST /legal-aid/matters/{id}/activities/`` — the activity log; record an activity.
- ``GET/PATCH /legal-aid/activities/{id}/`` — one activity; correct it, with ``If-Match``.
- ``GET /legal-aid/worklist/`` — the open matters the caller sees, soonest next deadline first.

Every view reads through ``legal_aid.selectors`` (404 for what is out of reach, before any 403;
a role that may not read the ``legal_aid`` section finds no matter at all) and writes through
``legal_aid.operations``. Reads are audited (``case_viewed`` / ``case_listed`` with the
``legal_aid`` section); refusals by the API's exception handler. Amounts are strings of yuan
("12000.00"), never floats.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from legal_aid import operations, selectors
from legal_aid.choices import ActivityKind, MatterStatus, MatterType, Outcome
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry import policy
from registry.api.cases import CaseRouteViewSet
from registry.api.inputs import validated
from registry.api.schema import CASE_ID, ERRORS, IF_MATCH, VERSIONED_ERRORS, error
from registry.api.serializers import ChoiceField, StrictSerializer
from registry.api.viewsets import RecordRouteViewSet, ScopedViewSet
from registry.audit import AuditAction, log_read
from registry.concurrency import etag, version_from_if_match
from registry.errors import PermissionDenied, RuleViolation
from registry.fields import MAX_TEXT_LENGTH
from registry.models import User
from registry.policy import Section, require
from victims.models import Referral

SECTIONS = [Section.LEGAL_AID]
MATTER_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The matter's id.")
ACTIVITY_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The activity's id.")
STEP_ERRORS = {
    **VERSIONED_ERRORS,
    409: error("invalid_status_transition: the matter's status does not allow this step (both are named)."),
}
TEXT = {"max_length": MAX_TEXT_LENGTH, "allow_blank": True}


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, allow_null=True, required=False, **kwargs
    )


# --- input ------------------------------------------------------------------------------------


class MatterOpenSerializer(StrictSerializer):
    matter_type = ChoiceField(choices=MatterType.choices)
    applied_on = serializers.DateField()
    summary = serializers.CharField(required=False, default="", **TEXT)
    referral = serializers.UUIDField(
        required=False,
        help_text=gettext_lazy("Your centre's accepted legal aid referral; by default the one there is."),
    )


class MatterAmendSerializer(StrictSerializer):
    """The fields a matter's present step lets you change (the status changes through its steps)."""

    matter_type = ChoiceField(choices=MatterType.choices, required=False)
    summary = serializers.CharField(required=False, **TEXT)
    applied_on = serializers.DateField(required=False)
    lawyer = serializers.UUIDField(required=False, allow_null=True, help_text=gettext_lazy("The lawyer's user id."))
    decided_on = serializers.DateField(required=False)
    decision_reason = serializers.CharField(required=False, max_length=MAX_TEXT_LENGTH)
    started_on = serializers.DateField(required=False)
    concluded_on = serializers.DateField(required=False)
    outcome = ChoiceField(choices=Outcome.choices, required=False)
    outcome_description = serializers.CharField(required=False, **TEXT)
    compensation_awarded = _money()
    compensation_received = _money()
    compensation_received_on = serializers.DateField(required=False, allow_null=True)


class DecideSerializer(StrictSerializer):
    decision = ChoiceField(choices=[("accept", "accept"), ("reject", "reject")])
    decided_on = serializers.DateField()
    decision_reason = serializers.CharField(max_length=MAX_TEXT_LENGTH)
    lawyer = serializers.UUIDField(required=False, allow_null=True, help_text=gettext_lazy("Only when accepting."))


class StartSerializer(StrictSerializer):
    started_on = serializers.DateField()
    lawyer = serializers.UUIDField(
        required=False, allow_null=True, help_text=gettext_lazy("By default the lawyer assigned at the decision.")
    )


class ConcludeSerializer(StrictSerializer):
    outcome = ChoiceField(choices=Outcome.choices)
    concluded_on = serializers.DateField()
    outcome_description = serializers.CharField(required=False, default="", **TEXT)
    compensation_awarded = _money(help_text=gettext_lazy("Yuan, awarded by the judgment or agreed in the settlement."))
    compensation_received = _money(help_text=gettext_lazy("Yuan received so far; at most the amount awarded."))
    compensation_received_on = serializers.DateField(required=False, allow_null=True)


class ActivityInputSerializer(StrictSerializer):
    kind = ChoiceField(choices=ActivityKind.choices)
    occurred_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=0)
    notes = serializers.CharField(required=False, default="", **TEXT)
    next_step = serializers.CharField(required=False, allow_null=True, max_length=1000, allow_blank=True)
    next_step_due = serializers.DateField(required=False, allow_null=True)


# --- output (built by legal_aid.selectors; documented here for the schema) -----------------------


class ActivitySerializer(serializers.Serializer):
    """One piece of work on a matter, with the next step it leaves."""

    id = serializers.UUIDField()
    version = serializers.IntegerField()
    matter = serializers.UUIDField()
    kind = ChoiceField(choices=ActivityKind.choices)
    occurred_on = serializers.DateField()
    hours = serializers.CharField(help_text=gettext_lazy('Decimal, e.g. "1.50".'))
    notes = serializers.CharField()
    next_step = serializers.CharField(allow_null=True)
    next_step_due = serializers.DateField(allow_null=True)
    recorded_by = serializers.UUIDField()


class MatterSerializer(serializers.Serializer):
    """A legal aid matter of a centre, with its activities and the next deadline they leave."""

    id = serializers.UUIDField()
    version = serializers.IntegerField(help_text=gettext_lazy("Send it back in If-Match to change the matter."))
    centre = serializers.UUIDField()
    referral = serializers.UUIDField()
    matter_type = ChoiceField(choices=MatterType.choices)
    summary = serializers.CharField()
    applied_on = serializers.DateField()
    status = ChoiceField(choices=MatterStatus.choices)
    decided_on = serializers.DateField(allow_null=True)
    decision_reason = serializers.CharField(allow_null=True)
    lawyer = serializers.UUIDField(allow_null=True)
    started_on = serializers.DateField(allow_null=True)
    concluded_on = serializers.DateField(allow_null=True)
    outcome = ChoiceField(choices=Outcome.choices, allow_blank=True)
    outcome_description = serializers.CharField()
    compensation_awarded = serializers.CharField(allow_null=True, help_text=gettext_lazy('Yuan, e.g. "12000.00".'))
    compensation_received = serializers.CharField(allow_null=True)
    compensation_received_on = serializers.DateField(allow_null=True)
    next_deadline = serializers.DateField(allow_null=True)
    activities = ActivitySerializer(many=True)


class WorklistItemSerializer(serializers.Serializer):
    """An open matter on the worklist, with the next step its latest activity left."""

    id = serializers.UUIDField(source="uuid")
    version = serializers.IntegerField()
    case = serializers.UUIDField(source="case.uuid")
    case_number = serializers.CharField(source="case.number")
    matter_type = ChoiceField(choices=MatterType.choices)
    status = ChoiceField(choices=MatterStatus.choices)
    applied_on = serializers.DateField()
    lawyer = serializers.UUIDField(source="lawyer.uuid", allow_null=True, default=None)
    next_deadline = serializers.DateField(allow_null=True)
    next_step = serializers.CharField(allow_null=True)

    class Meta:
        sections = (Section.LEGAL_AID,)  # what a listing shows, for the audit log


# --- helpers ----------------------------------------------------------------------------------


def matter_response(matter: LegalAidMatter, *, status: int = 200) -> Response:
    """One matter with its activities, its version as ``ETag``."""
    response = Response(selectors.matter_detail(matter), status=status)
    response["ETag"] = etag(matter.version)
    return response


def activity_response(activity: LegalAidActivity, *, status: int = 200) -> Response:
    response = Response(selectors.activity_dict(activity), status=status)
    response["ETag"] = etag(activity.version)
    return response


def _lawyer(value):
    """The user a lawyer id names; an unknown id gets the operation's own refusal, so the answer
    never tells whether an account exists outside the centre."""
    if value is None:
        return None
    found = User.objects.filter(uuid=value).first()
    if found is None:
        raise RuleViolation(_("Assign an active legal aid worker of the centre."), field="lawyer")
    return found


def _may_write(user) -> None:
    require(policy.may_write(user, Section.LEGAL_AID), _("Your role may not change the legal aid record."))


class _LegalAidViewSet(RecordRouteViewSet):
    # Base of the routes that name a matter or an activity by its id (not a docstring: the schema
    # would show it). Order of checks: the record (404), the policy (403), If-Match (428/400), the
    # body (400); the operation then checks the referral (403), locks and compares versions (412).
    parser_classes = CaseRouteViewSet.parser_classes
    metadata_class = None

    def expected_version(self) -> int:
        return version_from_if_match(self.request.headers.get("If-Match"))

    def log_view(self, request, record, view: str) -> None:
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=record.case.uuid,
            sections=SECTIONS,
            detail={"view": view, "record": str(record.uuid)},
        )


# --- views ------------------------------------------------------------------------------------


@extend_schema(tags=["legal aid"])
class CaseMatterViewSet(CaseRouteViewSet):
    """The legal aid matters of a case. A legal aid worker sees their own centre's only."""

    serializer_class = MatterSerializer

    @extend_schema(
        summary="The legal aid matters of a case",
        parameters=[CASE_ID],
        responses={200: MatterSerializer(many=True), 404: ERRORS[404]},
    )
    def list(self, request, *args, **kwargs):
        case = self.get_case()
        rows = selectors.case_matters(request.user, case)
        return self.paginated(rows, request, sections=SECTIONS, detail={"view": "legal_aid_matters"})

    @extend_schema(
        summary="Open a legal aid matter from your centre's accepted referral",
        description="Only a legal aid centre holding an accepted legal aid referral of the case (403 otherwise, "
        "also once the referral is completed). The matter starts as applied.",
        parameters=[CASE_ID],
        request=MatterOpenSerializer,
        responses={201: MatterSerializer, **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        user, case = request.user, self.get_case()
        selectors.check_readable(user)
        _may_write(user)
        data = validated(MatterOpenSerializer, request.data)
        referral = None
        if "referral" in data:
            referral = Referral.objects.visible_to(user).filter(case=case, uuid=data["referral"]).first()
            if referral is None:
                raise RuleViolation(
                    _("Open the matter from your centre's accepted legal aid referral of this case."), field="referral"
                )
        matter = operations.matter_open(
            actor=user,
            case=case,
            matter_type=data["matter_type"],
            applied_on=data["applied_on"],
            summary=data["summary"],
            referral=referral,
        )
        return matter_response(matter, status=201)


@extend_schema(tags=["legal aid"])
class MatterViewSet(_LegalAidViewSet):
    """One legal aid matter: read it, amend it, move it through its steps."""

    model = LegalAidMatter
    serializer_class = MatterSerializer

    def get_matter(self) -> LegalAidMatter:
        return selectors.matter_for(self.request.user, self.kwargs["id"])

    @extend_schema(
        summary="One legal aid matter with its activities",
        parameters=[MATTER_ID],
        responses={200: MatterSerializer, 404: ERRORS[404]},
    )
    def retrieve(self, request, *args, **kwargs):
        matter = self.get_matter()
        self.log_view(request, matter, "legal_aid_matter")
        return matter_response(matter)

    @extend_schema(
        summary="Amend a matter's details",
        description="The kind, summary, application date and lawyer always; the decision's date and reason once "
        "decided; the start date once started; the outcome and compensation once concluded. The status changes "
        "through decide, start and conclude.",
        parameters=[MATTER_ID, IF_MATCH],
        request=MatterAmendSerializer,
        responses={200: MatterSerializer, **VERSIONED_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        matter = self.get_matter()
        _may_write(request.user)
        expected = self.expected_version()
        changes = validated(MatterAmendSerializer, request.data, partial=True)
        if not changes:
            raise ValidationError({"non_field_errors": [_("Send at least one field to change.")]})
        if "lawyer" in changes:
            changes["lawyer"] = _lawyer(changes["lawyer"])
        matter = operations.matter_amend(actor=request.user, matter=matter, expected_version=expected, changes=changes)
        return matter_response(matter)

    def _step(self, request, body_serializer, operation):
        matter = self.get_matter()
        _may_write(request.user)
        expected = self.expected_version()
        data = validated(body_serializer, request.data)
        if "lawyer" in data:
            data["lawyer"] = _lawyer(data["lawyer"])
        matter = operation(actor=request.user, matter=matter, expected_version=expected, **data)
        return matter_response(matter)

    @extend_schema(
        summary="Decide eligibility: accept or reject an applied matter",
        parameters=[MATTER_ID, IF_MATCH],
        request=DecideSerializer,
        responses={200: MatterSerializer, **STEP_ERRORS},
    )
    def decide(self, request, *args, **kwargs):
        return self._step(request, DecideSerializer, operations.matter_decide)

    @extend_schema(
        summary="Start the work on an accepted matter (needs an assigned lawyer)",
        parameters=[MATTER_ID, IF_MATCH],
        request=StartSerializer,
        responses={200: MatterSerializer, **STEP_ERRORS},
    )
    def start(self, request, *args, **kwargs):
        return self._step(request, StartSerializer, operations.matter_start)

    @extend_schema(
        summary="Conclude a matter with its outcome",
        description="From in progress; an accepted matter whose work has not started can only be withdrawn.",
        parameters=[MATTER_ID, IF_MATCH],
        request=ConcludeSerializer,
        responses={200: MatterSerializer, **STEP_ERRORS},
    )
    def conclude(self, request, *args, **kwargs):
        return self._step(request, ConcludeSerializer, operations.matter_conclude)

    @extend_schema(
        summary="The activity log of a matter",
        parameters=[MATTER_ID],
        responses={200: ActivitySerializer(many=True), 404: ERRORS[404]},
    )
    def activities(self, request, *args, **kwargs):
        matter = self.get_matter()
        page = self.paginate_queryset(selectors.matter_activities(matter))
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=matter.case.uuid,
            sections=SECTIONS,
            detail={"view": "legal_aid_activities", "record": str(matter.uuid)},
        )
        return self.get_paginated_response(page)

    @extend_schema(
        summary="Record an activity on an open matter",
        parameters=[MATTER_ID],
        request=ActivityInputSerializer,
        responses={
            201: ActivitySerializer,
            **ERRORS,
            409: error("matter_closed: the matter is concluded or rejected."),
        },
    )
    def add_activity(self, request, *args, **kwargs):
        matter = self.get_matter()
        _may_write(request.user)
        data = validated(ActivityInputSerializer, request.data)
        activity = operations.activity_add(actor=request.user, matter=matter, **data)
        return activity_response(activity, status=201)


@extend_schema(tags=["legal aid"])
class ActivityViewSet(_LegalAidViewSet):
    """One activity of a legal aid matter."""

    model = LegalAidActivity
    serializer_class = ActivitySerializer

    def get_activity(self) -> LegalAidActivity:
        return selectors.activity_for(self.request.user, self.kwargs["id"])

    @extend_schema(summary="One activity", parameters=[ACTIVITY_ID], responses={200: ActivitySerializer, **ERRORS})
    def retrieve(self, request, *args, **kwargs):
        activity = self.get_activity()
        self.log_view(request, activity, "legal_aid_activity")
        return activity_response(activity)

    @extend_schema(
        summary="Correct an activity",
        parameters=[ACTIVITY_ID, IF_MATCH],
        request=ActivityInputSerializer,
        responses={200: ActivitySerializer, **VERSIONED_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        activity = self.get_activity()
        _may_write(request.user)
        expected = self.expected_version()
        changes = validated(ActivityInputSerializer, request.data, partial=True)
        if not changes:
            raise ValidationError({"non_field_errors": [_("Send at least one field to change.")]})
        activity = operations.activity_amend(
            actor=request.user, activity=activity, expected_version=expected, changes=changes
        )
        return activity_response(activity)


@extend_schema(tags=["legal aid"])
class WorklistViewSet(ScopedViewSet):
    """The open legal aid matters you see — a legal aid worker, their centre's — soonest next
    deadline first. Only for roles that read the legal aid section."""

    model = LegalAidMatter
    serializer_class = WorklistItemSerializer
    metadata_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return LegalAidMatter.objects.none()
        return selectors.matters_for(self.request.user)

    @extend_schema(
        summary="The legal aid worklist",
        responses={200: WorklistItemSerializer(many=True), 403: ERRORS[403]},
    )
    def list(self, request, *args, **kwargs):
        if not policy.may_read(request.user, Section.LEGAL_AID):
            raise PermissionDenied(_("Your role does not read the legal aid record."))
        return super().list(request, *args, **kwargs)
