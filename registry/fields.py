"""Model fields that keep personal values encrypted at rest, and their blind indexes.

- :class:`EncryptedTextField`, :class:`EncryptedDateField`, :class:`EncryptedJSONField` store
  AEAD ciphertext (``registry.crypto``) bound to the column ``app_label.model_name.field_name``
  of the model that declares them. django-simple-history copies the field object into the
  history model, and the copy keeps that label, so history rows decrypt with the same binding.
- Only ``isnull`` lookups are allowed on an encrypted field: any other lookup would compare
  ciphertext and silently match nothing, so it raises ``FieldError`` instead.
- :class:`BlindIndexField` holds the keyed HMAC of another field, recomputed in ``pre_save``
  (which ``save()`` and ``bulk_create()`` both call), so no write path that the tracked
  queryset allows can leave it stale. History models never copy it.
- :class:`MultipleChoiceField` is plain: several choices in one delimited text column that SQL
  can count by value (statistics, never a personal value).
"""

from __future__ import annotations

import datetime
import json
from functools import cached_property
from typing import Any

from django.core.exceptions import FieldError, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from registry import crypto
from registry.errors import RuleViolation
from registry.keyring import active_keyring

# The most characters of free text an encrypted text field without a declared ``max_length``
# holds (the API and the page forms may bound a field tighter, never looser).
MAX_TEXT_LENGTH = 4000


class EncryptedField(models.TextField):
    """Base of the encrypted fields: subclasses say how a Python value becomes bytes."""

    description = _("Encrypted value")
    column_label: str | None = None

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        if self.column_label is None and not cls._meta.abstract:
            # An abstract base's field is copied to each concrete model, which labels its copy.
            # The history model's copy arrives here with the label already set (copy.copy).
            # simple-history's history models name their tracked model `instance_type`. One rebuilt
            # by the migration framework does not, and binds its copies to `app.historicalmodel.field`:
            # a data migration over history rows names the label itself (registry.encrypt_existing).
            owner = getattr(cls, "instance_type", cls)
            self.column_label = f"{owner._meta.label_lower}.{name}"

    # Subclasses: value <-> bytes.
    def to_bytes(self, value: Any) -> bytes:
        raise NotImplementedError

    def from_bytes(self, data: bytes) -> Any:
        raise NotImplementedError

    def get_prep_value(self, value):
        value = self.to_python(value)
        if value is None:
            return None
        return crypto.encrypt(self.to_bytes(value), column=self.column_label, keyring=active_keyring())

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.from_bytes(crypto.decrypt(value, column=self.column_label, keyring=active_keyring()))

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.column_label} is encrypted: the '{lookup_name}' lookup cannot work on it; "
                "search through its blind index instead"
            )
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        raise FieldError(f"{self.column_label} is encrypted and has no '{lookup_name}' transform")

    def value_to_string(self, obj):
        # Serialisation (dumpdata) writes ciphertext, never the clear value.
        return self.get_prep_value(self.value_from_object(obj))


class EncryptedTextField(EncryptedField):
    """Text sealed whole. The column holds ciphertext of any length, so ``max_length`` bounds
    the clear text instead — the declared one, else :data:`MAX_TEXT_LENGTH`: a validator (run
    by ``full_clean``, which every operation calls), the form field and the API input built
    from the model enforce it, and a save refuses a longer value whatever the path (a
    ``RuleViolation`` naming the field: 400, never a row or a ciphertext of unbounded size)."""

    description = _("Encrypted text")

    @cached_property
    def length_validator(self) -> MaxLengthValidator:
        return MaxLengthValidator(self.max_length or MAX_TEXT_LENGTH)

    @cached_property
    def validators(self):
        return [*super().validators, self.length_validator]

    def get_prep_value(self, value):
        value = self.to_python(value)
        if value is not None:
            try:
                self.length_validator(value)
            except ValidationError as exc:
                raise RuleViolation(exc.messages[0], field=self.name) from None
        return super().get_prep_value(value)

    def to_python(self, value):
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def to_bytes(self, value: str) -> bytes:
        return value.encode("utf-8")

    def from_bytes(self, data: bytes) -> str:
        return data.decode("utf-8")

    def formfield(self, **kwargs):
        # A plain text input for short values; callers choose a Textarea where they want one.
        from django import forms

        return super(models.TextField, self).formfield(
            **{"form_class": forms.CharField, "max_length": self.max_length, **kwargs}
        )


class EncryptedDateField(EncryptedField):
    description = _("Encrypted date")

    def to_python(self, value):
        if value is None or (isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)):
            return value
        if isinstance(value, datetime.datetime):
            return value.date()
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(_("Enter a valid date (YYYY-MM-DD)."), code="invalid") from None

    def to_bytes(self, value: datetime.date) -> bytes:
        return value.isoformat().encode("ascii")

    def from_bytes(self, data: bytes) -> datetime.date:
        return datetime.date.fromisoformat(data.decode("ascii"))

    def formfield(self, **kwargs):
        from django import forms

        return super(models.TextField, self).formfield(**{"form_class": forms.DateField, **kwargs})


