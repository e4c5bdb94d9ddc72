"""A scoped, policy-filtered endpoint over the scaffold model, built from the API base."""

from django.db import transaction
from rest_framework import mixins, serializers

from registry.api.serializers import SectionFieldsMixin
from registry.api.viewsets import ScopedViewSet
from registry.concurrency import ensure_version, version_from_if_match
from registry.history import recorded_change
from registry.policy import Section
from tests.scaffold.models import SampleCase


class SampleCaseSerializer(SectionFieldsMixin, serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)

    class Meta:
        model = SampleCase
        always = ("id", "version")
        sections = {
            Section.PERSON: ("name", "sex"),
            Section.IDENTITY: ("id_number", "birth_date"),
            Section.HEALTH: ("health_note",),
        }
        fields = SectionFieldsMixin.declared_fields_of(always, sections)
        read_only_fields = ("version",)


class SampleCaseViewSet(mixins.UpdateModelMixin, ScopedViewSet):
    serializer_class = SampleCaseSerializer
    model = SampleCase
    write_section = Section.PERSON
    audit_search_params = ("id_number",)

    def get_queryset(self):
        queryset = super().get_queryset()
        id_number = self.request.query_params.get("id_number") if self.action == "list" else None
        if id_number is not None:
            queryset = queryset.blind_search("id_number_index", id_number)
        return queryset

    def perform_update(self, serializer):
        expected = version_from_if_match(self.request.headers.get("If-Match"))
        with transaction.atomic(), recorded_change(actor=self.request.user, reason="scaffold update"):
            locked = SampleCase.objects.select_for_update().get(pk=serializer.instance.pk)
            ensure_version(locked.version, expected)
            serializer.instance = locked
            serializer.save(version=locked.version + 1)
