"""The REST API of transfers between organizations of the province, under ``/api/v1/`` (routes in
``transfers.transfer_urls``).

- ``GET/POST /cases/{id}/transfers/`` — the case's transfers, for the roles that read the
  transfers section (404 for the others: the section is absent for them); request a transfer
  (``operations.transfer_request``; ``If-Match``: the case's version).
- ``GET /transfers/`` — the transfers the caller reads: those addressed to them (``incoming``)
  and those of the cases they see (``outgoing``), newest first; ``?direction=`` filters.
- ``GET /transfers/{id}/`` — one transfer: the whole record for who sees the case, only its
  summary (no name, no identity, no comment) for a receiver who does not yet.
- ``POST /transfers/{id}/accept/``, ``/decline/`` (a receiver), ``/withdraw/`` (the sender side);
  ``If-Match`` optional: the transfer's version.

Every read goes through ``transfers.selectors`` (a transfer the caller neither sends nor
receives is absent: 404), every write through ``transfers.operations``; reads are audited
(``case_viewed`` / ``case_listed`` with the transfers section), refusals by the API's handler.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from registry import casefile, policy
from registry.api.cases import CaseRouteViewSet, record_response
from registry.api.inputs import validated
from registry.api.schema import CASE_ID, ERRORS, IF_MATCH, VERSIONED_ERRORS, error
from registry.api.serializers import ChoiceField, ChoiceListField, DecisionSerializer, EmptySerializer, StrictSerializer
from registry.api.viewsets import RecordRouteViewSet
from registry.audit import AuditAction, log_read
from registry.concurrency import etag, version_from_if_match
from registry.errors import NotFound, RuleViolation
from registry.fields import MAX_TEXT_LENGTH
from registry.models import Organization
from registry.policy import Action, Section, require
from transfers import operations, selectors
from transfers.choices import TransferReason, TransferStatus
from transfers.models import CaseTransfer
from victims.choices import AgeBand, Sex

TRANSFER_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The transfer's id.")
OPTIONAL_IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, description="Optional: the transfer's version (its ETag)."
)
DIRECTION = OpenApiParameter(
    "direction",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=[selectors.INCOMING, selectors.OUTGOING],
    description="incoming: addressed to you; outgoing: of the cases you see.",
)
ANSWER_ERRORS = {
    **ERRORS,
    409: error("transfer_decided: answered or withdrawn already; case_closed; organization_inactive."),
    412: VERSIONED_ERRORS[412],
}


# --- input ------------------------------------------------------------------------------------


class TransferRequestSerializer(StrictSerializer):
    to_organization = serializers.UUIDField(
        help_text=gettext_lazy("The receiving organization: an active shelter or welfare home of the case's province.")
    )
    reason = ChoiceField(choices=TransferReason.choices)
    sections_first = ChoiceListField(
        choices=Section.choices, required=False, help_text=gettext_lazy("The sections the receiver needs first.")
    )
    comment = serializers.CharField(
        max_length=MAX_TEXT_LENGTH,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Read by who sees the case: the sender until acceptance, the receiver after it."),
    )


class DeclineSerializer(StrictSerializer):
    comment = serializers.CharField(max_length=MAX_TEXT_LENGTH, help_text=gettext_lazy("Why the transfer is declined."))


# --- output (built by transfers.selectors; documented here for the schema) ----------------------


class TransferSummarySerializer(serializers.Serializer):
    """What a receiver reads before accepting: no name, no identity, no comment."""

    id = serializers.UUIDField()
    version = serializers.IntegerField()
    direction = ChoiceField(choices=[(selectors.INCOMING, "incoming"), (selectors.OUTGOING, "outgoing")])
    case_number = serializers.CharField()
    age_band = ChoiceField(choices=AgeBand.choices)
    sex = ChoiceField(choices=Sex.choices)
    from_organization = serializers.UUIDField()
    to_organization = serializers.UUIDField()
    reason = ChoiceField(choices=TransferReason.choices)
    sections_first = serializers.ListField(child=ChoiceField(choices=Section.choices))
    status = ChoiceField(choices=TransferStatus.choices)
    created_at = serializers.DateTimeField(help_text=gettext_lazy("When it was requested."))
    decided_at = serializers.DateTimeField(allow_null=True)


class TransferSerializer(TransferSummarySerializer):
    """The whole transfer, for who sees the case."""

    case_id = serializers.UUIDField()
    comment = serializers.CharField()
    requested_by = serializers.UUIDField()
    decided_by = serializers.UUIDField(allow_null=True)
    decision_comment = serializers.CharField()


# --- views ------------------------------------------------------------------------------------


def transfer_response(user, transfer_id, *, status: int = 200) -> Response:
    """The transfer as ``user`` reads it now (after a write: the record if they see the case)."""
    transfer = selectors.transfer_for(user, transfer_id)
    response = Response(selectors.shown(transfer), status=status)
    response["ETag"] = etag(transfer.version)
    return response


@extend_schema(tags=["transfers"])
class CaseTransferViewSet(CaseRouteViewSet):
    """The transfers of a case to other organizations of the province."""

    serializer_class = TransferSerializer

    @extend_schema(
        summary="The transfers of a case",
        parameters=[CASE_ID],
        responses={200: TransferSerializer(many=True), 404: ERRORS[404]},
    )
    def list(self, request, *args, **kwargs):
        case = self.get_case()
        try:
            rows = casefile.case_records(request.user, case, CaseTransfer)
        except KeyError:  # the role does not read the section: absent
            raise NotFound(_("No such case.")) from None
        return self.paginated(rows, request, sections=[Section.TRANSFERS], detail={"view": "transfers"})

    @extend_schema(
        summary="Ask another organization of the province to take the case over",
        description="The receiving organization's caseworkers and the civil affairs officers over it answer; until "
        "one accepts, the case stays with you and they read only a summary of it.",
        parameters=[CASE_ID, IF_MATCH],
        request=TransferRequestSerializer,
        responses={
            201: TransferSerializer,
            **VERSIONED_ERRORS,
            409: error("transfer_pending: a transfer of the case awaits an answer; case_closed."),
        },
    )
    def create(self, request, *args, **kwargs):
        user, case = request.user, self.get_case()
        require(policy.may(user, Action.TRANSFER_CASE), _("Your role may not transfer a case."))
        expected = self.expected_version()
        data = validated(TransferRequestSerializer, request.data)
        organization = Organization.objects.select_related("jurisdiction").filter(uuid=data["to_organization"]).first()
        if organization is None:
            raise RuleViolation(_("No organization has this id."), field="to_organization")
        transfer = operations.transfer_request(
            actor=user,
            case=case,
            expected_version=expected,
            to_organization=organization,
            reason=data["reason"],
            comment=data.get("comment", ""),
            sections_first=data.get("sections_first", ()),
        )
        return record_response(transfer, status=201)


@extend_schema(tags=["transfers"])
class TransferViewSet(RecordRouteViewSet):
    """Transfers addressed to you, and those of the cases you see."""

    model = CaseTransfer
    serializer_class = TransferSerializer
    parser_classes = CaseRouteViewSet.parser_classes
    metadata_class = None

    def get_transfer(self) -> CaseTransfer:
        return selectors.transfer_for(self.request.user, self.kwargs["id"])

    def _expected(self) -> int | None:
        header = self.request.headers.get("If-Match")
        return version_from_if_match(header) if header is not None else None

    @extend_schema(
        summary="The transfers you read, newest first",
        parameters=[DIRECTION],
        responses={200: TransferSerializer(many=True), 400: ERRORS[400]},
    )
    def list(self, request, *args, **kwargs):
        rows = selectors.transfers_for(request.user).order_by("-created_at", "-id")
        direction = request.query_params.get("direction") or None
        if direction not in (None, selectors.INCOMING, selectors.OUTGOING):
            raise RuleViolation(_("Answer incoming or outgoing."), field="direction")
        if direction is not None:
            rows = rows.filter(addressed=direction == selectors.INCOMING)
        page = self.paginate_queryset(rows)
        items = [selectors.shown(transfer) for transfer in page]
        detail = {"view": "transfers", "count": len(items)}
        if direction:
            detail["filters"] = {"direction": direction}
        if items:
            log_read(request, action=AuditAction.CASE_LISTED, sections=[Section.TRANSFERS], detail=detail)
        return self.get_paginated_response(items)

    @extend_schema(
        summary="One transfer: the summary for a receiver, the whole record for who sees the case",
        parameters=[TRANSFER_ID],
        responses={200: TransferSerializer, 404: ERRORS[404]},
    )
    def retrieve(self, request, *args, **kwargs):
        transfer = self.get_transfer()
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=transfer.case.uuid,
            sections=[Section.TRANSFERS],
            detail={"view": "transfer", "record": str(transfer.uuid), "summary": not transfer.case_seen},
        )
        return transfer_response(request.user, transfer.uuid)

    @extend_schema(
        summary="Accept a transfer addressed to you: the case becomes your organization's",
        parameters=[TRANSFER_ID, OPTIONAL_IF_MATCH],
        request=EmptySerializer,
        responses={200: TransferSerializer, **ANSWER_ERRORS},
    )
    def accept(self, request, *args, **kwargs):
        transfer = selectors.transfer_for_receiver(request.user, self.kwargs["id"])
        validated(EmptySerializer, request.data)
        operations.transfer_accept(actor=request.user, transfer=transfer, expected_version=self._expected())
        return transfer_response(request.user, transfer.uuid)

    @extend_schema(
        summary="Decline a transfer addressed to you, saying why",
        parameters=[TRANSFER_ID, OPTIONAL_IF_MATCH],
        request=DeclineSerializer,
        responses={200: TransferSummarySerializer, **ANSWER_ERRORS},
    )
    def decline(self, request, *args, **kwargs):
        transfer = selectors.transfer_for_receiver(request.user, self.kwargs["id"])
        comment = validated(DeclineSerializer, request.data)["comment"]
        operations.transfer_decline(
            actor=request.user, transfer=transfer, comment=comment, expected_version=self._expected()
        )
        return transfer_response(request.user, transfer.uuid)

    @extend_schema(
        summary="Withdraw a transfer of a case you see, while it awaits an answer, saying why",
        description="The body's comment is required (400 comment).",
        parameters=[TRANSFER_ID, OPTIONAL_IF_MATCH],
        request=DecisionSerializer,
        responses={200: TransferSerializer, **ANSWER_ERRORS},
    )
    def withdraw(self, request, *args, **kwargs):
        transfer = self.get_transfer()
        require(policy.may(request.user, Action.TRANSFER_CASE), _("Your role may not withdraw a transfer."))
        comment = validated(DecisionSerializer, request.data)["comment"]
        operations.transfer_withdraw(
            actor=request.user, transfer=transfer, comment=comment, expected_version=self._expected()
        )
        return transfer_response(request.user, transfer.uuid)
