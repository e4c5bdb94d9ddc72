"""The REST API of the care plan under ``/api/v1/`` (routes in ``care.plan.urls``).

- ``GET/POST/PATCH /cases/{id}/care-plan/`` — the plan with its needs, goals and reviews as the
  section shows them (a receiving department: the plan's id and its own department's goals
  only); write it (``care_plan_create``); amend it with ``If-Match`` (``care_plan_update``).
- ``POST /cases/{id}/care-plan/approve/`` — civil affairs approves a child's plan (four eyes).
- ``GET/POST /cases/{id}/care-plan/goals/`` — the goals the caller reads; add a goal.
- ``PATCH /care-plan/goals/{id}/`` and ``POST /care-plan/goals/{id}/close/`` — amend or close
  an open goal, with ``If-Match``.
- ``POST /cases/{id}/care-plan/reviews/`` — record a review; ``POST
  /care-plan/reviews/{id}/approve/`` — civil affairs approves a child's review (four eyes).

Order of checks in every handler: the case (404), what the URL names inside it (404: no plan,
a goal or review the caller does not read), the policy (403), ``If-Match`` (428/400), the body
(400); the operation then checks the policy again, locks and compares versions (412). Reads are
audited (``case_viewed`` with the ``care_plan`` section); refusals by the API's exception
handler. Every answer about a record carries its version as ``ETag``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from care.choices import ApprovalStatus, GoalLinkKind, GoalStatus, NeedDomain, NeedRating
from care.models import Goal, Review
from care.plan import operations, selectors
from care.plan.sections import GOAL, SECTION
from registry import policy
from registry.api.cases import CaseRouteViewSet, record_response
from registry.api.inputs import validated
from registry.api.schema import CASE_ID, ERRORS, IF_MATCH, VERSIONED_ERRORS, error
from registry.api.serializers import ChoiceField, DecisionSerializer, StrictSerializer
from registry.api.viewsets import RecordRouteViewSet
from registry.audit import AuditAction, log_read
from registry.concurrency import etag, version_from_if_match
from registry.errors import RuleViolation
from registry.fields import MAX_TEXT_LENGTH
from registry.models import Organization
from registry.policy import Action, Section, require

SECTIONS = [Section.CARE_PLAN]
GOAL_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The goal's id.")
REVIEW_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The review's id.")
TEXT = {"max_length": MAX_TEXT_LENGTH}
APPROVAL_ERRORS = {
    **VERSIONED_ERRORS,
    403: error("permission_denied, or four_eyes: you wrote or changed it."),
    409: error("not_awaiting_approval: it needs no approval, or has it already."),
}
GOAL_ERRORS = {**VERSIONED_ERRORS, 409: error("goal_closed: the goal has ended; it changes no more.")}


# --- input ------------------------------------------------------------------------------------


class NeedInputSerializer(StrictSerializer):
    domain = ChoiceField(choices=NeedDomain.choices)
    rating = ChoiceField(choices=NeedRating.choices)
    description = serializers.CharField(required=False, default="", allow_blank=True, **TEXT)


class PlanInputSerializer(StrictSerializer):
    assessed_on = serializers.DateField()
    summary = serializers.CharField(required=False, default="", allow_blank=True, **TEXT)
    needs = NeedInputSerializer(
        many=True,
        help_text=gettext_lazy("Every domain once when writing the plan; any of them when amending it."),
    )


class LinkSerializer(StrictSerializer):
    kind = ChoiceField(choices=GoalLinkKind.choices)
    id = serializers.UUIDField(help_text=gettext_lazy("A record of the same case."))


class GoalInputSerializer(StrictSerializer):
    domain = ChoiceField(choices=NeedDomain.choices)
    description = serializers.CharField(**TEXT)
    owner = serializers.UUIDField(help_text=gettext_lazy("The id of the active organization that owns the goal."))
    target_on = serializers.DateField()
    links = LinkSerializer(many=True, required=False, default=list)


class GoalCloseSerializer(StrictSerializer):
    status = ChoiceField(choices=[(value, label) for value, label in GoalStatus.choices if value != GoalStatus.OPEN])
    reason = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        help_text=gettext_lazy("Required unless the goal was achieved."),
        **TEXT,
    )


class ReviewInputSerializer(StrictSerializer):
    reviewed_on = serializers.DateField()
    summary = serializers.CharField(**TEXT)


# --- output (built by the section's record kinds; documented here for the schema) --------------


class NeedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField()
    domain = ChoiceField(choices=NeedDomain.choices)
    rating = ChoiceField(choices=NeedRating.choices)
    description = serializers.CharField()


class GoalSerializer(serializers.Serializer):
    """A goal of the plan: what, whose, by when, how it ended, and the records that serve it."""

    id = serializers.UUIDField()
    version = serializers.IntegerField(help_text=gettext_lazy("Send it back in If-Match to change the goal."))
    domain = ChoiceField(choices=NeedDomain.choices)
    description = serializers.CharField()
    owner = serializers.UUIDField(help_text=gettext_lazy("The owner organization's id."))
    target_on = serializers.DateField()
    status = ChoiceField(choices=GoalStatus.choices)
    status_reason = serializers.CharField()
    closed_on = serializers.DateField(allow_null=True)
    links = LinkSerializer(many=True)


class ReviewSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField()
    reviewed_on = serializers.DateField()
    reviewer = serializers.CharField(help_text=gettext_lazy("The reviewer's username."))
    summary = serializers.CharField()
    approval = ChoiceField(choices=ApprovalStatus.choices)
    approved_by = serializers.CharField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)


class PlanSerializer(serializers.Serializer):
    """The care plan. A receiving department (education, legal aid, labour) gets ``id`` and
    ``goals`` only — the goals its own department owns."""

    id = serializers.UUIDField()
    version = serializers.IntegerField(help_text=gettext_lazy("Send it back in If-Match to change the plan."))
    assessed_on = serializers.DateField()
    summary = serializers.CharField()
    approval = ChoiceField(choices=ApprovalStatus.choices)
    next_review_on = serializers.DateField(
        help_text=gettext_lazy(
            "When the next review is due: the last review's date, else the assessment's, plus 30 days for a child "
            "or 90 for an adult."
        )
    )
    created_by = serializers.CharField()
    approved_by = serializers.CharField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    needs = NeedSerializer(many=True)
    goals = GoalSerializer(many=True)
    reviews = ReviewSerializer(many=True)


# --- helpers ----------------------------------------------------------------------------------


def plan_data(user, plan) -> dict:
    """The plan as ``user``'s section shows it: the assessment with its needs, goals and reviews;
    to a receiving department, the plan's id and the goals it reads."""
    content = SECTION.content(plan.case, user)
    if not content["plan"]:
        return {"id": str(plan.uuid), "goals": content["goals"]}
    return {**content["plan"][0], "needs": content["needs"], "goals": content["goals"], "reviews": content["reviews"]}


