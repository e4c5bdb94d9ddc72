"""What the OpenAPI schema says of every view over a case: the path and header parameters, and
the error answers (each in the one error shape, ``registry.api.serializers.ErrorSerializer``).
:class:`AutoSchema` (the API's schema class) adds ``Idempotency-Key`` to every write that takes
it."""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from registry import idempotency
from registry.api.idempotency import IdempotentMixin
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
IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    str,
    OpenApiParameter.HEADER,
    description="Optional. A key of your choosing (a UUID) for this one request: a retry with the same key and the "
    "same request (method, path, body) within a day (the deployment's REGISTRY_IDEMPOTENCY_HOURS) gets the first "
    "successful answer, marked Idempotent-Replayed: true, instead of running again. The same key with another "
    "request answers 422 idempotency_key_reused; while the first is still running, 409 idempotency_in_progress.",
)


class AutoSchema(openapi.AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if isinstance(self.view, IdempotentMixin) and self.method in idempotency.METHODS:
            parameters = [*parameters, IDEMPOTENCY_KEY]
        return parameters
