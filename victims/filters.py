"""The case list's working filters and sort orders (issue 18, item 3).

:class:`CaseFilterForm` is built for one reader: it offers only the filters the role may use
(sex and age band to readers of the person section, nationality to readers of the identity
section, overdue follow-ups and children not enrolled to readers of those sections, the
caseworker to roles that manage assignments, possible duplicates to those who resolve them),
and its choices — jurisdictions, organizations, caseworkers, nationalities — are those within
the reader's reach, so a value outside it is refused exactly like an unknown one.

Guarantees: filters only narrow ``selectors.cases_for(user)`` — nothing here starts a query of
cases of its own; every value is validated (a bad one is an error on its field, never a 500);
no value is personal (codes, UUIDs of organizations and staff accounts, flags, dates), so the
filters may stand in a URL and in the session. The overdue and not-enrolled filters reuse the
dashboard's predicates (``services.selectors``), so a panel's link lands on the same cases.
Sorting by name decrypts the names of the filtered cases, only for readers of the person
section and only up to :data:`NAME_SORT_CAP` cases.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Case as Switch
from django.db.models import IntegerField, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin

from registry import policy, presentation
from registry.choices import JurisdictionLevel
from registry.forms import date_field
from registry.models import Jurisdiction, Organization
from registry.policy import Action, Section
from registry.scope import code_within
from services import selectors as services
from victims import selectors, validation
from victims.choices import AgeBand, Sex, Stage

# Names decrypted at most to sort a list by name; past it, narrow the list first.
NAME_SORT_CAP = 2000

# Sortable columns: key → (label, ORM ordering). ``name`` is sorted in memory.
SORTS: dict[str, Any] = {
    "number": (_("Case number"), ("number",)),
    "name": (_("Full name"), None),
    "sex": (_("Sex"), ("victim__sex", "-id")),
    "stage": (_("Stage"), None),  # in the stages' own order, not alphabetically
    "jurisdiction": (_("Jurisdiction"), ("jurisdiction__code", "-id")),
    "opened_on": (_("Opened on"), ("opened_on", "id")),
}
PERSON_SORTS = {"name", "sex"}

# The filter fields, in the order of the form (the URL and the session keep ``sort`` and
# ``page`` with them).
FILTERS = (
    "stage",
    "jurisdiction",
    "organization",
    "caseworker",
    "age_band",
    "sex",
    "nationality",
    "overdue",
    "not_enrolled",
    "duplicate",
    "opened_from",
    "opened_to",
)


def _any(label) -> list[tuple[str, Any]]:
    return [("", label)]


class CaseFilterForm(forms.Form):
    """The filters of the case list for ``user`` (GET). Valid: :meth:`apply` narrows a queryset
    of :func:`selectors.cases_for` ``user``; :meth:`used` names the values given."""

    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[*_any(_("All stages")), *Stage.choices])
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), required=False)
    organization = forms.ChoiceField(label=_("Lead organization"), required=False)
    caseworker = forms.ChoiceField(label=_("Assigned caseworker"), required=False)
    age_band = forms.ChoiceField(
        label=_("Age at rescue"), required=False, choices=[*_any(_("Any age")), *AgeBand.choices]
    )
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[*_any(_("Any")), *Sex.choices])
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    overdue = forms.BooleanField(label=_("With an overdue follow-up visit"), required=False)
    not_enrolled = forms.BooleanField(label=_("Child in shelter not enrolled in school"), required=False)
    duplicate = forms.BooleanField(label=_("Possible duplicates"), required=False)
    opened_from = date_field(label=_("Opened from"), required=False)
    opened_to = date_field(label=_("Opened until"), required=False)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.user = user
        self.visible = selectors.cases_for(user).order_by()
        offered = {
            "sex": policy.may_read(user, Section.PERSON),
            "age_band": policy.may_read(user, Section.PERSON),
            "nationality": policy.may_read(user, Section.IDENTITY),
            "overdue": policy.may_read(user, Section.FOLLOW_UPS),
            "not_enrolled": policy.may_read(user, Section.SCHOOLING),
            "duplicate": policy.may(user, Action.RESOLVE_DUPLICATE),
            "caseworker": policy.may(user, Action.ASSIGN_CASEWORKER),
        }
        self.withheld = [name for name, allowed in offered.items() if not allowed]
        for name in self.withheld:
            del self.fields[name]
        self.sorts = [key for key in SORTS if key not in PERSON_SORTS or policy.may_read(user, Section.PERSON)]
        self.fields["sort"].choices = [("", ""), *((k, k) for key in self.sorts for k in (key, f"-{key}"))]
        self.fields["jurisdiction"].choices = _any(_("All jurisdictions")) + self._jurisdictions()
        self.fields["organization"].choices = _any(_("All organizations")) + self._organizations()
        if "caseworker" in self.fields:
            caseworkers = sorted(selectors.caseworkers_for(user), key=presentation.user_name)
            self.fields["caseworker"].choices = _any(_("Anyone")) + [
                (str(account.uuid), presentation.user_name(account)) for account in caseworkers
            ]
        if "nationality" in self.fields:
            codes = self.visible.values_list("victim__nationality", flat=True).distinct()
            self.fields["nationality"].choices = _any(_("Any")) + [
                (code, presentation.country(code)) for code in sorted(set(codes))
            ]

    def _jurisdictions(self) -> list[tuple[str, str]]:
        """The cities and counties of the reader's jurisdiction."""
        within = getattr(self.user, "jurisdiction", None)
        if within is None:
            return []
        rows = Jurisdiction.objects.filter(code_within("code", within.code)).exclude(level=JurisdictionLevel.PROVINCE)
        return [(row.code, presentation.local_name(row.name, division=True)) for row in rows.order_by("code")]

    def _organizations(self) -> list[tuple[str, str]]:
        """The organizations leading a case the reader sees."""
        rows = Organization.objects.filter(pk__in=self.visible.values("lead_organization_id")).order_by("name")
        return [(str(row.uuid), presentation.local_name(row.name)) for row in rows]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("opened_from"), cleaned.get("opened_to")
        if start and end and start > end:
            self.add_error("opened_to", _("The end date lies before the start date."))
        if any(self.data.get(name) for name in self.withheld):  # refused, never silently dropped
            self.add_error(None, _("Your role may not filter the list this way."))
        if self.has_error("sort"):  # a hidden field: said above the form
            self.add_error(None, _("The list cannot be sorted by this column."))
        return cleaned

    def used(self) -> dict[str, str]:
        """The filters given, as the URL and the session keep them (sort excluded)."""
        values = {}
        for name in FILTERS:
            value = self.cleaned_data.get(name)
            if value:
                values[name] = "1" if value is True else str(value)
        return values

    def apply(self, cases: QuerySet) -> QuerySet:
        """``cases`` (from ``selectors.cases_for(self.user, …)``) narrowed by the filters."""
        data = self.cleaned_data
        exact = {
            "stage": "stage",
            "organization": "lead_organization__uuid",
            "caseworker": "assigned_caseworkers__uuid",
            "age_band": "age_band",
            "sex": "victim__sex",
            "nationality": "victim__nationality",
            "opened_from": "opened_on__gte",
            "opened_to": "opened_on__lte",
        }
        for name, lookup in exact.items():
            if data.get(name):
                cases = cases.filter(**{lookup: data[name]})
        if data.get("jurisdiction"):
            cases = cases.filter(code_within("jurisdiction__code", data["jurisdiction"]))
        if data.get("duplicate"):
            cases = cases.filter(possible_duplicate=True)
        today = validation.today()
        if data.get("overdue"):
            overdue = services.overdue_follow_ups(self.user, today).order_by().values("case_id")
            cases = cases.filter(pk__in=overdue)
        if data.get("not_enrolled"):
            cases = cases.filter(pk__in=[item["case"].pk for item in services.children_not_enrolled(self.user, today)])
        return cases


