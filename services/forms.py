"""Forms of the assistance services' pages: they shape input, ``services.operations`` decides.

Fields come from the models (labels, choices), shaped by ``registry.forms``: dates typed as
YYYY-MM-DD (a future one flagged as the user types for dates that record what happened —
admission, discharge, handover, a visit — not for what is planned: a return, a visit's due
date, a school term), no "---------" in a list, the destination picked as a county of any
province or a country by name; lengths for text. Shelters and households
are offered by UUID, never by internal key. No form saves anything; an operation's
``RuleViolation(field=…)`` lands back on its field through ``registry.forms.show_error`` (with
:data:`ERROR_ALIASES` where a form calls the field differently). Every form that changes a
record carries the version the user read, hidden.
"""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from registry.forms import CountryField, DivisionField, date_field, shape_choice, shape_date
from services.choices import DischargeReason, Pathway
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)

SHORT_TEXT = 200
LONG_TEXT = 2000
LONG_FIELDS = frozenset(
    {
        "notes", "follow_up_notes", "living_conditions", "needs", "handover_record", "reason", "receiving_party",
        "wish_statement", "bid_conclusion",
    }
)  # fmt: skip
# Dates of what is planned or may lie ahead; every other date records a fact (not in the future).
FUTURE_DATES = frozenset({"planned_on", "due_on", "started_on", "ended_on"})
# Where an operation's error goes when the form names the field differently.
ERROR_ALIASES = {"shelter": "to_shelter"}


def model_field(model, name: str, **overrides) -> forms.Field:
    """The form field of ``model.name``: the model's label and choices (no "---------"), a date
    typed as YYYY-MM-DD, a text area for long text, a bounded length for encrypted text (which
    has no column length)."""
    db_field = model._meta.get_field(name)
    field = shape_choice(db_field.formfield(**overrides))
    if isinstance(field, forms.DateField):
        shape_date(field, past_only=name not in FUTURE_DATES)
    elif isinstance(field, forms.CharField) and not db_field.choices:
        if name in LONG_FIELDS:
            field.widget = forms.Textarea(attrs={"rows": 3})
        if field.max_length is None:
            field.max_length = LONG_TEXT if name in LONG_FIELDS else SHORT_TEXT
            field.validators.append(MaxLengthValidator(field.max_length))
        field.widget.attrs["maxlength"] = str(field.max_length)
    return field


def text_field(label, *, required: bool = True, long: bool = True, help_text: str = "") -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 3}) if long else forms.TextInput()
    limit = LONG_TEXT if long else SHORT_TEXT
    return forms.CharField(
        label=label, required=required, max_length=limit, help_text=help_text, widget=widget, strip=True
    )


