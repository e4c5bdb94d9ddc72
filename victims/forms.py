"""Forms of the victim-file pages: they collect and shape input, the operations decide.

Every rule of the plan lives in ``victims.operations`` and ``victims.validation``; a form only
turns posted text into Python values, offers codes by name (countries, ethnic groups, divisions,
statutory bases: the pickers of ``registry.forms``), types dates as YYYY-MM-DD, and maps an
operation's ``RuleViolation(field=…)`` back onto the field that caused it
(``registry.forms.show_error``). The form tags carry ``novalidate``: the registry's messages,
not the browser's. No form saves anything.

Personal values typed here never go into a URL: the search form is posted, and every form that
holds personal data asks the browser not to remember it (``autocomplete="off"`` on the form tag,
see the templates).
"""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from registry.decisions import DecisionForm
from registry.forms import (
    NOT_RECORDED,
    CountryField,
    DivisionField,
    EthnicityField,
    date_field,
    shape_choice,
    shape_date,
)
from registry.models import Jurisdiction, Organization
from victims import validation
from victims.choices import (
    CLOSURE_REASONS,
    STATUTORY_BASES,
    ConsentGiver,
    DisabilityCategory,
    DocumentType,
    Ending,
    Stage,
)
from victims.models import Case, Consent, DNASample, Rescue, Victim
from victims.search import MAX_TERM
from victims.sections import FORM_KINDS, RESCUE

# The HTML5 pattern of an 18-character resident ID number (GB 11643); the server still checks
# the checksum, the birth date and the region code (victims.validation).
RESIDENT_ID_PATTERN = "[0-9]{17}[0-9Xx]"
SHORT_TEXT = 100
LONG_TEXT = 2000

# Free-text fields shown as a text area rather than a one-line input.
LONG_FIELDS = frozenset(
    {"circumstances", "physical", "psychological", "needs", "notes", "reason", "address", "place", "note"}
)


def _model_field(model, name: str, **overrides) -> forms.Field:
    """The form field for ``model.name`` (label, choices, required from the model), shaped for
    these pages: dates typed as YYYY-MM-DD, no "---------" in a list, text areas for long text,
    lengths for short text."""
    model_field = model._meta.get_field(name)
    field = shape_choice(model_field.formfield(**overrides))
    if isinstance(field, forms.DateField):
        shape_date(field)
    elif isinstance(field, forms.CharField) and not model_field.choices:
        if name in LONG_FIELDS:
            field.widget = forms.Textarea(attrs={"rows": 3})
        if field.max_length is None:  # encrypted text has no column length: the page sets one
            field.max_length = LONG_TEXT if name in LONG_FIELDS else SHORT_TEXT
            field.validators.append(MaxLengthValidator(field.max_length))
        field.widget.attrs["maxlength"] = str(field.max_length)
    return field


def _blank_to_none(model, data: dict) -> dict:
    """Empty text of a nullable column is stored as NULL (an encrypted empty string would pass
    the database's "is recorded" checks while recording nothing)."""
    cleaned = {}
    for name, value in data.items():
        field = model._meta.get_field(name)
        cleaned[name] = None if value == "" and field.null else value
    return cleaned


# --- case list ------------------------------------------------------------------------------


