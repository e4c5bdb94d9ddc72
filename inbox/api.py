"""The REST API of one's own inbox under ``/api/v1/`` (routes in ``inbox.urls``).

- ``GET /notifications/`` — the caller's items, newest first, paginated like every list
  (``count``, ``next``, ``previous``, ``results``); ``?kind=`` one kind (400 ``kind`` for an
  unknown one), ``?unread=true`` the unread only.
- ``POST /notifications/{id}/read/`` — mark one's own item read; 200 with the item.

The audience is the recipient, whatever the role (auditors and administrators have an inbox
too): another user's item answers 404, like one that does not exist. An item holds no personal
value (a kind, a case number, ids, a day), so reading the inbox is not a read of a case and is
not audited; following an item is. ``url`` is the item's opening page (``/inbox/{id}/open/``),
never the case's page itself: scope is re-checked when it is followed (it marks the item read
and leads to the case, or answers 404 when the case is out of the caller's reach now), which
spares the list one scope query per item and never tells the list's reader whether a case left
their reach.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from inbox import operations, selectors
from inbox.choices import NotificationKind
from inbox.models import Notification
from registry.api.idempotency import IdempotentMixin
from registry.api.schema import ERRORS
from registry.api.serializers import ChoiceField
from registry.api.viewsets import WithoutOptions
from registry.errors import RuleViolation

ITEM_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The item's id.")
FILTERS = [
    OpenApiParameter(
        "kind", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=NotificationKind.values, description="Only this kind."
    ),
    OpenApiParameter("unread", OpenApiTypes.BOOL, OpenApiParameter.QUERY, description="true: the unread items only."),
]


class NotificationSerializer(serializers.Serializer):
    """An item of the caller's inbox: what it is about, never who."""

    id = serializers.UUIDField(source="uuid")
    kind = ChoiceField(choices=NotificationKind.choices)
    kind_label = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField(help_text="The item told in a sentence (case number, due day).")
    case_number = serializers.CharField()
    case_id = serializers.UUIDField(source="case_uuid", allow_null=True)
    subject_id = serializers.UUIDField(source="subject_uuid", allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(
        help_text="The item's opening page: it marks the item read and leads to what it is about if the caller "
        "may still see it (404 otherwise)."
    )

    def get_kind_label(self, item: Notification) -> str:
        return str(NotificationKind(item.kind).label)

    def get_text(self, item: Notification) -> str:
        return selectors.sentence(item)

    def get_url(self, item: Notification) -> str:
        return reverse("inbox:open", args=[item.uuid])


def _unread(value: str | None) -> bool:
    if value in (None, "", "false"):
        return False
    if value == "true":
        return True
    raise RuleViolation(_("Answer true or false."), field="unread")


@extend_schema(tags=["inbox"])
class NotificationViewSet(WithoutOptions, IdempotentMixin, viewsets.GenericViewSet):
    """The caller's own inbox."""

    serializer_class = NotificationSerializer

    @extend_schema(
        summary="Your inbox, newest first",
        parameters=FILTERS,
        responses={200: NotificationSerializer(many=True), 400: ERRORS[400]},
    )
    def list(self, request, *args, **kwargs):
        params = request.query_params
        rows = selectors.inbox_for(request.user, kind=params.get("kind"), unread=_unread(params.get("unread")))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Mark one of your items read",
        parameters=[ITEM_ID],
        request=None,
        responses={200: NotificationSerializer, 404: ERRORS[404]},
    )
    def read(self, request, *args, **kwargs):
        item = selectors.item_for(request.user, kwargs["id"])
        item = operations.notification_read(actor=request.user, notification=item)
        return Response(self.get_serializer(item).data)