class EncryptedJSONField(EncryptedField):
    description = _("Encrypted JSON")

    def to_python(self, value):
        return value

    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data)


class BlindIndexField(models.CharField):
    """Keyed HMAC of one field, or of several together, of the same model, kept current on
    every save.

    ``source`` names one field (``"id_number"``) or a tuple of fields (``("full_name",
    "birth_date")``, for "same name and same birth date"); the index is empty when any of them
    is. Search with the tracked queryset's ``blind_search(name, value)`` — for a composite index
    pass a tuple of values in the order of ``source``. Each part is normalised on its own
    (``normalization`` names how: ``"text"``, or ``"document_number"`` for identity document
    numbers — ``registry.crypto.NORMALIZATIONS``), then the parts are joined with NUL, which no
    normalised part holds.
    """

    description = _("Blind index")
    # Neither changes the column: altering them needs no table rebuild, only recomputed digests.
    non_db_attrs = (*models.CharField.non_db_attrs, "source", "normalization")

    def __init__(self, *args, source: str | tuple[str, ...], normalization: str = "text", **kwargs):
        if normalization not in crypto.NORMALIZATIONS:
            raise ValueError(f"unknown blind-index normalization {normalization!r}")
        self.source = source
        self.normalization = normalization
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.normalization != "text":
            kwargs["normalization"] = self.normalization
        return name, path, args, kwargs

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)

    @property
    def index_label(self) -> str:
        return f"{self.model._meta.label_lower}.{'+'.join(self.sources)}"

    def digest(self, value) -> str | None:
        """The index value for ``value`` — a tuple for a composite index — or ``None`` when a
        part is empty, or nothing is left of it once normalised (white space or invisible
        characters only: such a value must match nothing). Dates count by their ISO form."""
        parts = value if isinstance(value, tuple) else (value,)
        if len(parts) != len(self.sources):
            raise ValueError(f"{self.name} indexes {len(self.sources)} values, got {len(parts)}")
        if any(part in (None, "") for part in parts):
            return None
        normalize = crypto.NORMALIZATIONS[self.normalization]
        normalized = [normalize(part.isoformat() if hasattr(part, "isoformat") else str(part)) for part in parts]
        if not all(normalized):
            return None
        return crypto.index_digest("\x00".join(normalized), column=self.index_label, keyring=active_keyring())

    def pre_save(self, model_instance, add):
        values = tuple(getattr(model_instance, name) for name in self.sources)
        value = self.digest(values if len(values) > 1 else values[0])
        setattr(model_instance, self.attname, value)
        return value


class MultipleChoiceField(models.CharField):
    """Several choices in one plain text column, for statistics that count each form alone.

    The Python value is a list of choice values; the column holds them sorted, without
    repeats, between ``|`` delimiters (``"|forced_labour|sexual|"``; ``""`` for none), so SQL
    counts the rows holding one value with ``field__contains="|value|"`` on SQLite and
    PostgreSQL alike — no row can match a value it does not hold, since no value contains
    ``|``. ``full_clean`` refuses a value outside ``choices`` and a repeat, naming the field;
    an empty list only when ``blank=True``. The form field is a list of checkboxes, the API
    field a list of choices (``registry.api.serializers.ModelInputSerializer``), and
    ``exact`` lookups compare the stored form, so ``field=["b", "a"]`` finds ``"|a|b|"``.
    """

    description = _("Several choices")
    DELIMITER = "|"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    @staticmethod
    def _as_list(value) -> list[str]:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [item for item in value.split(MultipleChoiceField.DELIMITER) if item]
        return [str(item) for item in value]

    def to_python(self, value):
        return self._as_list(value)

    def from_db_value(self, value, expression, connection):
        return self._as_list(value)

    def get_prep_value(self, value):
        items = sorted(set(self._as_list(value)))
        if not items:
            return ""
        return self.DELIMITER + self.DELIMITER.join(items) + self.DELIMITER

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def validate(self, value, model_instance):
        """Each item one of ``choices``, none twice; an empty list only when ``blank``."""
        items = self._as_list(value)
        if not items:
            if not self.blank:
                raise ValidationError(self.error_messages["blank"], code="blank")
            return
        allowed = {str(key) for key, _label in self.flatchoices}
        if any(item not in allowed for item in items):
            raise ValidationError(_("Not one of the allowed values."), code="invalid_choice")
        if len(set(items)) != len(items):
            raise ValidationError(_("A value is given twice."), code="repeated")

    def formfield(self, **kwargs):
        from django import forms

        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.choices,
            "required": not self.blank,
            "label": capfirst(self.verbose_name),
            "help_text": self.help_text,
            "widget": forms.CheckboxSelectMultiple,
        }
        defaults.update(kwargs)
        form_class = defaults.pop("form_class")
        for unused in ("choices_form_class", "coerce", "empty_value", "max_length"):
            defaults.pop(unused, None)
        return form_class(**defaults)