class CaseSearchForm(forms.Form):
    """The one search box (``q``: ``victims.search``), the exact search through the blind
    indexes, and the stage filter. Posted, never in a URL."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_TERM,
        help_text=_("A case number or its last digits, an ID number, or part of a name or its pinyin (wuyu, wy)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "type": "search"}),
    )
    id_number = forms.CharField(
        label=_("ID document number"),
        required=False,
        max_length=32,
        help_text=_("The whole number, exactly as on the document."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label=_("Full name"),
        required=False,
        max_length=SHORT_TEXT,
        help_text=_("The full name, exactly as registered."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("All stages")), *Stage.choices])
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def terms(self) -> dict[str, str]:
        """The search terms given (``q``, ``id_number``, ``name``), stripped; empty ones left out."""
        keys = ("q", "id_number", "name")
        return {key: value.strip() for key in keys if (value := self.cleaned_data.get(key, ""))}


# --- the victim's own fields ------------------------------------------------------------------


def _victim_fields(section: str) -> dict[str, forms.Field]:
    """The form fields of one section of the victim (person, identity, contacts, health)."""
    if section == "person":
        return {
            "full_name": _model_field(Victim, "full_name", required=True),
            "sex": _model_field(Victim, "sex"),
        }
    if section == "identity":
        fields = {
            "document_type": _model_field(Victim, "document_type", initial=DocumentType.RESIDENT_ID),
            "id_number": forms.CharField(
                label=_("Resident ID number"),
                required=False,
                max_length=18,
                help_text=_("18 characters; the last may be X. Needed for a resident identity card."),
                widget=forms.TextInput(
                    attrs={"pattern": RESIDENT_ID_PATTERN, "spellcheck": "false", "inputmode": "text"}
                ),
            ),
            "document_country": CountryField(
                label=_("Issuing country"),
                required=False,
                initial="CN",
                help_text=_("For a passport or other document."),
            ),
            "document_number": forms.CharField(
                label=_("Document number"),
                required=False,
                max_length=32,
                help_text=_("For a passport, travel permit or other document."),
                widget=forms.TextInput(attrs={"spellcheck": "false"}),
            ),
            "birth_date": _model_field(Victim, "birth_date", help_text=_("Filled from a resident ID number.")),
            "birth_date_estimated": _model_field(Victim, "birth_date_estimated"),
            "aliases": forms.CharField(
                label=_("Other names"),
                required=False,
                max_length=LONG_TEXT,
                help_text=_("One name per line."),
                widget=forms.Textarea(attrs={"rows": 2}),
            ),
            "nationality": CountryField(label=_("Nationality"), initial="CN"),
            "ethnicity": EthnicityField(label=capfirst(Victim._meta.get_field("ethnicity").verbose_name)),
            "native_place_code": DivisionField(
                label=_("Native place"),
                required=False,
                help_text=_("Choose the province, city and county, or type the six-digit county code."),
            ),
            "unknown_origin": _model_field(
                Victim,
                "unknown_origin",
                help_text=_(
                    "Where the person comes from is not known: a DNA match is needed before any reunification."
                ),
            ),
        }
        # Needed for the default document, so not labelled "optional" (the help text says when).
        fields["id_number"].hide_optional = True
        return fields
    if section == "contacts":
        return {
            "phone": _model_field(Victim, "phone"),
            "address": _model_field(Victim, "address"),
        }
    if section == "health":
        return {"disability": _model_field(Victim, "disability", initial=DisabilityCategory.NONE)}
    raise ValueError(f"the victim has no fields of section {section!r}")


def victim_values(section: str, cleaned: dict) -> dict:
    """The victim's model values of ``section`` from a form's cleaned data."""
    if section != "identity":
        return _blank_to_none(Victim, {name: cleaned[name] for name in _victim_fields(section)})
    document_type = cleaned["document_type"]
    values = {
        "document_type": document_type,
        "birth_date": cleaned["birth_date"],
        "birth_date_estimated": cleaned["birth_date_estimated"],
        "aliases": [line.strip() for line in cleaned["aliases"].splitlines() if line.strip()] or None,
        "nationality": cleaned["nationality"].upper(),
        "ethnicity": cleaned["ethnicity"],
        "native_place_code": cleaned["native_place_code"],
        "unknown_origin": cleaned["unknown_origin"],
    }
    if document_type == DocumentType.RESIDENT_ID:
        values["id_number"] = cleaned["id_number"] or None
    elif document_type == DocumentType.NONE:
        values["id_number"] = None
    else:
        values["document_country"] = cleaned["document_country"].upper()
        values["id_number"] = cleaned["document_number"] or None
    return values


def victim_initial(section: str, values: dict) -> dict:
    """The form's initial data from the victim's values of ``section`` (as the selectors give)."""
    if section != "identity":
        return dict(values)
    initial = {name: values.get(name) for name in _victim_fields("identity") if name in values}
    initial["aliases"] = "\n".join(values.get("aliases") or [])
    if values.get("document_type") not in (DocumentType.RESIDENT_ID, DocumentType.NONE):
        initial["document_number"] = values.get("id_number")
        initial["id_number"] = ""
    return initial


def identity_error_aliases(document_type: str | None) -> dict[str, str]:
    """Where an operation's ``id_number`` error goes: the resident ID field or the other one."""
    if document_type in (None, "", DocumentType.RESIDENT_ID):
        return {}
    return {"id_number": "document_number"}


class VictimSectionForm(forms.Form):
    """The victim's own fields of one section, edited at the case's version."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, section: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.section = section
        self.fields.update(_victim_fields(section))
        if "ethnicity" in self.fields:  # an older record's value outside GB/T 3304 stays offered
            self.fields["ethnicity"].keep(self.initial.get("ethnicity"))

    def values(self) -> dict:
        return victim_values(self.section, self.cleaned_data)


# --- registration -----------------------------------------------------------------------------

RESCUE_FIELDS = RESCUE.fields


class RegistrationForm(forms.Form):
    """A rescued person, the jurisdiction responsible for the case, and the rescue."""

    fieldsets = (
        (_("Person"), ("full_name", "sex")),
        (
            _("Identity"),
            (
                "document_type",
                "id_number",
                "document_country",
                "document_number",
                "birth_date",
                "birth_date_estimated",
                "aliases",
                "nationality",
                "ethnicity",
                "native_place_code",
                "unknown_origin",
            ),
        ),
        (_("Contacts"), ("phone", "address")),
        (_("Case"), ("jurisdiction", "opened_on")),
        (_("Rescue"), RESCUE_FIELDS),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        for section in ("person", "identity", "contacts"):
            self.fields.update(_victim_fields(section))
        self.fields["jurisdiction"] = forms.ModelChoiceField(
            label=_("Responsible jurisdiction"),
            queryset=Jurisdiction.objects.filter(
                code__startswith=organization.jurisdiction.code, is_current=True
            ).order_by("code"),
            initial=organization.jurisdiction_id,
            empty_label=None,
        )
        self.fields["opened_on"] = date_field(
            label=capfirst(Case._meta.get_field("opened_on").verbose_name), initial=validation.today
        )
        for name in RESCUE_FIELDS:
            self.fields[name] = _model_field(Rescue, name)
        self.fields["place"].label = _("Place of rescue")

    def grouped(self):
        """``(legend, [bound fields])`` for each fieldset of the page."""
        return [(legend, [self[name] for name in names]) for legend, names in self.fieldsets]

    def victim(self) -> dict:
        values = {}
        for section in ("person", "identity", "contacts"):
            values.update(victim_values(section, self.cleaned_data))
        return values

    def rescue(self) -> dict:
        return _blank_to_none(Rescue, {name: self.cleaned_data[name] for name in RESCUE_FIELDS})


# --- records on a case ------------------------------------------------------------------------


def statutory_basis_field(label, current: str | None) -> forms.ChoiceField:
    """The statutory basis picked from :data:`STATUTORY_BASES` (``current`` kept when it is an
    older citation); required by the form's ``clean`` only for a consent given by statute."""
    bases = [(basis, basis) for basis in STATUTORY_BASES]
    if current and current not in STATUTORY_BASES:
        bases.insert(0, (current, current))
    return forms.ChoiceField(label=label, required=False, choices=[("", NOT_RECORDED), *bases])


