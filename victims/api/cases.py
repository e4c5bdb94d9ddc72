"""Cases: list and exact search, registration, the case file, the person's sections, the stage
actions and the history.

- ``GET /cases/`` — the cases the caller may see (``selectors.cases_for``), paginated; filters
  ``stage``, ``jurisdiction`` (code prefix), ``organization`` (lead organization's id); exact
  search ``id_number`` and ``name`` through the blind indexes, each term normalised as a stored
  value is (400 naming the parameter for a term with an invisible character), allowed only to
  roles that read the section holding the field (403 otherwise: ``identity`` for
  ``id_number``, ``person`` for ``name``) and limited per account (429
  ``search_rate_limited``, ``registry.ratelimit``). Audited by the base class as
  ``case_listed``, or ``case_searched`` with the terms only as keyed HMACs. A query parameter
  the list does not take is refused (400) rather than ignored, so a misspelt filter never
  silently answers with every case.
- ``POST /cases/`` — registration (``operations.case_register``); 201 with the case file, 409
  ``duplicate_victim`` naming the case when the person is already registered within reach.
- ``GET /cases/{id}/`` — one key per section the caller may read, ``ETag`` = version.
- ``PATCH /cases/{id}/sections/{section}/`` — the person's own fields of ``person``,
  ``identity``, ``contacts`` or ``health`` (``operations.victim_update``), with ``If-Match``.
- ``POST /cases/{id}/close/``, ``reopen/``, ``resolve-duplicate/`` — civil affairs' stage
  actions, with ``If-Match``; closing takes how the case ended (``reason`` and ``comment``,
  ``operations.case_close``); reopening takes a closed case or one handed over (a hand-over
  out of the province is ``POST /cases/{id}/hand-over/``, ``transfers.handover.api``).
- ``GET /cases/{id}/history/`` — ``registry.casefile.case_history`` (already narrowed to the sections
  the caller may read), paginated, audited.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError

from registry import casefile, policy
from registry.api.cases import CaseRouteViewSet, case_response, envelope_response
from registry.api.inputs import PAGING_PARAMS, validated
from registry.api.schema import CASE_ID, ERRORS, IF_MATCH, VERSIONED_ERRORS, error
from registry.api.serializers import DecisionSerializer
from registry.audit import AuditAction, log_read
from registry.errors import NotFound, RegistryError, RuleViolation
from registry.models import Jurisdiction
from registry.policy import Action, Section, require
from registry.ratelimit import count_search
from victims import operations, selectors
from victims.api.serializers import (
    REGISTRATION_FIELDS,
    SECTION_CHANGES,
    SECTION_SERIALIZERS,
    CaseDetailSerializer,
    CaseEnvelopeSerializer,
    CaseFilterSerializer,
    CaseSummarySerializer,
    CloseSerializer,
    HistoryEntrySerializer,
    RegistrationSerializer,
    ResolveDuplicateSerializer,
)
from victims.models import Case
from victims.sections import RESCUE

_RESCUE_FIELDS = frozenset(RESCUE.fields)
_VICTIM_FIELDS = frozenset(REGISTRATION_FIELDS)


def _as_sent(exc: RegistryError) -> RegistryError:
    """The operation names a field of the person or of the rescue as the model does; name it
    as the body of the registration does (``victim.id_number``, ``rescue.rescued_on``)."""
    if exc.field in _VICTIM_FIELDS:
        return type(exc)(exc.message, field=f"victim.{exc.field}", code=exc.code)
    if exc.field in _RESCUE_FIELDS:
        return type(exc)(exc.message, field=f"rescue.{exc.field}", code=exc.code)
    return exc


@extend_schema(tags=["cases"])
class CaseViewSet(CaseRouteViewSet):
    """Cases within your reach. A case outside it answers 404, exactly like one that does not
    exist; a section your role may not read is absent from the answer, not empty."""

    serializer_class = CaseSummarySerializer
    audit_plain_params = ("stage", "jurisdiction", "organization")
    audit_search_params = ("id_number", "name")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Case.objects.none()
        params = {name: value for name, value in self.request.query_params.items() if name not in PAGING_PARAMS}
        filters = validated(CaseFilterSerializer, params)
        if filters.get("id_number") or filters.get("name"):
            count_search(self.request)  # 429 past the limit, before the search is answered
        return selectors.cases_for(self.request.user, **filters)

    @extend_schema(
        summary="List and search cases",
        parameters=[CaseFilterSerializer],
        responses={
            200: CaseSummarySerializer(many=True),
            400: ERRORS[400],
            403: error("permission_denied: your role may not read the section of the field searched by."),
            429: error("search_rate_limited: too many searches in the window; wait and search again."),
        },
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Register a rescued person and open a case",
        request=RegistrationSerializer,
        responses={
            201: CaseDetailSerializer,
            400: ERRORS[400],
            403: ERRORS[403],
            409: error("duplicate_victim: the person is already registered in the case the message names."),
        },
    )
    def create(self, request, *args, **kwargs):
        user = request.user
        require(all(policy.may_write(user, section) for section in operations.REGISTRATION_SECTIONS))
        data = validated(RegistrationSerializer, request.data)
        if "jurisdiction" in data:
            jurisdiction = Jurisdiction.objects.filter(code=data["jurisdiction"]).first()
            if jurisdiction is None:
                raise RuleViolation(_("No jurisdiction has this code."), field="jurisdiction")
        elif user.organization_id:
            jurisdiction = user.organization.jurisdiction
        else:
            raise RuleViolation(_("Name the responsible jurisdiction."), field="jurisdiction")
        try:
            case = operations.case_register(
                actor=user,
                victim=data["victim"],
                jurisdiction=jurisdiction,
                opened_on=data.get("opened_on"),
                rescue=data.get("rescue"),
            )
        except RegistryError as exc:
            raise _as_sent(exc) from None
        return case_response(request, selectors.case_for(user, case.uuid), status=201)

    @extend_schema(
        summary="The case file",
        parameters=[CASE_ID],
        responses={200: CaseDetailSerializer, 404: ERRORS[404]},
    )
    def retrieve(self, request, *args, **kwargs):
        return case_response(request, self.get_case())

    @extend_schema(
        summary="Change the person's own fields of one section",
        parameters=[
            CASE_ID,
            OpenApiParameter(
                "section", str, OpenApiParameter.PATH, enum=[section.value for section in SECTION_SERIALIZERS]
            ),
            IF_MATCH,
        ],
        request=SECTION_CHANGES,
        responses={200: CaseDetailSerializer, **VERSIONED_ERRORS},
        description="The body holds fields of the section named in the URL only: "
        + "; ".join(f"{section.value}: {', '.join(s.Meta.fields)}" for section, s in SECTION_SERIALIZERS.items())
        + ". Answers the case with that section.",
    )
    def update_section(self, request, *args, **kwargs):
        case = self.get_case()
        try:
            section = Section(kwargs["section"])
        except ValueError:
            section = None
        if section not in SECTION_SERIALIZERS:
            raise NotFound(_("The person has no fields of this section to change."))
        require(policy.may_write(request.user, section), _("Your role may not change this section."))
        expected = self.expected_version()
        changes = validated(SECTION_SERIALIZERS[section], request.data, partial=True)
        if not changes:
            raise ValidationError({"non_field_errors": [_("Send at least one field to change.")]})
        operations.victim_update(
            actor=request.user, case=case, expected_version=expected, section=section, changes=changes
        )
        return case_response(request, selectors.case_for(request.user, case.uuid), only=[section])

    # --- stage actions ----------------------------------------------------------------------

    def _stage_action(self, request, action: Action, operation, body_serializer):
        case = self.get_case()
        require(policy.may(request.user, action))
        expected = self.expected_version()
        data = validated(body_serializer, request.data)
        changed = operation(actor=request.user, case=case, expected_version=expected, **data)
        return envelope_response(changed)

    @extend_schema(
        summary="Close the case (civil affairs), saying how it ended",
        description="Without a reason the case ends as returned home, which needs its return plan completed "
        "(409 no_ending otherwise); a reason needs civil affairs' comment (400 comment). Every section's close "
        "check applies either way (a person still in a shelter, follow-up visits outstanding: 409).",
        parameters=[CASE_ID, IF_MATCH],
        request=CloseSerializer,
        responses={
            200: CaseEnvelopeSerializer,
            **VERSIONED_ERRORS,
            409: error(
                "no_ending, follow_ups_outstanding, placement_open, invalid_stage_transition, or another "
                "section's close check."
            ),
        },
    )
    def close(self, request, *args, **kwargs):
        return self._stage_action(request, Action.CLOSE_CASE, operations.case_close, CloseSerializer)

    @extend_schema(
        summary="Reopen a closed case, or one handed over out of the province (civil affairs)",
        description="The body's comment says why (required: 400 comment); history keeps it.",
        parameters=[CASE_ID, IF_MATCH],
        request=DecisionSerializer,
        responses={200: CaseEnvelopeSerializer, **VERSIONED_ERRORS},
    )
    def reopen(self, request, *args, **kwargs):
        return self._stage_action(request, Action.CLOSE_CASE, operations.case_reopen, DecisionSerializer)

    @extend_schema(
        summary="Settle a possible duplicate (civil affairs)",
        parameters=[CASE_ID, IF_MATCH],
        request=ResolveDuplicateSerializer,
        responses={200: CaseEnvelopeSerializer, **VERSIONED_ERRORS},
    )
    def resolve_duplicate(self, request, *args, **kwargs):
        return self._stage_action(
            request, Action.RESOLVE_DUPLICATE, operations.case_resolve_duplicate, ResolveDuplicateSerializer
        )


@extend_schema(tags=["cases"])
class CaseHistoryViewSet(CaseRouteViewSet):
    """The history of a case, narrowed to the sections your role may read."""

    serializer_class = HistoryEntrySerializer

    @extend_schema(
        summary="The history of the case",
        description="Changes of the case, its person and its records, newest first, showing only the fields of "
        "sections your role may read.",
        parameters=[CASE_ID],
        responses={200: HistoryEntrySerializer(many=True), 404: ERRORS[404]},
    )
    def list(self, request, *args, **kwargs):
        case = self.get_case()
        page = self.paginate_queryset(casefile.case_history(request.user, case))
        named = {name for entry in page for name in entry["sections"]}
        shown = [section for section in policy.all_sections() if section.value in named]
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=case.uuid,
            sections=shown,
            detail={"view": "history", "entries": len(page)},
        )
        return self.get_paginated_response(page)