def ordered(cases: QuerySet, sort: str | None) -> QuerySet | None:
    """``cases`` in the order ``sort`` names (``key`` or ``-key`` of :data:`SORTS`), newest
    first when none; ``None`` for a sort by name, which :func:`by_name` does in memory."""
    key = (sort or "").lstrip("-")
    descending = bool(sort) and sort.startswith("-")
    if key not in SORTS:
        return cases.order_by("-id")
    if key == "name":
        return None
    if key == "stage":
        ranks = (When(stage=value, then=Value(rank)) for rank, value in enumerate(Stage.values))
        cases = cases.annotate(stage_rank=Switch(*ranks, output_field=IntegerField()))
        fields = ("stage_rank", "-id")
    else:
        fields = SORTS[key][1]
    if descending:  # the column reversed; the tie-breaker stays
        first = fields[0]
        fields = (first[1:] if first.startswith("-") else f"-{first}", *fields[1:])
    return cases.order_by(*fields)


def by_name_key(name: str) -> tuple[str, str]:
    """How names sort: by their pinyin without tones (as a Chinese reader orders names), then
    by the name as written."""
    return "".join(lazy_pinyin(name)).lower(), name


def by_name(cases: QuerySet, *, descending: bool) -> list[int] | None:
    """The primary keys of ``cases`` by the person's name (its pinyin, then the name), or
    ``None`` past :data:`NAME_SORT_CAP` cases. The names are decrypted for the comparison only
    (the caller checked the reader reads the person section) and never kept."""
    if cases.count() > NAME_SORT_CAP:
        return None
    rows = cases.select_related(None).select_related("victim").only("pk", "victim__full_name").order_by("-id")
    keyed = sorted(rows, key=lambda case: by_name_key(case.victim.full_name))
    if descending:
        keyed.reverse()
    return [case.pk for case in keyed]