class RecordForm(forms.Form):
    """The fields of one kind of record (those the case file shows, ``victims.sections``)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, model, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = model
        self.field_names = FORM_KINDS[model._meta.model_name].fields
        for name in self.field_names:
            self.fields[name] = _model_field(model, name)
        if editing:
            self.fields["version"].required = True
        if model is DNASample:
            for name in ("submitted_on", "matched_on"):
                self.fields[name].required = False
        if model is Consent:
            self.fields["statutory_basis"] = statutory_basis_field(
                self.fields["statutory_basis"].label, self.initial.get("statutory_basis")
            )

    def clean(self):
        cleaned = super().clean()
        if self.model is Consent:
            # Said here as well as by the database, so the message sits next to its field.
            given_by = cleaned.get("given_by")
            if given_by == ConsentGiver.GUARDIAN and not cleaned.get("guardian_name"):
                self.add_error("guardian_name", _("Name the guardian who consented."))
            if given_by == ConsentGiver.STATUTORY and not cleaned.get("statutory_basis"):
                self.add_error("statutory_basis", _("Record the statutory basis."))
        return cleaned

    def values(self) -> dict:
        return _blank_to_none(self.model, {name: self.cleaned_data[name] for name in self.field_names})


# --- referrals and case actions ---------------------------------------------------------------


class ReferralForm(forms.Form):
    """Refer the case for one service to an organization of the department that provides it."""

    to_organization = forms.ModelChoiceField(label=_("Receiving organization"), queryset=Organization.objects.none())
    reason = forms.CharField(
        label=_("Reason for referral"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].queryset = organizations
        shape_choice(self.fields["to_organization"])
        self.fields["to_organization"].label_from_instance = lambda org: f"{org.name} · {org.jurisdiction.name}"


class VersionForm(forms.Form):
    """A button that changes a record: it carries the version the user saw."""

    version = forms.IntegerField(min_value=1)


class CloseForm(DecisionForm):
    """How the case ended: the completed return (offered, and chosen by default, only for a case
    whose return plan is completed) or a reason with civil affairs' comment — the confirmation
    of the decision to close (``registry.decisions``). The operation decides; its refusals land
    on ``reason`` or ``comment``, or above the form."""

    field_order = ["reason", "comment"]

    reason = forms.ChoiceField(label=_("How the case ended"))
    comment = forms.CharField(
        label=capfirst(Case._meta.get_field("closure_comment").verbose_name),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": str(LONG_TEXT)}),
        help_text=_(
            "Required with a reason: e.g. the attempts made to reach the person, or the organization that took "
            "over the assistance."
        ),
    )

    def __init__(self, *args, returned: bool, **kwargs):
        super().__init__(*args, **kwargs)
        reasons = [(ending.value, ending.label) for ending in CLOSURE_REASONS]
        if returned:
            completed = (Ending.RETURNED_HOME.value, _("Completed return (returned home or resettled)"))
            self.fields["reason"].choices = [completed, *reasons]
            self.fields["reason"].initial = Ending.RETURNED_HOME.value
        else:
            self.fields["reason"].choices = [("", _("Choose how the case ended")), *reasons]
            self.fields["reason"].help_text = _(
                "A case whose return plan is not completed closes only with one of these reasons."
            )


class ReferralResponseForm(VersionForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=LONG_TEXT)


class DuplicateForm(VersionForm):
    same_person = forms.TypedChoiceField(
        choices=[("yes", _("Same person")), ("no", _("Not the same person"))],
        coerce=lambda value: value == "yes",
    )


__all__ = [
    "CaseSearchForm",
    "CloseForm",
    "DuplicateForm",
    "RecordForm",
    "ReferralForm",
    "ReferralResponseForm",
    "RegistrationForm",
    "VersionForm",
    "VictimSectionForm",
    "identity_error_aliases",
    "victim_initial",
]
