"""Pages of the assignments: the caseworkers of a case (a part under the case header, with
assign and unassign for who may), and a leaving caseworker's open cases handed to a colleague.

Every page takes the case through the one scoped lookup (404 outside the reader's reach) and
changes it only through ``victims.operations``; the forms carry the version the user read, so a
change made meanwhile is refused rather than overwritten.
"""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import policy
from registry.context_processors import display_name
from registry.errors import Conflict, RuleViolation, StaleVersion
from registry.pages import case_page
from registry.policy import Action, require
from registry.presentation import case_url
from victims import operations, selectors, stages
from victims.forms import VersionForm


def _assignable(user, case) -> list:
    """The active caseworkers of the case's organization the user may assign and who are not yet."""
    assigned = set(case.assigned_caseworkers.values_list("pk", flat=True))
    staff = selectors.caseworkers_for(user).filter(is_active=True, organization_id=case.lead_organization_id)
    return [worker for worker in staff.order_by("username") if worker.pk not in assigned]


class AssignForm(VersionForm):
    caseworker = django_forms.ChoiceField(label=gettext_lazy("Caseworker"))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].choices = [(str(worker.uuid), display_name(worker)) for worker in choices]


class ReassignForm(django_forms.Form):
    caseworker = django_forms.ChoiceField(label=gettext_lazy("Cases of"))
    to = django_forms.ChoiceField(label=gettext_lazy("Hand them to"))
    confirm = django_forms.BooleanField(
        label=gettext_lazy("I confirm: every open case of this caseworker that I can see goes to the colleague.")
    )

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].choices = [(str(worker.uuid), _label(worker)) for worker in staff]
        self.fields["to"].choices = [(str(worker.uuid), _label(worker)) for worker in staff if worker.is_active]


def _label(worker) -> str:
    name = display_name(worker)
    if not worker.is_active:
        name = _("%(name)s (disabled)") % {"name": name}
    return f"{name} · {worker.organization.name}" if worker.organization_id else name


def case_header(request: HttpRequest, case) -> tuple[str, dict[str, Any]] | None:
    """The case header's part (``registry.casefile.register_header_part``): who works on the
    case, and for who may assign, the form to add one and a button to remove each."""
    assignees = list(case.assigned_caseworkers.select_related("organization").order_by("username"))
    may_assign = policy.may(request.user, Action.ASSIGN_CASEWORKER) and case.stage not in stages.CLOSED_STAGES
    if not assignees and not may_assign:
        return None
    form = None
    if may_assign:
        form = AssignForm(initial={"version": case.version}, choices=_assignable(request.user, case))
    return "victims/_assignments.html", {
        "assignees": [(worker, display_name(worker)) for worker in assignees],
        "may_assign": may_assign,
        "form": form,
        "version": case.version,
        "assign_url": reverse("victims:assign", args=[case.uuid]),
        "case": case,
    }


def _run(request: HttpRequest, operation, success: str) -> None:
    try:
        operation()
    except StaleVersion:
        messages.error(request, _("Someone else changed this case meanwhile. Check it again, then retry."))
    except (RuleViolation, Conflict) as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, success)


@case_page("POST")
def case_assign(request: HttpRequest, case_id) -> HttpResponse:
    """Assign one of the organization's caseworkers, at the version the user read."""
    user = request.user
    case = selectors.case_for(user, case_id)
    require(policy.may(user, Action.ASSIGN_CASEWORKER))
    form = AssignForm(request.POST, choices=_assignable(user, case))
    if not form.is_valid():
        messages.error(request, _("Choose a caseworker to assign; nothing was changed."))
        return HttpResponseRedirect(case_url(case))
    caseworker = selectors.caseworker_for(user, form.cleaned_data["caseworker"])
    _run(
        request,
        lambda: operations.case_assign(
            actor=user, case=case, caseworker=caseworker, expected_version=form.cleaned_data["version"]
        ),
        _("%(name)s is assigned to the case.") % {"name": display_name(caseworker)},
    )
    return HttpResponseRedirect(case_url(case))


@case_page("POST")
def case_unassign(request: HttpRequest, case_id, user_id) -> HttpResponse:
    """Unassign a caseworker, at the version the user read."""
    user = request.user
    case = selectors.case_for(user, case_id)
    require(policy.may(user, Action.ASSIGN_CASEWORKER))
    form = VersionForm(request.POST)
    try:
        caseworker = case.assigned_caseworkers.filter(uuid=user_id).first()
    except ValidationError:
        caseworker = None
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return HttpResponseRedirect(case_url(case))
    _run(
        request,
        lambda: operations.case_unassign(
            actor=user, case=case, caseworker=caseworker, expected_version=form.cleaned_data["version"]
        ),
        _("The caseworker is unassigned from the case."),
    )
    return HttpResponseRedirect(case_url(case))


@case_page("GET", "POST")
def caseworkers(request: HttpRequest) -> HttpResponse:
    """The caseworkers the user manages, with their open cases the user sees, and the form that
    hands one's open cases to a colleague (the user ticks a confirmation first)."""
    user = request.user
    require(policy.may(user, Action.ASSIGN_CASEWORKER))
    open_cases = Q(assigned_cases__in=selectors.cases_for(user).exclude(stage__in=stages.CLOSED_STAGES))
    staff = list(
        selectors.caseworkers_for(user)
        .annotate(open_cases=Count("assigned_cases", filter=open_cases))
        .order_by("organization__name", "username")
    )
    form = ReassignForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        leaving = selectors.caseworker_for(user, form.cleaned_data["caseworker"])
        to = selectors.caseworker_for(user, form.cleaned_data["to"], field="to")
        try:
            handed = operations.caseworker_cases_reassign(actor=user, caseworker=leaving, to=to)
        except RuleViolation as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(
                request,
                _("%(count)s open cases handed from %(from)s to %(to)s.")
                % {"count": handed, "from": display_name(leaving), "to": display_name(to)},
            )
            return HttpResponseRedirect(reverse("victims:caseworkers"))
    rows = [(worker, _label(worker)) for worker in staff]
    return render(request, "victims/caseworkers.html", {"rows": rows, "form": form})