def plan_response(request, plan, *, status: int = 200, log: bool = False) -> Response:
    data = plan_data(request.user, plan)
    if log:
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=plan.case.uuid,
            sections=SECTIONS,
            detail={"view": "care_plan", "record": str(plan.uuid)},
        )
    response = Response(data, status=status)
    if "version" in data:
        response["ETag"] = etag(data["version"])
    return response


def _owner(data: dict) -> dict:
    """``owner`` sent as an id, resolved (400 when no organization has it)."""
    if "owner" in data:
        owner = Organization.objects.filter(uuid=data["owner"]).first()
        if owner is None:
            raise RuleViolation(_("No organization has this id."), field="owner")
        data["owner"] = owner
    return data


def _may_write(user) -> None:
    require(policy.may_write(user, Section.CARE_PLAN), _("Your role may not change the care plan."))


def _may_approve(user) -> None:
    require(policy.may(user, Action.APPROVE_CARE_PLAN), _("Only civil affairs approves a child's care plan."))


def _changes(serializer_class, data) -> dict:
    changes = validated(serializer_class, data, partial=True)
    if not changes:
        raise ValidationError({"non_field_errors": [_("Send at least one field to change.")]})
    return changes


# --- views ------------------------------------------------------------------------------------


@extend_schema(tags=["care plan"])
class CasePlanViewSet(CaseRouteViewSet):
    """The care plan of a case: the needs assessment, goals and reviews."""

    serializer_class = PlanSerializer

    def get_plan(self):
        return selectors.plan_for(self.request.user, self.get_case())

    @extend_schema(
        summary="The care plan of a case",
        parameters=[CASE_ID],
        responses={200: PlanSerializer, 404: error("not_found: no such case, or it has no care plan yet.")},
    )
    def retrieve(self, request, *args, **kwargs):
        return plan_response(request, self.get_plan(), log=True)

    @extend_schema(
        summary="Write the care plan of a case: the needs assessment",
        description="A child's plan waits for the approval of a civil affairs officer who did not write it.",
        parameters=[CASE_ID],
        request=PlanInputSerializer,
        responses={201: PlanSerializer, **ERRORS, 409: error("care_plan_exists: amend the plan instead.")},
    )
    def create(self, request, *args, **kwargs):
        case = self.get_case()
        selectors.check_readable(request.user)
        _may_write(request.user)
        data = validated(PlanInputSerializer, request.data)
        plan = operations.care_plan_create(actor=request.user, case=case, data=data)
        return plan_response(request, plan, status=201)

    @extend_schema(
        summary="Amend the care plan",
        description="The domains sent in needs are rated and described anew. An approved child's plan goes back "
        "to awaiting approval.",
        parameters=[CASE_ID, IF_MATCH],
        request=PlanInputSerializer,
        responses={200: PlanSerializer, **VERSIONED_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        plan = self.get_plan()
        _may_write(request.user)
        expected = self.expected_version()
        changes = _changes(PlanInputSerializer, request.data)
        plan = operations.care_plan_update(actor=request.user, plan=plan, expected_version=expected, changes=changes)
        return plan_response(request, plan)

    @extend_schema(
        summary="Approve a child's care plan (civil affairs; not its author)",
        description="The body's optional comment is kept on the plan.",
        parameters=[CASE_ID, IF_MATCH],
        request=DecisionSerializer,
        responses={200: PlanSerializer, **APPROVAL_ERRORS},
    )
    def approve(self, request, *args, **kwargs):
        plan = self.get_plan()
        _may_approve(request.user)
        expected = self.expected_version()
        comment = validated(DecisionSerializer, request.data)["comment"]
        plan = operations.care_plan_approve(actor=request.user, plan=plan, expected_version=expected, comment=comment)
        return plan_response(request, plan)

    @extend_schema(
        summary="The goals of a case's care plan",
        description="A receiving department reads the goals its own department owns.",
        parameters=[CASE_ID],
        responses={200: GoalSerializer(many=True), 404: ERRORS[404]},
    )
    def goals(self, request, *args, **kwargs):
        case = self.get_case()
        selectors.check_readable(request.user)
        rows = GOAL.records(case, request.user)
        return self.paginated(rows, request, sections=SECTIONS, detail={"view": "care_plan_goals"})

    @extend_schema(
        summary="Add a goal to the care plan",
        parameters=[CASE_ID],
        request=GoalInputSerializer,
        responses={201: GoalSerializer, **ERRORS, 409: error("no_care_plan or too_many_records.")},
    )
    def add_goal(self, request, *args, **kwargs):
        case = self.get_case()
        selectors.check_readable(request.user)
        _may_write(request.user)
        data = _owner(validated(GoalInputSerializer, request.data))
        goal = operations.goal_create(actor=request.user, case=case, data=data)
        return record_response(goal, status=201)

    @extend_schema(
        summary="Record a review of the care plan",
        description="A child's review waits for the approval of a civil affairs officer who did not write it.",
        parameters=[CASE_ID],
        request=ReviewInputSerializer,
        responses={201: ReviewSerializer, **ERRORS, 409: error("too_many_records.")},
    )
    def add_review(self, request, *args, **kwargs):
        plan = self.get_plan()
        _may_write(request.user)
        data = validated(ReviewInputSerializer, request.data)
        review = operations.review_create(actor=request.user, plan=plan, data=data)
        return record_response(review, status=201)


class _PlanRecordViewSet(RecordRouteViewSet):
    # Base of the routes that name a goal or a review by its id (not a docstring: the schema
    # would show it). Order of checks: the record (404), the policy (403), If-Match, the body.
    parser_classes = CaseRouteViewSet.parser_classes
    metadata_class = None

    def expected_version(self) -> int:
        return version_from_if_match(self.request.headers.get("If-Match"))


@extend_schema(tags=["care plan"])
class GoalViewSet(_PlanRecordViewSet):
    """One goal of a care plan: amend it, close it."""

    model = Goal
    serializer_class = GoalSerializer

    def get_goal(self) -> Goal:
        return selectors.goal_for(self.request.user, self.kwargs["id"])

    @extend_schema(
        summary="Amend an open goal",
        parameters=[GOAL_ID, IF_MATCH],
        request=GoalInputSerializer,
        responses={200: GoalSerializer, **GOAL_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        goal = self.get_goal()
        _may_write(request.user)
        expected = self.expected_version()
        changes = _owner(_changes(GoalInputSerializer, request.data))
        goal = operations.goal_update(actor=request.user, goal=goal, expected_version=expected, changes=changes)
        return record_response(goal)

    @extend_schema(
        summary="Close an open goal: achieved, not achievable or no longer needed (with the reason)",
        parameters=[GOAL_ID, IF_MATCH],
        request=GoalCloseSerializer,
        responses={200: GoalSerializer, **GOAL_ERRORS},
    )
    def close(self, request, *args, **kwargs):
        goal = self.get_goal()
        _may_write(request.user)
        expected = self.expected_version()
        data = validated(GoalCloseSerializer, request.data)
        goal = operations.goal_close(actor=request.user, goal=goal, expected_version=expected, **data)
        return record_response(goal)


@extend_schema(tags=["care plan"])
class ReviewViewSet(_PlanRecordViewSet):
    """One review of a care plan."""

    model = Review
    serializer_class = ReviewSerializer

    @extend_schema(
        summary="Approve a child's review (civil affairs; not its author)",
        description="The body's optional comment is kept on the review.",
        parameters=[REVIEW_ID, IF_MATCH],
        request=DecisionSerializer,
        responses={200: ReviewSerializer, **APPROVAL_ERRORS},
    )
    def approve(self, request, *args, **kwargs):
        review = selectors.review_for(request.user, self.kwargs["id"])
        _may_approve(request.user)
        expected = self.expected_version()
        comment = validated(DecisionSerializer, request.data)["comment"]
        review = operations.review_approve(
            actor=request.user, review=review, expected_version=expected, comment=comment
        )
        return record_response(review)
