"""The reports' API (issue 14 item 7).

- ``GET /api/v1/reports/`` — the catalogue the reader may read:
  ``[{"key", "title", "clause", "department", "dimensions"}]``, in catalogue order.
- ``GET /api/v1/reports/{key}/?period=&jurisdiction=&by=&format=`` — one indicator, suppressed
  (``reports.compute.report``): ``{"indicator", "period", "jurisdiction", "min_cell", "cells":
  [{<dimension>: <code>, …, "value", "suppressed"}], "total": {"value", "suppressed"}}``; a
  suppressed value is ``null``. ``format=csv|xlsx`` answers the table as a file,
  ``format=pdf`` the evaluation report of this one indicator (``reports.files``).

Order of checks: signed in (401); the role reads reports (403, caseworkers and system
administrators); the indicator exists (404 naming ``indicator``) and is the reader's
department's (403); ``period`` (400 naming it: required, a month, quarter, year or the plan
period); ``jurisdiction`` (400 for what is no division code; 404 naming it for a division outside
the reader's, recorded as ``access_denied``); ``by`` (400 naming it); ``format`` (400 naming it).
Each answer of a report is a ``report_viewed`` audit event (``reports.operations``); no answer
holds a person-level row, a name or a case number.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.schema import ERRORS
from registry.api.viewsets import WithoutOptions
from registry.audit import log_refusal
from registry.errors import NotFound, RegistryError
from reports import access, files, operations
from reports.compute import Report, report
from reports.periods import Period

FILE_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class ReportsView(WithoutOptions, APIView):
    """Base of the reports' views: ``?format=`` names a file here, not one of DRF's renderers,
    so content negotiation ignores it (JSON unless the client asks otherwise)."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


_CATALOGUE = inline_serializer(
    "ReportCatalogueEntry",
    many=True,
    fields={
        "key": serializers.CharField(),
        "title": serializers.CharField(),
        "clause": serializers.CharField(),
        "department": serializers.CharField(),
        "dimensions": serializers.ListField(child=serializers.CharField()),
    },
)
_REPORT = inline_serializer(
    "Report",
    fields={
        "indicator": serializers.CharField(),
        "period": serializers.CharField(),
        "jurisdiction": serializers.CharField(),
        "min_cell": serializers.IntegerField(),
        "cells": serializers.ListField(child=serializers.DictField(), help_text="Dimension codes, value, suppressed."),
        "total": serializers.DictField(help_text="value (null when suppressed) and suppressed."),
    },
)


class ReportCatalogueView(ReportsView):
    @extend_schema(responses={200: _CATALOGUE, 403: ERRORS[403]})
    def get(self, request):
        access.require_reader(request.user)
        return Response(
            [
                {
                    "key": indicator.key,
                    "title": str(indicator.title),
                    "clause": indicator.clause,
                    "department": indicator.department.value,
                    "dimensions": list(indicator.dimensions),
                }
                for indicator in access.indicators_for(request.user)
            ]
        )


class ReportDetailView(ReportsView):
    @extend_schema(
        parameters=[
            OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH, description="The indicator's key."),
            OpenApiParameter(
                "period", OpenApiTypes.STR, required=True, description="2026, 2026-Q3, 2026-09 or 2021-2030."
            ),
            OpenApiParameter("jurisdiction", OpenApiTypes.STR, description="A division code; yours by default."),
            OpenApiParameter("by", OpenApiTypes.STR, description="Dimensions, comma-separated (at most 3)."),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", *FILE_FORMATS], description="A file instead."),
        ],
        responses={200: _REPORT, **ERRORS},
    )
    def get(self, request, key: str):
        indicator = access.require_indicator(request.user, key)
        params = request.query_params
        try:
            period = Period.parse(params.get("period", ""))
        except ValueError as error:
            raise RegistryError(str(error), field="period") from error
        try:
            jurisdiction = access.jurisdiction_for(request.user, params.get("jurisdiction"))
        except NotFound:
            log_refusal(request, status=404, code="not_found")
            raise
        fmt = params.get("format") or "json"
        if fmt != "json" and fmt not in FILE_FORMATS:
            raise RegistryError(_("Give json, csv, xlsx or pdf."), field="format")
        result = report(indicator, period=period, jurisdiction=jurisdiction, by=params.get("by"))
        response = _file(result, fmt, request.user) if fmt in FILE_FORMATS else Response(as_json(result))
        operations.report_view(
            actor=request.user,
            request=request,
            indicator=indicator,
            period=period,
            jurisdiction=jurisdiction,
            by=result.by,
            fmt=fmt,
        )
        return response


def as_json(result: Report) -> dict:
    """The API's shape of a report (the module docstring)."""
    return {
        "indicator": result.indicator.key,
        "period": result.period.key,
        "jurisdiction": result.jurisdiction.code,
        "min_cell": result.min_cell,
        "cells": [{**cell.dims, "value": cell.value, "suppressed": cell.suppressed} for cell in result.cells],
        "total": {"value": result.total.value, "suppressed": result.total.suppressed},
    }


def _file(result: Report, fmt: str, user) -> HttpResponse:
    if fmt == "csv":
        content = files.table_csv(result)
    elif fmt == "xlsx":
        content = files.table_xlsx(result, user=user)
    else:
        content = files.evaluation_pdf([result], period=result.period, jurisdiction=result.jurisdiction, user=user)
    name = f"{result.indicator.key}-{result.period.key}-{result.jurisdiction.code}.{fmt}"
    response = HttpResponse(content, content_type=FILE_FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
