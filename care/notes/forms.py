"""Forms of the case notes: they shape input, ``care.notes.operations`` decides.

Labels and choices come from the models; the day a contact happened has a native date picker
whose ``max`` is today, the text a bounded text area. The sections a note may concern are those
the writer reads (``operations.concernable_sections``), the general section ``person`` first
chosen. Organizations are offered by name, their UUIDs as the values (no internal key in a
page): the active ones of the case's province. An operation's ``RuleViolation(field=…)`` lands
back on its field through ``registry.forms.show_error``.
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from care.choices import NeedDomain, NoteKind
from care.models import CaseNote, Goal
from care.notes import operations
from registry.fields import MAX_TEXT_LENGTH
from registry.forms import OrganizationChoiceField, date_field, shape_choice
from registry.models import Organization
from victims.validation import today


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def organizations_for(case):
    """The organizations a note of ``case`` may name: the active ones of its province."""
    province = case.jurisdiction.code[:2]
    return (
        Organization.objects.filter(is_active=True, jurisdiction__code__startswith=province)
        .select_related("jurisdiction")
        .order_by("jurisdiction__code", "name")
    )


def _text_field(name: str, *, rows: int = 4, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_label(CaseNote, name),
        max_length=MAX_TEXT_LENGTH,
        required=required,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": MAX_TEXT_LENGTH}),
    )


def _kind_field(kinds) -> forms.ChoiceField:
    return forms.ChoiceField(label=_label(CaseNote, "kind"), choices=kinds)


def _date_field() -> forms.DateField:
    return date_field(label=_label(CaseNote, "occurred_on"))


class QuickNoteForm(forms.Form):
    """The quick entry of the case header: the kind, the day (today unless changed), the text;
    the note concerns the general section. ``tab`` is the tab to come back to."""

    prefix = "quick"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"occurred_on": today()})
        super().__init__(*args, **kwargs)
        self.fields["kind"] = _kind_field(NoteKind.choices)
        self.fields["occurred_on"] = _date_field()
        self.fields["text"] = _text_field("text", rows=2)
        self.fields["tab"] = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("kind", "occurred_on", "text")}


class NoteForm(forms.Form):
    """A note with all its fields. A conference (``conference=True``) is of that kind alone and
    names the organizations present (its decisions are :class:`DecisionForm` rows)."""

    def __init__(self, *args, user, case, conference: bool = False, **kwargs):
        kwargs.setdefault("initial", {"occurred_on": today(), "concerns": operations.DEFAULT_CONCERNS.value})
        super().__init__(*args, **kwargs)
        kinds = [(NoteKind.CONFERENCE.value, NoteKind.CONFERENCE.label)] if conference else NoteKind.choices
        self.fields["kind"] = _kind_field(kinds)
        self.fields["occurred_on"] = _date_field()
        self.fields["duration_minutes"] = forms.IntegerField(
            label=_label(CaseNote, "duration_minutes"),
            min_value=1,
            max_value=operations.MAX_DURATION_MINUTES,
            required=False,
        )
        self.fields["participants"] = CaseNote._meta.get_field("participants").formfield()
        self.fields["organizations"] = forms.ModelMultipleChoiceField(
            label=_label(CaseNote, "organizations"),
            queryset=organizations_for(case),
            to_field_name="uuid",
            required=conference,
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )
        self.fields["concerns"] = forms.ChoiceField(
            label=_label(CaseNote, "concerns"),
            choices=[(section.value, section.label) for section in operations.concernable_sections(user)],
            help_text=_("Only those who may read this section of the case file will read the note."),
        )
        self.fields["text"] = _text_field("text")

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["organizations"] = list(data["organizations"])
        return data


class DecisionForm(forms.Form):
    """One decision of a case conference, which may create a goal of the care plan. A row left
    empty records nothing."""

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"] = forms.CharField(
            label=_("Decision taken"),
            max_length=MAX_TEXT_LENGTH,
            required=False,
            widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_TEXT_LENGTH}),
        )
        self.fields["goal_domain"] = forms.ChoiceField(
            label=_("Goal it creates: domain"), choices=[("", "—"), *NeedDomain.choices], required=False
        )
        shape_choice(self.fields["goal_domain"])
        self.fields["goal_description"] = forms.CharField(label=_("Goal"), max_length=MAX_TEXT_LENGTH, required=False)
        self.fields["goal_owner"] = shape_choice(
            OrganizationChoiceField(
                label=_label(Goal, "owner"), queryset=organizations, to_field_name="uuid", required=False
            )
        )
        self.fields["goal_target_on"] = date_field(label=_label(Goal, "target_on"), past_only=False, required=False)

    GOAL = ("goal_domain", "goal_description", "goal_owner", "goal_target_on")

    def clean(self):
        data = super().clean()
        given = [name for name in self.GOAL if data.get(name)]
        if given:
            for name in self.GOAL:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Give every detail of the goal, or none."))
            if not data.get("text"):
                self.add_error("text", _("Write the decision that creates the goal."))
        return data

    def value(self) -> dict | None:
        """The decision as ``operations.note_create`` takes it, or None for an empty row."""
        data = self.cleaned_data
        if not data.get("text"):
            return None
        goal = None
        if data.get("goal_domain"):
            goal = {
                "domain": data["goal_domain"],
                "description": data["goal_description"],
                "owner": data["goal_owner"],
                "target_on": data["goal_target_on"],
            }
        return {"text": data["text"], "goal": goal}


DecisionFormSet = forms.formset_factory(
    DecisionForm, extra=3, max_num=operations.MAX_DECISIONS, validate_max=True, absolute_max=operations.MAX_DECISIONS
)


def decisions_of(formset) -> list[dict]:
    """The decisions a valid formset records, in order (empty rows left out)."""
    return [value for value in (form.value() for form in formset.forms) if value is not None]
