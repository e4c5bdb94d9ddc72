"""The base of every API view over victim data.

Guarantees: the queryset always starts from ``Model.objects.visible_to(request.user)``, so a
record outside the caller's scope answers 404 exactly like one that does not exist; records are
addressed by UUID; a retrieved record carries its version as ``ETag`` for ``If-Match``; an
unsafe request on a view that names its ``write_section`` is refused with 403 unless the policy
lets the caller write that section (and only after scope has been checked, so an outsider still
gets 404).
"""

from __future__ import annotations

from django.db import models
from rest_framework import mixins, permissions, viewsets

from registry import policy
from registry.concurrency import etag
from registry.errors import PermissionDenied
from registry.policy import Section


class ScopedViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    model: type[models.Model]
    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    write_section: Section | None = None

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_object(self):
        instance = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS and not (
            self.write_section and policy.may_write(self.request.user, self.write_section)
        ):
            raise PermissionDenied("Your role may not change this part of the case.")
        return instance

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        version = response.data.get("version")
        if version is not None:
            response["ETag"] = etag(version)
        return response
