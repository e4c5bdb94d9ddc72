"""Follow-up visits: record one (caseworker), waive one with a reason (civil affairs), schedule
another (caseworker, once the person has returned)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from registry import policy
from registry.pages import case_page
from registry.policy import Action, Section, require
from services import forms, selectors
from services import operations as services
from services.models import FollowUpVisit
from services.views.common import amend, changes_of, done, form_page, log_form_read, require_section, run
from victims import selectors as case_selectors
from victims import validation

TAB = Section.FOLLOW_UPS.value


def _visit(request, case_id, record_id):
    user = request.user
    case = case_selectors.case_for(user, case_id)
    visit = selectors.case_service_record(user, case, FollowUpVisit, record_id)
    return case, visit


def _title(visit: FollowUpVisit, text: str) -> str:
    return f"{text} · {visit.due_on.isoformat()}"


@case_page("GET", "HEAD", "POST")
def visit_record(request: HttpRequest, case_id, record_id) -> HttpResponse:
    """Record a visit — when, who, the living conditions and needs found — or correct it."""
    user = request.user
    case, visit = _visit(request, case_id, record_id)
    require_section(user, Section.FOLLOW_UPS)
    current = {name: getattr(visit, name) for name in forms.VisitForm.names}
    initial = {**current, "version": visit.version}
    if visit.visited_on is None:
        initial["visited_on"] = validation.today()
    form = forms.VisitForm(request.POST or None, initial=initial)
    if request.method in ("GET", "HEAD"):
        log_form_read(request, case, [Section.FOLLOW_UPS], "visit_record", visit)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        changes = changes_of(form.values(), current)
        outcome = amend(
            form,
            changes=changes,
            version=version,
            current_version=visit.version,
            operation=lambda: services.visit_record(actor=user, visit=visit, expected_version=version, changes=changes),
        )
        if outcome:
            return done(request, case, TAB, _("The visit is recorded."), outcome)
    return form_page(
        request, case, title=_title(visit, _("Record the follow-up visit")), form=form, back_tab=TAB, reload=True
    )


@case_page("GET", "HEAD", "POST")
def visit_waive(request: HttpRequest, case_id, record_id) -> HttpResponse:
    """Waive an outstanding visit, giving the reason (civil affairs, who closes cases)."""
    user = request.user
    case, visit = _visit(request, case_id, record_id)
    require(policy.may(user, Action.CLOSE_CASE), _("Only civil affairs waives a follow-up visit."))
    form = forms.ReasonForm(
        request.POST or None,
        initial={"version": visit.version},
        label=_("Reason for waiving"),
        help_text=_("Why this visit is not needed; kept in the case's history."),
    )
    if request.method in ("GET", "HEAD"):
        log_form_read(request, case, [Section.FOLLOW_UPS], "visit_waive", visit)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        operation = lambda: services.visit_waive(  # noqa: E731
            actor=user, visit=visit, expected_version=values["version"], reason=values["reason"]
        )
        if run(form, operation):
            return done(request, case, TAB, _("The visit is waived."))
    return form_page(
        request, case, title=_title(visit, _("Waive the follow-up visit")), form=form, back_tab=TAB, reload=True
    )


@case_page("GET", "HEAD", "POST")
def visit_schedule(request: HttpRequest, case_id) -> HttpResponse:
    """Schedule one more visit after the return."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    require_section(user, Section.FOLLOW_UPS)
    form = forms.ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        due_on = form.cleaned_data["due_on"]
        if run(form, lambda: services.visit_schedule(actor=user, case=case, due_on=due_on)):
            return done(request, case, TAB, _("The visit is scheduled."))
    return form_page(request, case, title=_("Schedule another follow-up visit"), form=form, back_tab=TAB)
