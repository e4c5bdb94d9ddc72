"""The hand-overs' API under ``/api/v1/`` (routes in ``transfers.handover.urls``).

- ``POST /cases/{id}/hand-over/`` — hand the case over out of the province or the country
  (``operations.case_hand_over``, civil affairs), with ``If-Match`` the case's version; 201
  with the hand-over as the transfers section shows it (its own version as ``ETag``).
- ``GET /cases/{id}/hand-overs/`` — the case's hand-overs, oldest first (readers of the
  transfers section; 404 for another role, as for any record kind it does not read).
- ``POST /hand-overs/{id}/package/`` — generate the hand-over package (civil affairs, with the
  password again as every dossier: step-up) and answer its archive record, 201; the PDF is
  downloaded through the dossiers' route (``download_url``).

Order of checks: the case or hand-over in scope (404), the action (403), ``If-Match`` (428/400),
the body (400); the operation then locks and compares the version (412).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from registry import policy
from registry.accounts import step_up
from registry.api.cases import CaseRouteViewSet, record_response
from registry.api.inputs import validated
from registry.api.schema import CASE_ID, ERRORS, IF_MATCH, VERSIONED_ERRORS, error
from registry.api.serializers import ChoiceField, ChoiceListField, StrictSerializer
from registry.api.viewsets import RecordRouteViewSet
from registry.policy import Action, Section, require
from transfers.choices import Consent, Destination, LegalBasis
from transfers.handover import operations, selectors
from transfers.models import HandOver

HANDOVER_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The hand-over's id.")
REFUSED = _("Only civil affairs officers hand cases over.")


class HandOverInputSerializer(StrictSerializer):
    destination = ChoiceField(choices=Destination.choices)
    province_code = serializers.CharField(
        required=False, allow_blank=True, max_length=2, help_text=_("GB/T 2260 code of the receiving province.")
    )
    country = serializers.CharField(
        required=False, allow_blank=True, max_length=2, help_text=_("ISO 3166 code of the receiving country.")
    )
    receiving_agency = serializers.CharField(max_length=128)
    contact_office = serializers.CharField(max_length=200)
    handed_over_on = serializers.DateField()
    legal_basis = ChoiceField(choices=LegalBasis.choices)
    consent = ChoiceField(choices=Consent.choices)
    consent_note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    embassy_contact = serializers.CharField(required=False, allow_blank=True, max_length=200)
    travel_document = serializers.CharField(required=False, allow_blank=True, max_length=64)
    sections = ChoiceListField(
        choices=Section.choices, help_text=_("The sections the package holds; person is always among them.")
    )


class HandOverSerializer(serializers.Serializer):
    """A hand-over as the transfers section shows it."""

    id = serializers.UUIDField()
    version = serializers.IntegerField()
    destination = ChoiceField(choices=Destination.choices)
    province_code = serializers.CharField()
    country = serializers.CharField()
    receiving_agency = serializers.CharField()
    contact_office = serializers.CharField()
    handed_over_on = serializers.DateField()
    legal_basis = ChoiceField(choices=LegalBasis.choices)
    consent = ChoiceField(choices=Consent.choices)
    consent_note = serializers.CharField()
    embassy_contact = serializers.CharField()
    travel_document = serializers.CharField()
    sections = serializers.ListField(child=ChoiceField(choices=Section.choices))
    recorded_by = serializers.UUIDField()


class PackageInputSerializer(StrictSerializer):
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False,
        help_text=_("Your password, entered again (step-up re-authentication)."),
    )  # fmt: skip


class PackageSerializer(serializers.Serializer):
    """The archive record of a hand-over package."""

    id = serializers.UUIDField()
    archive_number = serializers.CharField()
    sections = serializers.ListField(child=ChoiceField(choices=Section.choices))
    sha256 = serializers.CharField()
    page_count = serializers.IntegerField()
    download_url = serializers.CharField()


@extend_schema(tags=["hand-overs"])
class CaseHandOverViewSet(CaseRouteViewSet):
    """Hand-overs of a case out of the province or the country."""

    serializer_class = HandOverSerializer

    @extend_schema(
        summary="The hand-overs of a case, oldest first",
        parameters=[CASE_ID],
        responses={200: HandOverSerializer(many=True), 404: ERRORS[404]},
    )
    def list(self, request, *args, **kwargs):
        case = self.get_case()
        rows = selectors.case_handovers(request.user, case)
        return self.paginated(rows, request, sections=[Section.TRANSFERS], detail={"view": "hand_overs"})

    @extend_schema(
        summary="Hand the case over to another province or country (civil affairs)",
        description="The case becomes read-only (transferred) until civil affairs reopens it. A repatriation names "
        "the country, the embassy or consulate contacted and the travel document's reference.",
        parameters=[CASE_ID, IF_MATCH],
        request=HandOverInputSerializer,
        responses={
            201: HandOverSerializer,
            **VERSIONED_ERRORS,
            409: error("invalid_stage_transition, placement_open, transfer_pending, case_transferred."),
        },
    )
    def create(self, request, *args, **kwargs):
        user, case = request.user, self.get_case()
        require(policy.may(user, Action.HAND_OVER_CASE), REFUSED)
        expected = self.expected_version()
        data = validated(HandOverInputSerializer, request.data)
        handover = operations.case_hand_over(actor=user, case=case, expected_version=expected, **data)
        return record_response(handover, status=201)


@extend_schema(tags=["hand-overs"])
class HandOverViewSet(RecordRouteViewSet):
    """One hand-over: its package."""

    model = HandOver
    serializer_class = PackageSerializer
    parser_classes = CaseRouteViewSet.parser_classes
    metadata_class = None

    @extend_schema(
        summary="Generate the hand-over package (civil affairs)",
        description="A dossier of the case limited to the hand-over's sections, followed by the hand-over receipt "
        "form to sign; stored and audited as every dossier, downloaded from download_url.",
        parameters=[HANDOVER_ID],
        request=PackageInputSerializer,
        responses={
            201: PackageSerializer,
            **ERRORS,
            409: error("case_changed, dossier_too_large."),
            429: error("locked_out: too many wrong passwords."),
        },
    )
    def package(self, request, *args, **kwargs):
        user = request.user
        handover = selectors.handover_for(user, kwargs["id"])
        require(policy.may(user, Action.HAND_OVER_CASE) and policy.may(user, Action.EXPORT_DOSSIER), REFUSED)
        body = validated(PackageInputSerializer, request.data)
        step_up.check_step_up_password(request, body.get("password"))
        record = operations.handover_package(actor=user, handover=handover, request=request)
        return Response(
            {
                "id": str(record.uuid), "archive_number": record.archive_number, "sections": record.sections,
                "sha256": record.sha256, "page_count": record.page_count,
                "download_url": reverse("dossier-pdf", kwargs={"id": record.uuid}),
            },
            status=201,
        )  # fmt: skip
