"""Serializers whose fields are decided per request by the section policy.

A serializer lists, in ``Meta.sections``, the fields of each section of the case file, and in
``Meta.always`` the fields every reader of the record gets (its id and version). For each
request, fields of sections the user may not read are absent (not null), fields of sections
they may only read are read-only, and a request that tries to write either is refused with 400
naming the field. ``Meta.fields`` is derived once from these and never mutated: it is shared by
every request.
"""

from __future__ import annotations

from rest_framework import serializers

from registry import policy
from registry.policy import Access, Section


class SectionFieldsMixin:
    @staticmethod
    def declared_fields_of(always: tuple[str, ...], sections: dict[Section, tuple[str, ...]]) -> tuple[str, ...]:
        """``Meta.fields`` for a serializer: the fields always shown, then every section's."""
        return (*always, *(name for names in sections.values() for name in names))

    def _section_access(self) -> dict[str, Access]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return {
            name: policy.section_access(user, section)
            for section, names in self.Meta.sections.items()
            for name in names
        }

    def get_fields(self):
        # DRF builds fresh field objects on every call, so changing them here is per request.
        fields = super().get_fields()
        for name, access in self._section_access().items():
            if access is Access.NONE:
                fields.pop(name, None)
            elif access is Access.READ:
                fields[name].read_only = True
        return fields

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            access = self._section_access()
            refused = {
                name: ["This field is read-only for your role." if access[name] else "Unknown field."]
                for name in data.keys()
                if name in access and access[name] is not Access.WRITE
            }
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)
