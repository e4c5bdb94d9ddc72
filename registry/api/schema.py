"""What the OpenAPI schema says of every view over a case: the path and header parameters, and
the error answers (each in the one error shape, ``registry.api.serializers.ErrorSerializer``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from registry.api.serializers import ErrorSerializer

CASE_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The case's id.")
IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=True, description='The version you read (its ETag), e.g. "3".'
)


def error(description: str) -> OpenApiResponse:
    """An error answer of the schema, described."""
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
