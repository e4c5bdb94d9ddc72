"""Records hung on a case, and referrals.

- ``GET/POST /cases/{id}/records/{kind}/`` and ``GET/PATCH /cases/{id}/records/{kind}/{record_id}/``
  for ``kind`` in rescue, healthassessment, dnasample, household, familymember, consent
  (``operations.record_add`` / ``record_amend``; a record's own version in ``If-Match``). A kind
  whose section the caller may not read answers 404, like an unknown kind; one they may read
  but not write answers 403 to a write.
- ``GET/POST /cases/{id}/referrals/`` (``operations.referral_create``).
- ``POST /referrals/{id}/accept|decline|complete/`` (the receiving organization,
  ``operations.referral_respond``), ``approve/`` (civil affairs, a child's referral,
  ``referral_approve``) or ``reject/`` (``referral_reject``, body ``comment`` required),
  ``revoke/`` (``referral_revoke``, body ``comment`` required). ``If-Match`` is optional here: each
  step is allowed from one status only, so of two concurrent answers the second is refused
  (409) anyway; sent, it is checked (412 when stale).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError

from registry import policy
from registry.api.cases import CaseRouteViewSet, record_response
from registry.api.inputs import validated
from registry.api.schema import CASE_ID, ERRORS, IF_MATCH, VERSIONED_ERRORS, error
from registry.api.serializers import DecisionSerializer
from registry.api.viewsets import RecordRouteViewSet
from registry.audit import AuditAction, log_read
from registry.concurrency import version_from_if_match
from registry.errors import NotFound, RuleViolation
from registry.models import Organization
from registry.policy import Action, Section, require
from victims import operations, selectors
from victims.api.serializers import (
    ANY_RECORD,
    RECORD_KINDS,
    RECORD_SERIALIZERS,
    ReferralAnswerSerializer,
    ReferralCreateSerializer,
    ReferralSerializer,
)
from victims.models import Referral

KIND = OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(RECORD_KINDS))
RECORD_ID = OpenApiParameter("record_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The record's id.")


@extend_schema(tags=["records"])
class CaseRecordViewSet(CaseRouteViewSet):
    """Records on a case, one kind per URL. A kind whose section your role may not read answers
    404; a write to a section your role may only read answers 403."""

    serializer_class = RECORD_SERIALIZERS[RECORD_KINDS["rescue"]]

    def get_kind(self):
        model = RECORD_KINDS.get(self.kwargs["kind"])
        if model is None or not policy.may_read(self.request.user, model.section):
            raise NotFound(_("No such kind of record."))
        return model

    @extend_schema(
        summary="The records of one kind on a case",
        parameters=[CASE_ID, KIND],
        responses={200: ANY_RECORD, 404: ERRORS[404]},
    )
    def list(self, request, *args, **kwargs):
        case, model = self.get_case(), self.get_kind()
        rows = selectors.case_records(request.user, case, model)
        return self.paginated(
            rows, request, sections=[model.section], detail={"view": "records", "kind": model._meta.model_name}
        )

    @extend_schema(
        summary="Add a record to a case",
        parameters=[CASE_ID, KIND],
        request=ANY_RECORD,
        responses={201: ANY_RECORD, **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        case, model = self.get_case(), self.get_kind()
        require(policy.may_write(request.user, model.section), _("Your role may not change this section."))
        data = validated(RECORD_SERIALIZERS[model], request.data)
        record = operations.record_add(actor=request.user, case=case, model=model, data=data)
        return record_response(record, status=201)

    @extend_schema(
        summary="One record",
        parameters=[CASE_ID, KIND, RECORD_ID],
        responses={200: ANY_RECORD, 404: ERRORS[404]},
    )
    def retrieve(self, request, *args, **kwargs):
        case, model = self.get_case(), self.get_kind()
        record = selectors.case_record(request.user, case, model, kwargs["record_id"])
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=case.uuid,
            sections=[model.section],
            detail={"view": "record", "kind": model._meta.model_name, "record": str(record.uuid)},
        )
        return record_response(record)

    @extend_schema(
        summary="Change fields of a record",
        parameters=[CASE_ID, KIND, RECORD_ID, IF_MATCH],
        request=ANY_RECORD,
        responses={200: ANY_RECORD, **VERSIONED_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        case, model = self.get_case(), self.get_kind()
        record = selectors.case_record(request.user, case, model, kwargs["record_id"])
        require(policy.may_write(request.user, model.section), _("Your role may not change this section."))
        expected = self.expected_version()
        changes = validated(RECORD_SERIALIZERS[model], request.data, partial=True)
        if not changes:
            raise ValidationError({"non_field_errors": [_("Send at least one field to change.")]})
        record = operations.record_amend(actor=request.user, record=record, expected_version=expected, changes=changes)
        return record_response(record)


@extend_schema(tags=["referrals"])
class CaseReferralViewSet(CaseRouteViewSet):
    """Referrals of a case to other departments' organizations."""

    serializer_class = ReferralSerializer

    @extend_schema(
        summary="The referrals of a case",
        description="A receiving organization sees its own referrals only.",
        parameters=[CASE_ID],
        responses={200: ReferralSerializer(many=True), 404: ERRORS[404]},
    )
    def list(self, request, *args, **kwargs):
        case = self.get_case()
        rows = selectors.case_records(request.user, case, Referral)
        return self.paginated(rows, request, sections=[Section.REFERRALS], detail={"view": "referrals"})

    @extend_schema(
        summary="Refer part of the case to another department's organization",
        description="Needs a recorded consent for the service (a guardian's or a statutory basis for a child under "
        "14, whose referral then waits for a civil affairs officer's approval).",
        parameters=[CASE_ID],
        request=ReferralCreateSerializer,
        responses={201: ReferralSerializer, **ERRORS, 409: error("duplicate_referral: an open referral to it exists.")},
    )
    def create(self, request, *args, **kwargs):
        case = self.get_case()
        require(policy.may_write(request.user, Section.REFERRALS), _("Your role may not refer a case."))
        data = validated(ReferralCreateSerializer, request.data)
        organization = Organization.objects.filter(uuid=data["to_organization"]).first()
        if organization is None:
            raise RuleViolation(_("No organization has this id."), field="to_organization")
        referral = operations.referral_create(
            actor=request.user, case=case, service=data["service"], to_organization=organization, reason=data["reason"]
        )
        return record_response(referral, status=201)


