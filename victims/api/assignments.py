"""Caseworkers assigned to a case, and a leaving caseworker's cases handed on.

- ``GET /cases/{id}/assignments/`` — the assigned caseworkers (any reader of the case).
- ``POST /cases/{id}/assignments/`` — ``{"caseworker": <uuid>}``, with ``If-Match`` (the case's
  version): ``operations.case_assign``. The caseworker is one the caller may manage
  (``selectors.caseworkers_for``: 400 ``caseworker`` otherwise).
- ``DELETE /cases/{id}/assignments/{user_id}/`` — with ``If-Match``: ``operations.case_unassign``.
- ``POST /caseworkers/{id}/reassign/`` — ``{"to": <uuid>}``: every open case of the caseworker the
  caller sees, to a colleague (``operations.caseworker_cases_reassign``); ``{"cases": n}``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.cases import CaseRouteViewSet, envelope_response
from registry.api.idempotency import IdempotentMixin
from registry.api.inputs import validated
from registry.api.schema import CASE_ID, ERRORS, IF_MATCH, VERSIONED_ERRORS
from registry.api.serializers import StrictSerializer
from registry.api.viewsets import WithoutOptions
from registry.audit import AuditAction, log_read
from registry.context_processors import display_name
from registry.policy import Action, Section, require_action
from victims import operations, selectors
from victims.api.serializers import CaseEnvelopeSerializer


class AssigneeSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()
    organization = serializers.CharField(source="organization.name", read_only=True, default="")

    def get_name(self, user) -> str:
        return display_name(user)


class AssignSerializer(StrictSerializer):
    caseworker = serializers.UUIDField(help_text="The caseworker to assign.")


class ReassignSerializer(StrictSerializer):
    to = serializers.UUIDField(help_text="The caseworker who takes the cases.")


class ReassignedSerializer(serializers.Serializer):
    cases = serializers.IntegerField(read_only=True)


@extend_schema(tags=["cases"])
class CaseAssignmentViewSet(CaseRouteViewSet):
    """The caseworkers assigned to a case."""

    serializer_class = AssigneeSerializer
    pagination_class = None

    @extend_schema(
        summary="The caseworkers assigned to the case",
        parameters=[CASE_ID],
        responses={200: AssigneeSerializer(many=True), 404: ERRORS[404]},
    )
    def list(self, request, *args, **kwargs):
        case = self.get_case()
        assignees = case.assigned_caseworkers.select_related("organization").order_by("username")
        log_read(request, action=AuditAction.CASE_VIEWED, case_uuid=case.uuid, sections=[Section.PERSON])
        return Response(AssigneeSerializer(assignees, many=True).data)

    @extend_schema(
        summary="Assign a caseworker to the case",
        parameters=[CASE_ID, IF_MATCH],
        request=AssignSerializer,
        responses={201: CaseEnvelopeSerializer, **VERSIONED_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        case = self.get_case()
        require_action(request.user, Action.ASSIGN_CASEWORKER)
        expected = self.expected_version()
        data = validated(AssignSerializer, request.data)
        caseworker = selectors.caseworker_for(request.user, data["caseworker"])
        changed = operations.case_assign(
            actor=request.user, case=case, caseworker=caseworker, expected_version=expected
        )
        return envelope_response(changed, status=201)

    @extend_schema(
        summary="Unassign a caseworker from the case",
        parameters=[CASE_ID, IF_MATCH],
        request=None,
        responses={200: CaseEnvelopeSerializer, **VERSIONED_ERRORS},
    )
    def destroy(self, request, *args, **kwargs):
        case = self.get_case()
        require_action(request.user, Action.ASSIGN_CASEWORKER)
        expected = self.expected_version()
        try:
            assigned = case.assigned_caseworkers.filter(uuid=kwargs["user_id"]).first()
        except ValidationError:  # not a UUID: assigned to nobody, as an unknown one
            assigned = None
        changed = operations.case_unassign(
            actor=request.user, case=case, caseworker=assigned, expected_version=expected
        )
        return envelope_response(changed)


@extend_schema(tags=["cases"])
class CaseworkerReassignView(WithoutOptions, IdempotentMixin, APIView):
    """Hand every open case of a caseworker (who leaves, or is away) to a colleague."""

    @extend_schema(
        summary="Hand a caseworker's open cases to a colleague",
        request=ReassignSerializer,
        responses={200: ReassignedSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def post(self, request, id):
        require_action(request.user, Action.ASSIGN_CASEWORKER)
        data = validated(ReassignSerializer, request.data)
        leaving = selectors.caseworker_for(request.user, id, field="id")
        to = selectors.caseworker_for(request.user, data["to"], field="to")
        handed = operations.caseworker_cases_reassign(actor=request.user, caseworker=leaving, to=to)
        return Response({"cases": handed})
