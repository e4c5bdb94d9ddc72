"""``GET /api/v1/audit-events/``: the audit log for auditors (DESIGN §5).

Only a role holding ``Action.VIEW_AUDIT`` reads it; anyone else signed in gets 403 with the
API's error shape (itself recorded as ``access_denied``), an anonymous caller 401. Paginated,
newest first, filtered by ``user``, ``action``, ``outcome``, ``date_from``, ``date_to`` (whole
days in the registry's time zone, both included) and ``case`` (a case UUID) — the filters of
the auditor's page. An invalid filter answers 400 naming it. Each read is an ``audit_viewed``
event.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import ValidationError

from registry import policy
from registry.api.viewsets import WithoutOptions
from registry.audit import AuditAction, record_event
from registry.audit_views import AuditFilterForm
from registry.models import AuditEvent
from registry.policy import Action


class MayViewAudit(permissions.BasePermission):
    message = "Only an auditor reads the audit log."

    def has_permission(self, request, view) -> bool:
        return policy.may(request.user, Action.VIEW_AUDIT)


class AuditEventSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    sequence = serializers.IntegerField(source="pk", read_only=True)
    user_id = serializers.UUIDField(source="actor_uuid", read_only=True)
    username = serializers.CharField(source="actor_username", read_only=True)
    organization_id = serializers.IntegerField(source="organization_ref", read_only=True)
    case_id = serializers.UUIDField(source="case_uuid", read_only=True)
    sections = serializers.JSONField(read_only=True)
    detail = serializers.JSONField(read_only=True)
    chain = serializers.CharField(source="partition", read_only=True)

    class Meta:
        model = AuditEvent
        fields = (
            "id",
            "sequence",
            "occurred_at",
            "user_id",
            "username",
            "role",
            "organization_id",
            "organization_name",
            "action",
            "outcome",
            "case_id",
            "sections",
            "request_id",
            "ip_address",
            "detail",
            "chain",
            "prev_hash",
            "hash",
        )
        read_only_fields = fields


_FILTERS = [
    OpenApiParameter("user", OpenApiTypes.STR, description="Exact username of the actor."),
    OpenApiParameter("action", OpenApiTypes.STR, enum=AuditAction.values, description="Kind of event."),
    OpenApiParameter("outcome", OpenApiTypes.STR, enum=["success", "denied", "failure"]),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day, in the registry's time zone."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day, included."),
    OpenApiParameter("case", OpenApiTypes.UUID, description="A case's UUID."),
]


@extend_schema_view(get=extend_schema(parameters=_FILTERS))
class AuditEventList(WithoutOptions, generics.ListAPIView):
    serializer_class = AuditEventSerializer
    permission_classes = [permissions.IsAuthenticated, MayViewAudit]

    def get_queryset(self):
        form = AuditFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError({name: [str(error) for error in errors] for name, errors in form.errors.items()})
        self.filters = form
        return form.filter(AuditEvent.objects.order_by("-id"))

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        record_event(action=AuditAction.AUDIT_VIEWED, request=request, detail=self.filters.audit_detail())
        return response
