"""Forms of the care plan's pages: model forms that shape input; ``care.plan.operations``
decides. No form saves anything: the views pass ``values()`` to the operations, whose
``RuleViolation(field=…)`` lands back on its field through ``registry.forms.show_error``.

Dates are typed as YYYY-MM-DD (``registry.forms.shape_date``; a future one flagged for the
assessment and a review, not for a goal's target date, which may lie ahead); lists open on
"Choose…", never "---------" (``registry.forms.shape_choice``). Free text is a text area
bounded like the encrypted field. Every form that changes a record carries the version the user
read, hidden. Organizations and linked records are offered by UUID, never by internal key.
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from care.choices import GoalStatus, NeedDomain, NeedRating
from care.models import CarePlan, Goal, Need, Review
from registry.fields import MAX_TEXT_LENGTH
from registry.forms import OrganizationChoiceField, shape_choice, shape_date
from registry.models import Organization
from services.forms import VersionedForm


def text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "maxlength": str(MAX_TEXT_LENGTH)})


class PlanForm(forms.ModelForm):
    """The needs assessment: its date and summary, then each domain's rating and description."""

    class Meta:
        model = CarePlan
        fields = ("assessed_on", "summary")
        widgets = {"summary": text_area(4)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        shape_date(self.fields["assessed_on"])
        description = Need._meta.get_field("description")
        for domain in NeedDomain:
            self.fields[f"rating_{domain.value}"] = forms.ChoiceField(
                label=_("%(domain)s: rating") % {"domain": domain.label},
                choices=[("", "—"), *NeedRating.choices],
            )
            shape_choice(self.fields[f"rating_{domain.value}"])
            self.fields[f"description_{domain.value}"] = forms.CharField(
                label=_("%(domain)s: description") % {"domain": domain.label},
                required=False,
                max_length=description.max_length or MAX_TEXT_LENGTH,
                widget=text_area(2),
            )

    def values(self) -> dict:
        """The plan as ``care_plan_create``/``care_plan_update`` take it."""
        data = self.cleaned_data
        return {
            "assessed_on": data["assessed_on"],
            "summary": data["summary"],
            "needs": [
                {
                    "domain": domain.value,
                    "rating": data[f"rating_{domain.value}"],
                    "description": data[f"description_{domain.value}"],
                }
                for domain in NeedDomain
            ],
        }


class VersionedPlanForm(VersionedForm, PlanForm):
    pass


def plan_initial(plan: CarePlan) -> dict:
    """What :class:`PlanForm` shows of an existing plan and its needs."""
    initial = {"assessed_on": plan.assessed_on, "summary": plan.summary, "version": plan.version}
    for need in Need.objects.filter(plan=plan):
        initial[f"rating_{need.domain}"] = need.rating
        initial[f"description_{need.domain}"] = need.description
    return initial


class GoalForm(forms.ModelForm):
    """A goal: domain, what, whose, by when, and the records of the case that serve it
    (``links``: choices ``"kind:uuid"`` built by the view from the records the user reads)."""

    owner = OrganizationChoiceField(queryset=Organization.objects.none(), to_field_name="uuid")
    links = forms.MultipleChoiceField(
        label=capfirst(Goal._meta.get_field("links").verbose_name),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Referrals, placements, enrolments, trainings, legal aid matters, return plans of this case."),
    )

    class Meta:
        model = Goal
        fields = ("domain", "description", "owner", "target_on")
        widgets = {"description": text_area()}

    def __init__(self, *args, links: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].label = capfirst(Goal._meta.get_field("owner").verbose_name)
        self.fields["owner"].queryset = (
            Organization.objects.filter(is_active=True)
            .select_related("jurisdiction")
            .order_by("jurisdiction__code", "name")
        )
        self.fields["links"].choices = links
        shape_date(self.fields["target_on"], past_only=False)  # a date ahead
        for name in ("domain", "owner"):
            shape_choice(self.fields[name])

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "domain": data["domain"],
            "description": data["description"],
            "owner": data["owner"],
            "target_on": data["target_on"],
            "links": [dict(zip(("kind", "id"), value.split(":", 1), strict=True)) for value in data["links"]],
        }


class VersionedGoalForm(VersionedForm, GoalForm):
    pass


def link_value(link: dict) -> str:
    return f"{link['kind']}:{link['id']}"


class GoalCloseForm(VersionedForm, forms.ModelForm):
    """How an open goal ended, and why when it was not achieved (``reason``, as
    ``goal_close`` names it: the goal's ``status_reason``)."""

    reason = forms.CharField(
        label=capfirst(Goal._meta.get_field("status_reason").verbose_name),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        widget=text_area(),
        help_text=_("Required unless the goal was achieved."),
    )

    class Meta:
        model = Goal
        fields = ("status",)
        widgets = {"status": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [choice for choice in GoalStatus.choices if choice[0] != GoalStatus.OPEN]


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ("reviewed_on", "summary")
        widgets = {"summary": text_area(5)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        shape_date(self.fields["reviewed_on"])
