"""What every view under ``/cases/{id}/`` shares, whichever app it belongs to.

- :class:`CaseRouteViewSet`: routes under ``/cases/{id}/``. The case comes from the one scoped
  lookup (``registry.casefile.case_for``: 404 when absent or out of scope, before any other
  check), and the
  API's exception handler records each 403 and 404 against that case (``access_denied``).
- :func:`case_response` and :func:`record_response`: answers carrying the version as ``ETag``;
  a response that shows sections of the case file is logged as ``case_viewed`` with them.
"""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.response import Response

from registry import casefile, policy
from registry.api.parsers import JSONParser
from registry.api.viewsets import ScopedViewSet
from registry.audit import AuditAction, log_read
from registry.concurrency import etag, version_from_if_match


def case_envelope(case) -> dict:
    """The keys every answer about a case carries."""
    return {"id": str(case.uuid), "case_number": case.number, "stage": case.stage, "version": case.version}


def case_response(request, case, *, only: Iterable[str] | None = None, status: int = 200) -> Response:
    """The case file as ``request.user`` may read it — every readable section, or those of
    ``only`` among them — with the case's version as ``ETag``. The read is logged as
    ``case_viewed`` with the sections shown."""
    sections = casefile.case_sections(request.user, case, only=only)
    shown = [policy.section_named(key) for key in sections]
    log_read(request, action=AuditAction.CASE_VIEWED, case_uuid=case.uuid, sections=shown)
    response = Response({**case_envelope(case), **sections}, status=status)
    response["ETag"] = etag(case.version)
    return response


def envelope_response(case, *, status: int = 200) -> Response:
    """Only the case's number, stage and version (after a stage action): nothing to log."""
    response = Response(case_envelope(case), status=status)
    response["ETag"] = etag(case.version)
    return response


def record_response(record, *, status: int = 200) -> Response:
    """One record as its section of the case file shows it, with its own version as ``ETag``."""
    response = Response(casefile.record_data(record), status=status)
    response["ETag"] = etag(record.version)
    return response


class CaseRouteViewSet(ScopedViewSet):
    # Base of the views under ``/cases/{id}/`` (a comment, not a docstring: the schema would
    # show a docstring to API readers). Order of checks in every handler: the case (404), what
    # the URL names inside it (404), the policy (403), ``If-Match`` (428/400), the body (400);
    # the operation then checks the policy again, locks, and compares the version (412).

    parser_classes = [JSONParser]  # bodies are JSON (nested objects do not survive form encoding)

    @property
    def model(self):
        return casefile.case_model()

    def get_case(self):
        if getattr(self, "_case", None) is None:
            self._case = casefile.case_for(self.request.user, self.kwargs[self.lookup_url_kwarg])
        return self._case

    def expected_version(self) -> int:
        """The version ``If-Match`` names: 428 when missing, 400 when malformed."""
        return version_from_if_match(self.request.headers.get("If-Match"))

    def paginated(self, rows: list, request, *, sections: Iterable[str], detail: dict) -> Response:
        """One page of ``rows`` (a part of the case file), logged as ``case_viewed``."""
        page = self.paginate_queryset(rows)
        log_read(
            request, action=AuditAction.CASE_VIEWED, case_uuid=self.get_case().uuid, sections=sections, detail=detail
        )
        return self.get_paginated_response(page)
