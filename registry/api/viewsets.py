"""The base of every API view over victim data.

Guarantees: the queryset always starts from ``Model.objects.visible_to(request.user)``, so a
record outside the caller's scope answers 404 exactly like one that does not exist; records are
addressed by UUID; a retrieved record carries its version as ``ETag`` for ``If-Match``; an
unsafe request on a view that names its ``write_section`` is refused with 403 unless the policy
lets the caller write that section (and only after scope has been checked, so an outsider still
gets 404).

Every read is audited here, so no endpoint built on this class can forget it: a retrieve records
``case_viewed`` with the sections shown, a list ``case_listed``, and a list with any query
parameter beyond paging ``case_searched`` with each term only as a keyed HMAC (a parameter is a
search term unless the view names it in ``audit_plain_params``). A refused or out-of-scope
request is recorded as ``access_denied`` by the API's exception handler.

Every write takes ``Idempotency-Key`` (:class:`registry.api.idempotency.IdempotentMixin`), and
no view of the API offers ``OPTIONS`` (:class:`WithoutOptions`).
"""

from __future__ import annotations

import uuid

from django.db import models
from rest_framework import mixins, permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import policy
from registry.api.idempotency import IdempotentMixin
from registry.api.inputs import PAGING_PARAMS
from registry.audit import AuditAction, keyed_digest, log_read, search_terms_detail, sections_shown
from registry.concurrency import etag
from registry.errors import PermissionDenied
from registry.policy import Section


class WithoutOptions:
    """For every view of the API: ``OPTIONS`` is neither answered nor listed in ``Allow`` (the
    schema at ``/api/schema/`` describes every route). Django and DRF would list it in ``Allow``
    on every answer even where the view refuses it; here it is not a method of the view at all,
    so it answers 405 ``method_not_allowed`` with an ``Allow`` that tells the truth."""

    http_method_names = [name for name in APIView.http_method_names if name != "options"]


class ScopedViewSet(
    WithoutOptions, IdempotentMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    model: type[models.Model]
    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    write_section: Section | None = None
    # Query parameters that carry no personal value (e.g. ``stage``), kept in clear in the audit
    # log, and the search parameters (``id_number``, ``name``), whose values are kept only as
    # keyed HMACs under the parameter's name. Any other parameter but paging is hashed whole,
    # name included, since a client may put anything there.
    audit_plain_params: tuple[str, ...] = ()
    audit_search_params: tuple[str, ...] = ()
    # A search answered with at most this many results names the cases it revealed.
    audit_max_named_results = 20

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_object(self):
        instance = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS and not (
            self.write_section and policy.may_write(self.request.user, self.write_section)
        ):
            raise PermissionDenied("Your role may not change this part of the case.")
        return instance

    def audit_case_uuid(self, instance) -> uuid.UUID | None:
        """The case a record belongs to, for the audit log; records hung on a case override."""
        return instance.uuid

    def audit_case_uuid_of_lookup(self) -> uuid.UUID | None:
        """The case a detail URL asks for (for ``access_denied``); ``None`` if it names none."""
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        try:
            return uuid.UUID(str(value)) if value else None
        except ValueError:
            return None

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        data = self.get_serializer(instance).data
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=self.audit_case_uuid(instance),
            sections=sections_shown(request.user, self.get_serializer_class()),
        )
        response = Response(data)
        version = data.get("version")
        if version is not None:
            response["ETag"] = etag(version)
        return response

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        paging = set(PAGING_PARAMS)
        if self.paginator is not None:
            paging |= {self.paginator.page_query_param, self.paginator.page_size_query_param or "page_size"}
        terms, plain, undeclared = {}, {}, []
        for name, values in request.query_params.lists():
            if name in paging:
                continue
            value = values[0] if len(values) == 1 else ",".join(values)
            if name in self.audit_plain_params:
                plain[name] = value
            elif name in self.audit_search_params:
                terms[name] = value
            else:
                # Even the name of an unknown parameter is the client's text: hash it with the value.
                undeclared.append(f"{name}={value}")
        data = response.data
        results = data.get("results", []) if isinstance(data, dict) else data
        detail = {"count": data.get("count") if isinstance(data, dict) else len(results)}
        if isinstance(data, dict) and data.get("count_exact") is False:
            detail["count_exact"] = False  # the count is a lower bound (registry.paging)
        page = request.query_params.get(self.paginator.page_query_param) if self.paginator is not None else None
        if page and page.isdigit() and len(page) < 10:
            detail["page"] = int(page)
        if plain:
            detail["filters"] = {name: str(value)[:100] for name, value in sorted(plain.items())}
        if terms:
            detail["terms"] = search_terms_detail(terms)
        if undeclared:
            detail["undeclared_terms"] = [
                keyed_digest(item, purpose="audit.search_term") for item in sorted(undeclared)[:10]
            ]
        if terms or undeclared:
            if len(results) <= self.audit_max_named_results:
                detail["cases"] = [str(item["id"]) for item in results if isinstance(item, dict) and "id" in item]
        log_read(
            request,
            action=AuditAction.CASE_SEARCHED if terms or undeclared else AuditAction.CASE_LISTED,
            sections=sections_shown(request.user, self.get_serializer_class()),
            detail=detail,
        )
        return response


class RecordRouteViewSet(ScopedViewSet):
    """Base of the routes that name one record of a case (``model``) by its id (``/notes/{id}/``,
    ``/referrals/{id}/``, ``/attachments/{id}/``…): a refusal is recorded against the record's
    case. The view reads the record through its app's selectors (404 for what is out of the
    caller's reach)."""

    def audit_case_uuid_of_lookup(self) -> uuid.UUID | None:
        """The case of the record the URL names, for ``access_denied`` (never answered)."""
        try:
            record_id = uuid.UUID(str(self.kwargs.get(self.lookup_url_kwarg)))
        except ValueError:
            return None
        return self.model._base_manager.filter(uuid=record_id).values_list("case__uuid", flat=True).first()
