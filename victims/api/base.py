"""What every view of the victim file's API shares.

- :class:`CaseRouteViewSet`: routes under ``/cases/{id}/``. The case comes from
  ``selectors.case_for`` (404 when absent or out of scope, before any other check), and the
  API's exception handler records each 403 and 404 against that case (``access_denied``).
- :func:`validated`: input through a serializer, errors flattened to the API's one error shape
  (``{"victim.full_name": [reason]}``) — DRF's nested errors would otherwise be printed as
  Python reprs.
- :func:`case_response` and :func:`record_response`: answers carrying the version as ``ETag``;
  a response that shows sections of the case file is logged as ``case_viewed`` with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from registry.api.viewsets import ScopedViewSet
from registry.audit import AuditAction, log_read
from registry.concurrency import etag, version_from_if_match
from registry.errors import PermissionDenied
from registry.policy import Section
from victims import selectors
from victims.api.serializers import ErrorSerializer
from victims.models import Case, CaseRecord

# --- what the schema says of every view here ---------------------------------------------------

CASE_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The case's id.")
IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=True, description='The version you read (its ETag), e.g. "3".'
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


ERRORS = {
    400: error("validation_error or rule_violation: each offending field named with its reason."),
    403: error("permission_denied: your role may not do this."),
    404: error("not_found: no such case (or not within your reach: the two are not told apart)."),
}
VERSIONED_ERRORS = {
    **ERRORS,
    409: error("The change is not allowed in the record's present state."),
    412: error("stale_version: it changed since you read it; reload and apply your change again."),
    428: error("version_required: send If-Match."),
}


# Query parameters of paging, which no filter serializer declares.
PAGING_PARAMS = frozenset({"page", "page_size", "format"})


def flat_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's (possibly nested) error detail as ``{"outer.inner": [reason, …]}``."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = prefix if key == "non_field_errors" and prefix else (f"{prefix}.{key}" if prefix else str(key))
            for inner, reasons in flat_errors(value, name).items():
                flat.setdefault(inner, []).extend(reasons)
        return flat
    if isinstance(detail, list) and any(isinstance(item, Mapping | list) for item in detail):
        flat = {}
        for index, item in enumerate(detail):  # one entry per item of a list that was sent
            if item:
                flat.update(flat_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def validated(serializer_class, data, **kwargs) -> dict:
    """``data`` checked by ``serializer_class``; 400 naming each field and reason otherwise."""
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        raise ValidationError(flat_errors(serializer.errors))
    return _plain(serializer.validated_data)


def _plain(value):
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def require(allowed: bool, message: str | None = None) -> None:
    """403 unless ``allowed`` (call only once the caller is known to see the record)."""
    if not allowed:
        raise PermissionDenied(message or _("Your role may not do this."))


def case_envelope(case: Case) -> dict:
    """The keys every answer about a case carries."""
    return {"id": str(case.uuid), "case_number": case.number, "stage": case.stage, "version": case.version}


def case_response(request, case: Case, *, only: Iterable[Section] | None = None, status: int = 200) -> Response:
    """The case file as ``request.user`` may read it — every readable section, or those of
    ``only`` among them — with the case's version as ``ETag``. The read is logged as
    ``case_viewed`` with the sections shown."""
    sections = selectors.case_sections(request.user, case, only=only)
    log_read(request, action=AuditAction.CASE_VIEWED, case_uuid=case.uuid, sections=[Section(s) for s in sections])
    response = Response({**case_envelope(case), **sections}, status=status)
    response["ETag"] = etag(case.version)
    return response


def envelope_response(case: Case, *, status: int = 200) -> Response:
    """Only the case's number, stage and version (after a stage action): nothing to log."""
    response = Response(case_envelope(case), status=status)
    response["ETag"] = etag(case.version)
    return response


def record_response(record: CaseRecord, *, status: int = 200) -> Response:
    """One record as the case file shows it, with its own version as ``ETag``."""
    response = Response(selectors.record_dict(record, selectors.RECORD_FIELDS[type(record)]), status=status)
    response["ETag"] = etag(record.version)
    return response


class CaseRouteViewSet(ScopedViewSet):
    # Base of the views under ``/cases/{id}/`` (a comment, not a docstring: the schema would
    # show a docstring to API readers). Order of checks in every handler: the case (404), what
    # the URL names inside it (404), the policy (403), ``If-Match`` (428/400), the body (400);
    # the operation then checks the policy again, locks, and compares the version (412).

    model = Case
    parser_classes = [JSONParser]  # bodies are JSON (nested objects do not survive form encoding)
    metadata_class = None  # OPTIONS answers 405: the schema at /api/schema/ describes the API

    def get_case(self) -> Case:
        if getattr(self, "_case", None) is None:
            self._case = selectors.case_for(self.request.user, self.kwargs[self.lookup_url_kwarg])
        return self._case

    def expected_version(self) -> int:
        """The version ``If-Match`` names: 428 when missing, 400 when malformed."""
        return version_from_if_match(self.request.headers.get("If-Match"))

    def paginated(self, rows: list, request, *, sections: Iterable[Section], detail: dict) -> Response:
        """One page of ``rows`` (a part of the case file), logged as ``case_viewed``."""
        page = self.paginate_queryset(rows)
        log_read(
            request, action=AuditAction.CASE_VIEWED, case_uuid=self.get_case().uuid, sections=sections, detail=detail
        )
        return self.get_paginated_response(page)
