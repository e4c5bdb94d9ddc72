"""The base of every API view over victim data.

Guarantees: the queryset always starts from ``Model.objects.visible_to(request.user)``, so a
record outside the caller's scope answers 404 exactly like one that does not exist; records are
addressed by UUID; a retrieved record carries its version as ``ETag`` for ``If-Match``.
"""

from __future__ import annotations

from django.db import models
from rest_framework import mixins, viewsets

from registry.concurrency import etag


class ScopedViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    model: type[models.Model]
    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        version = response.data.get("version")
        if version is not None:
            response["ETag"] = etag(version)
        return response