# What each step of a referral needs beyond seeing it, and the body it takes.
DECISIONS = ("accept", "decline", "complete", "approve", "reject", "revoke")
# Civil affairs' and the referring side's decisions, which take a comment (``registry.decisions``).
COMMENTED = {
    "approve": operations.referral_approve,
    "reject": operations.referral_reject,
    "revoke": operations.referral_revoke,
}


def _may_take(user, decision: str) -> bool:
    if decision in ("approve", "reject"):
        return policy.may(user, Action.APPROVE_CHILD_REFERRAL)
    if decision == "revoke":
        return policy.may_write(user, Section.REFERRALS)
    return policy.may(user, Action.RESPOND_REFERRAL)


@extend_schema(tags=["referrals"])
class ReferralViewSet(RecordRouteViewSet):
    """The steps of a referral; the URL names the step."""

    model = Referral
    serializer_class = ReferralSerializer
    parser_classes = CaseRouteViewSet.parser_classes
    metadata_class = None

    @extend_schema(
        summary="Answer, approve, reject or revoke a referral",
        description="accept, decline, complete: the receiving organization (body: optional note). approve, reject: "
        "civil affairs, for a child's referral (body: comment, required to reject). revoke: who may change "
        "referrals, with a comment (required); the receiver loses access at once.",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The referral's id."),
            OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, description="Optional: the referral's version."),
        ],
        request=ReferralAnswerSerializer,
        responses={
            200: ReferralSerializer,
            **ERRORS,
            409: error("invalid_referral_transition: not allowed from its status."),
            412: VERSIONED_ERRORS[412],
        },
    )
    def decide(self, request, *args, **kwargs):
        decision = kwargs["decision"]
        referral = selectors.referral_for(request.user, kwargs["id"])
        require(_may_take(request.user, decision))
        header = request.headers.get("If-Match")
        expected = version_from_if_match(header) if header is not None else None
        if decision in COMMENTED:
            comment = validated(DecisionSerializer, request.data)["comment"]
            referral = COMMENTED[decision](
                actor=request.user, referral=referral, expected_version=expected, comment=comment
            )
        else:
            note = validated(ReferralAnswerSerializer, request.data)["note"]
            referral = operations.referral_respond(
                actor=request.user, referral=referral, decision=decision, note=note, expected_version=expected
            )
        return record_response(referral)
