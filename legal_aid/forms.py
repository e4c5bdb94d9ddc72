"""Forms of the legal aid pages: they shape input, ``legal_aid.operations`` decides.

Fields come from the models (labels, choices without "---------"), shaped by ``registry.forms``:
dates typed as YYYY-MM-DD (a future one flagged where the date records a fact), lengths for free text,
number inputs for hours and amounts. An operation's ``RuleViolation(field=…)`` lands back on its
field through ``registry.forms.show_error``. Every form that changes a record carries the version
the user read (hidden), so a change made meanwhile by someone else is refused, not overwritten.
"""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from legal_aid.models import LegalAidActivity, LegalAidMatter
from legal_aid.operations import ACTIVITY_FIELDS
from registry.choices import Role
from registry.context_processors import display_name
from registry.forms import shape_choice, shape_date
from registry.models import User

LONG_TEXT = 2000
SHORT_TEXT = 500
LONG_FIELDS = frozenset({"summary", "decision_reason", "outcome_description", "notes"})
FUTURE_DATES = frozenset({"next_step_due"})  # a deadline, not a fact


def model_field(model, name: str, **overrides) -> forms.Field:
    """The form field of ``model.name``: the model's label and choices (no "---------"), a date
    typed as YYYY-MM-DD, a text area for long text, a bounded length for encrypted text (which
    has no column length)."""
    model_field = model._meta.get_field(name)
    field = shape_choice(model_field.formfield(**overrides))
    if isinstance(field, forms.DateField):
        shape_date(field, past_only=name not in FUTURE_DATES)
    elif isinstance(field, forms.DecimalField):
        field.widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})
    elif isinstance(field, forms.CharField) and not model_field.choices:
        if name in LONG_FIELDS:
            field.widget = forms.Textarea(attrs={"rows": 3})
        if field.max_length is None:
            field.max_length = LONG_TEXT if name in LONG_FIELDS else SHORT_TEXT
            field.validators.append(MaxLengthValidator(field.max_length))
        field.widget.attrs["maxlength"] = str(field.max_length)
    return field


class LawyerField(forms.ModelChoiceField):
    """An active legal aid worker of the centre, offered by name; the option values are the
    users' UUIDs (no internal key in the page)."""

    def __init__(self, centre_id, **kwargs):
        lawyers = User.objects.filter(organization_id=centre_id, role=Role.LEGAL_AID, is_active=True).order_by(
            "last_name", "first_name", "username"
        )
        kwargs.setdefault("label", LegalAidMatter._meta.get_field("lawyer").verbose_name.capitalize())
        super().__init__(queryset=lawyers, to_field_name="uuid", **kwargs)
        shape_choice(self)

    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class VersionedForm(forms.Form):
    """A form that changes an existing record: it carries the version the user read."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MatterOpenForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("matter_type", "applied_on", "summary"):
            self.fields[name] = model_field(LegalAidMatter, name)


class MatterEditForm(VersionedForm):
    """The fields of a matter that its present step lets the user change (``fields``)."""

    def __init__(self, *args, fields: tuple[str, ...], centre_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_names = fields
        for name in fields:
            if name == "lawyer":
                self.fields[name] = LawyerField(centre_id, required=False)
            else:
                self.fields[name] = model_field(LegalAidMatter, name)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.field_names}


class DecideForm(VersionedForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: give legal aid")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, centre_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_on"] = model_field(LegalAidMatter, "decided_on", required=True)
        self.fields["decision_reason"] = model_field(LegalAidMatter, "decision_reason", required=True)
        self.fields["lawyer"] = LawyerField(
            centre_id, required=False, help_text=_("When accepting, you may assign the lawyer now.")
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and cleaned.get("lawyer"):
            self.add_error("lawyer", _("A lawyer is assigned only to an accepted matter."))
        return cleaned


class StartForm(VersionedForm):
    def __init__(self, *args, centre_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["started_on"] = model_field(LegalAidMatter, "started_on", required=True)
        self.fields["lawyer"] = LawyerField(centre_id, required=True)


class ConcludeForm(VersionedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (
            "outcome",
            "concluded_on",
            "outcome_description",
            "compensation_awarded",
            "compensation_received",
            "compensation_received_on",
        ):
            required = name in ("outcome", "concluded_on")
            self.fields[name] = model_field(LegalAidMatter, name, required=required)


class ActivityForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ACTIVITY_FIELDS:
            self.fields[name] = model_field(LegalAidActivity, name)
        self.fields["hours"].widget.attrs.update({"min": "0.01", "max": "24"})
        self.fields["version"].required = editing

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("next_step_due") and not cleaned.get("next_step"):
            self.add_error("next_step", _("Say what the next step is, not only when it is due."))
        return cleaned

    def values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in ACTIVITY_FIELDS}
        values["next_step"] = values["next_step"] or None  # as stored: no next step is NULL
        return values
