"""Voiding a record entered by mistake, over the API (issue 18 item 4).

``POST /cases/{id}/records/{kind}/{record_id}/void/`` with ``{"reason": "…"}`` and the record's
version in ``If-Match`` (``victims.operations.record_void``), for any kind of the case file that
may be voided, named by its model name (``rescue``, ``shelterplacement``, ``legalaidmatter`` …).
A kind whose section the caller may not read, or that cannot be voided, answers 404 like an
unknown kind; a record the caller does not see 404; a section the caller may only read 403; a
blank reason 400 on ``reason``; a record in force or voided already 409; a stale version 412.
The answer is the record as its section shows it, carrying ``voided_at`` and ``void_reason``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from registry import casefile, policy
from registry.api.cases import CaseRouteViewSet, record_response
from registry.api.inputs import validated
from registry.api.schema import CASE_ID, IF_MATCH, VERSIONED_ERRORS
from registry.errors import NotFound
from registry.policy import require
from victims import operations, selectors

KIND = OpenApiParameter("kind", str, OpenApiParameter.PATH, description="The kind of record (its model name).")
RECORD_ID = OpenApiParameter("record_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The record's id.")


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the record was entered by mistake (kept in its history).")


@extend_schema(tags=["records"])
class RecordVoidViewSet(CaseRouteViewSet):
    """Void a record entered by mistake: it stays in the case file, marked, with the reason."""

    serializer_class = VoidSerializer

    def get_kind(self):
        try:
            model = casefile.kind_named(self.kwargs["kind"]).model
        except KeyError:
            model = None
        if model is None or not operations.may_void(model) or not policy.may_read(self.request.user, model.section):
            raise NotFound(_("No such kind of record."))
        return model

    @extend_schema(
        summary="Void a record entered by mistake",
        parameters=[CASE_ID, KIND, RECORD_ID, IF_MATCH],
        request=VoidSerializer,
        responses={200: OpenApiTypes.OBJECT, **VERSIONED_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        case, model = self.get_case(), self.get_kind()
        record = selectors.case_record(request.user, case, model, kwargs["record_id"])
        require(policy.may_write(request.user, model.section), _("Your role may not change this section."))
        expected = self.expected_version()
        reason = validated(VoidSerializer, request.data)["reason"]
        record = operations.record_void(actor=request.user, record=record, expected_version=expected, reason=reason)
        return record_response(record)
