"""The API's serializer bases: strict input, model-built input, the error shape, and fields
decided per request by the section policy.

- :class:`StrictSerializer` / :class:`StrictMixin`: a field the serializer does not take is
  refused by name (a misspelt field is an error, not a silently dropped change);
  :class:`EmptySerializer` is a body with nothing in it; :class:`DecisionSerializer` a
  decision's comment.
- :class:`ModelInputSerializer`: input built from a model with an explicit field list, the
  encrypted model fields mapped to their real types, free text bounded, and a refused choice
  never repeated in the error (:class:`ChoiceField`: it may be a personal value typed into the
  wrong field); several choices of a ``registry.fields.MultipleChoiceField`` are a list
  (:class:`ChoiceListField`).
- :class:`ErrorSerializer`: every error answer (``registry.api.errors``), for the schema.
- :class:`SectionFieldsMixin`: a serializer lists, in ``Meta.sections``, the fields of each
  section of the case file, and in ``Meta.always`` the fields every reader of the record gets
  (its id and version). For each request, fields of sections the user may not read are absent
  (not null), fields of sections they may only read are read-only, and a request that tries to
  write either is refused with 400 naming the field. ``Meta.fields`` is derived once from these
  and never mutated: it is shared by every request.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from registry import policy
from registry.fields import MAX_TEXT_LENGTH, EncryptedDateField, EncryptedJSONField, MultipleChoiceField
from registry.policy import Access, Section

UNKNOWN_FIELD = _("Unknown field.")


class ChoiceField(serializers.ChoiceField):
    """A choice whose refusal does not repeat what was sent."""

    default_error_messages = {"invalid_choice": _("Not one of the allowed values.")}


class ChoiceListField(serializers.ListField):
    """Several choices (``registry.fields.MultipleChoiceField``): a list of allowed values, none
    twice, answered sorted; a single value (the shape of a field that held one choice before)
    is read as a list of one. A refusal names the field alone, never the value sent."""

    default_error_messages = {"repeated": _("A value is given twice.")}

    def __init__(self, *, choices, **kwargs):
        super().__init__(child=ChoiceField(choices=choices), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [data]
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):  # by position: one message for the field
                raise serializers.ValidationError([ChoiceField.default_error_messages["invalid_choice"]]) from None
            raise
        if len(set(values)) != len(values):
            self.fail("repeated")
        return sorted(values)


class StrictMixin:
    """Refuses a field the serializer does not take (a misspelt field is an error, not a
    silently dropped change)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(name) for name in data if name not in writable)[:10]
            if unknown:
                raise serializers.ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(StrictMixin, serializers.Serializer):
    pass


class EmptySerializer(StrictSerializer):
    """A body with nothing in it (or no body)."""


class DecisionSerializer(StrictSerializer):
    """The body of a decision (approve, reject, revoke, reopen): its comment, optional here —
    the operation refuses a decision that needs one (400 ``comment``; ``registry.decisions``)."""

    comment = serializers.CharField(max_length=MAX_TEXT_LENGTH, allow_blank=True, required=False, default="")


class ModelInputSerializer(StrictMixin, serializers.ModelSerializer):
    """Fields built from the model: encrypted dates parse as dates, JSON as JSON, choices from
    the model's choices, free text bounded."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        EncryptedDateField: serializers.DateField,
        EncryptedJSONField: serializers.JSONField,
    }
    serializer_choice_field = ChoiceField
    free_text_max_length = MAX_TEXT_LENGTH

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, MultipleChoiceField):
            kept = {name: kwargs[name] for name in ("required", "label", "help_text", "read_only") if name in kwargs}
            return ChoiceListField, {**kept, "choices": model_field.choices, "allow_empty": model_field.blank}
        if issubclass(field_class, serializers.CharField) and kwargs.get("max_length") is None:
            kwargs["max_length"] = self.free_text_max_length
        return field_class, kwargs


class ErrorSerializer(serializers.Serializer):
    """Every error: a stable code, a message for people, and the offending fields if any."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


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
