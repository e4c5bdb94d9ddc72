"""One error shape for the whole API: ``{"code": …, "message": …, "fields": {…}}``.

``code`` is stable and machine-readable; ``message`` is for people; ``fields`` (only for
validation errors) maps each offending field to its reasons. A body larger than
``DATA_UPLOAD_MAX_MEMORY_SIZE`` answers 413 ``request_too_large``. An unexpected exception is
left to Django (a 500 is a bug to fix, not an answer to shape; it is logged as one).

What never reaches a view of the API answers in the same shape too: :func:`not_found`,
:func:`bad_request` and :func:`server_error` are the project's ``handler404``, ``handler400``
and ``handler500`` (``registry.urls``) — under ``/api/`` an unknown route is 404 ``not_found``
(the code of a record that does not exist), a body refused before any view ran
(``RequestDataTooBig`` and Django's other ``SuspiciousOperation``) 413 ``request_too_large`` or
400 ``bad_request``, a crash 500 ``server_error``; elsewhere they are Django's pages.

Every 403, and every 404 of a scoped detail route (a case that is absent or out of the caller's
scope, which the caller cannot tell apart), is recorded in the audit log as ``access_denied``
with the route's name and, for a detail route, the case UUID asked for.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from registry.errors import RegistryError

_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "malformed_request",
    exceptions.ValidationError: "validation_error",
}


def _fields(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(key): [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    return {"non_field_errors": [str(item) for item in (detail if isinstance(detail, list) else [detail])]}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


def error_response(status_code: int, code: str, message: str, fields: dict | None = None) -> Response:
    return Response(error_body(code, message, fields), status=status_code)


def _too_large() -> tuple[int, str, str]:
    return (
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        "request_too_large",
        _("The request body is larger than the %(limit)d bytes the server accepts.")
        % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
    )


def exception_handler(exc, context):
    response = _shaped_response(exc, context)
    if response is not None and response.status_code in (403, 404):
        _audit_refusal(response, context)
    return response


def _audit_refusal(response, context) -> None:
    """Record a 403, or a 404 of a detail route over scoped records, as ``access_denied``."""
    from registry.api.viewsets import ScopedViewSet
    from registry.audit import log_refusal

    view, request = context.get("view"), context.get("request")
    if request is None:
        return
    case_uuid = None
    if isinstance(view, ScopedViewSet):
        case_uuid = view.audit_case_uuid_of_lookup()
    if response.status_code == 404 and case_uuid is None:
        return  # a 404 that names no scoped record (an unknown page number, say) refuses nothing
    code = response.data.get("code", "") if isinstance(response.data, dict) else ""
    log_refusal(request, status=response.status_code, code=code, case_uuid=case_uuid)


def _shaped_response(exc, context):
    if isinstance(exc, RegistryError):
        fields = {exc.field: [exc.message]} if exc.field else None
        return error_response(exc.status, exc.code, exc.message, fields)
    if isinstance(exc, RequestDataTooBig):
        return error_response(*_too_large())
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return error_response(
            status.HTTP_400_BAD_REQUEST, "validation_error", "The request has invalid fields.", _fields(detail)
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((name for cls, name in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": code, "message": "The request has invalid fields.", "fields": _fields(exc.detail)}
    else:
        response.data = {"code": code, "message": str(exc.detail)}
    return response


# --- Django's error handlers (registry.urls): the same shape for what no API view answered ----


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code, json_dumps_params={"ensure_ascii": False})


def not_found(request, exception=None):
    """``handler404``: under ``/api/``, 404 ``not_found`` with DRF's own message for a missing
    object; elsewhere Django's page."""
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return _json_error(404, "not_found", str(exceptions.NotFound.default_detail))


def bad_request(request, exception=None):
    """``handler400`` (a ``SuspiciousOperation`` raised before a view answered): under
    ``/api/``, 413 ``request_too_large`` for a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, else
    400 ``bad_request``; elsewhere Django's page."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _json_error(*_too_large())
    return _json_error(400, "bad_request", _("The request is malformed."))


def server_error(request):
    """``handler500``: under ``/api/``, 500 ``server_error`` (Django has logged the exception);
    elsewhere Django's page."""
    if not _is_api(request):
        return defaults.server_error(request)
    return _json_error(500, "server_error", _("The server failed to answer; the error has been logged."))