class VersionedForm(forms.Form):
    """A form that changes an existing record: it carries the version the user read."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class FieldsForm(forms.Form):
    """The fields ``names`` of ``model``, in order; ``values()`` gives them as the operations
    take them."""

    model: type
    names: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.names:
            self.fields[name] = model_field(self.model, name)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.names}


class ShelterField(forms.ModelChoiceField):
    """A shelter within the user's reach, offered with its free beds (``occupancy`` rows by
    shelter UUID); the option values are UUIDs."""

    def __init__(self, queryset, occupancy: dict[str, dict], **kwargs):
        self.occupancy = occupancy
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)
        shape_choice(self)

    def label_from_instance(self, obj) -> str:
        row = self.occupancy.get(str(obj.uuid))
        if row is None:
            return obj.name
        return str(_("%(name)s · %(free)s of %(capacity)s beds free")) % {
            "name": obj.name,
            "free": row["free"],
            "capacity": row["capacity"],
        }


# --- shelter ----------------------------------------------------------------------------------


class AdmitForm(forms.Form):
    def __init__(self, *args, shelters, occupancy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shelter"] = ShelterField(
            shelters, occupancy, label=capfirst(ShelterPlacement._meta.get_field("shelter").verbose_name)
        )
        self.fields["admitted_on"] = model_field(ShelterPlacement, "admitted_on")
        self.fields["notes"] = model_field(ShelterPlacement, "notes")


class TransferForm(VersionedForm):
    def __init__(self, *args, shelters, occupancy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_shelter"] = ShelterField(shelters, occupancy, label=_("Transfer to"))
        self.fields["transferred_on"] = date_field(label=_("Transferred on"))
        self.fields["notes"] = model_field(ShelterPlacement, "notes")
        self.fields["notes"].help_text = _("Notes on the stay in the new shelter.")


class DischargeForm(VersionedForm):
    reason = forms.ChoiceField(
        label=capfirst(ShelterPlacement._meta.get_field("discharge_reason").verbose_name),
        choices=[(c.value, c.label) for c in DischargeReason if c != DischargeReason.TRANSFERRED],
        help_text=_("A transfer to another shelter has its own step; a return home is recorded by its plan."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["discharged_on"] = model_field(ShelterPlacement, "discharged_on", required=True)
        self.order_fields(["discharged_on", "reason"])


class PlacementEditForm(VersionedForm, FieldsForm):
    model = ShelterPlacement
    names = ("admitted_on", "notes")


# --- schooling, training, employment ----------------------------------------------------------


class EnrollmentForm(FieldsForm):
    model = SchoolEnrollment
    names = ("school", "grade", "started_on", "ended_on", "attendance", "follow_up_notes")


class TrainingForm(FieldsForm):
    model = VocationalTraining
    names = ("provider", "programme", "started_on", "ended_on", "outcome", "certificate")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].help_text = _("Only for a completed training.")


class EmploymentForm(FieldsForm):
    model = EmploymentPlacement
    names = ("employer", "job_title", "started_on", "ended_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verified"] = forms.BooleanField(
            label=_("I have verified that this job exists"),
            required=False,
            help_text=_("Recorded with your name and today's date."),
        )

    def values(self) -> dict:
        return {**super().values(), "verified": self.cleaned_data["verified"]}


class VersionedEnrollmentForm(VersionedForm, EnrollmentForm):
    pass


class VersionedTrainingForm(VersionedForm, TrainingForm):
    pass


class VersionedEmploymentForm(VersionedForm, EmploymentForm):
    pass


# --- return plans -----------------------------------------------------------------------------

PLAN_FIELDS = (
    "pathway",
    "planned_on",
    "destination_code",
    "destination_country",
    "household",
    "receiving_party",
    "police_unit",
    "civil_affairs_unit",
    "escort",
    "notes",
)
# The person's voice: the wish, for everyone; the best-interests determination, for a child.
WISH_FIELDS = ("wish", "wish_statement", "wish_recorded_on")
BID_FIELDS = ("bid_assessed_by", "bid_on", "bid_child_heard", "bid_conclusion")


class HouseholdField(forms.ModelChoiceField):
    """A household recorded in the case, by UUID; the purchasing household is marked (a minor is
    never returned to it — the operation refuses it)."""

    def __init__(self, queryset, place_names: dict[str, str], **kwargs):
        self.place_names = place_names
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)
        shape_choice(self)

    def label_from_instance(self, obj) -> str:
        label = obj.address
        if obj.jurisdiction_code:
            label += f" · {self.place_names.get(obj.jurisdiction_code, obj.jurisdiction_code)}"
        if obj.is_purchaser:
            label += " · " + str(_("PURCHASING HOUSEHOLD"))
        return label


class ReturnPlanForm(forms.Form):
    """A return plan's content and the person's voice — the best-interests determination only
    when ``child`` (the operation decides who is a minor; a plan dated while the person was one
    asks it too). The rules of each pathway are the operation's; the help texts say them so the
    user need not guess."""

    def __init__(self, *args, households, place_names, child: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.voice = WISH_FIELDS + (BID_FIELDS if child else ())
        for name in PLAN_FIELDS + self.voice:
            if name == "household":
                self.fields[name] = HouseholdField(
                    households,
                    place_names,
                    required=False,
                    label=capfirst(ReturnPlan._meta.get_field("household").verbose_name),
                    help_text=_(
                        "Required for a family reunification. A minor is never returned to nor placed with the "
                        "purchasing household."
                    ),
                )
            else:
                self.fields[name] = model_field(ReturnPlan, name)
        self.fields["pathway"].help_text = _(
            "Reunifying a child with the family needs a DNA sample submitted to the national database and a "
            "confirmed match; a child whose parents cannot be found goes to institutional care."
        )
        self.fields["destination_code"] = DivisionField(
            label=_("Destination"),
            required=False,
            help_text=_("The county of the destination, in any province; none for a repatriation."),
        )
        self.fields["destination_country"] = CountryField(
            label=_("Destination country"),
            required=False,
            help_text=_("Only a repatriation leaves China."),
        )
        self.fields["receiving_party"].help_text = _(
            "The family, institution or agency that takes the person in; required for institutional care, a "
            "destination in another province and a repatriation."
        )
        for name in ("police_unit", "civil_affairs_unit"):
            self.fields[name].help_text = _("Required for a repatriation.")
        self.fields["wish"].help_text = _(
            "What the person says of this return, asked before the plan goes for approval. Civil affairs approves "
            "a plan only once the wish is recorded, and never a return an adult does not want."
        )
        self.fields["wish_statement"].help_text = _("The person's own words, or a summary of them.")
        if child:
            self.fields["bid_assessed_by"].help_text = _("Role and organization of whoever assessed it.")
            self.fields["bid_conclusion"].help_text = _(
                "A child's plan is approved only with a best-interests determination: who assessed it, when, "
                "and its conclusion."
            )

    def values(self) -> dict:
        """The plan's values as ``return_plan_create``/``amend`` take them: the country upper-cased,
        and left to the operation when blank (the person's nationality for a repatriation, China
        otherwise)."""
        values = {name: self.cleaned_data[name] for name in PLAN_FIELDS + self.voice}
        country = (values.pop("destination_country") or "").strip().upper()
        if country:
            values["destination_country"] = country
        elif values["pathway"] != Pathway.REPATRIATION:
            values["destination_country"] = "CN"
        return values


class VersionedReturnPlanForm(VersionedForm, ReturnPlanForm):
    pass


class CompleteForm(VersionedForm):
    """The handover that completes an approved plan."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handover_on"] = model_field(ReturnPlan, "handover_on", required=True)
        self.fields["escort"] = model_field(ReturnPlan, "escort", required=True)
        self.fields["receiving_party"] = model_field(ReturnPlan, "receiving_party", required=True)
        self.fields["handover_record"] = model_field(ReturnPlan, "handover_record")
        self.fields["handover_record"].help_text = _(
            "Required for a return to another province: who received the person, with what papers."
        )

    def values(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in ("handover_on", "escort", "receiving_party", "handover_record")
        }


class ReasonForm(VersionedForm):
    """Cancel a plan or waive a visit: the reason is required (kept encrypted)."""

    def __init__(self, *args, label, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = text_field(label, help_text=help_text)


# --- follow-up visits ---------------------------------------------------------------------------


class VisitForm(VersionedForm, FieldsForm):
    model = FollowUpVisit
    names = ("visited_on", "visitor", "living_conditions", "needs")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].required = True
        self.fields["visitor"].required = True
        self.fields["visitor"].help_text = _("Name and unit of who visited.")


class ScheduleForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_on"] = model_field(FollowUpVisit, "due_on")
