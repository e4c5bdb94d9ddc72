"""Return plans: plan, edit, approve or reject (civil affairs, four eyes, through their
confirmation page), record the handover, cancel."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import policy
from registry.decisions import Decision, decide
from registry.pages import case_page
from registry.policy import Action, Section, require
from registry.presentation import case_url, place_names
from services import forms, selectors
from services import operations as services
from services.choices import Pathway, ReturnPlanStatus
from services.models import ReturnPlan
from services.operations.common import is_minor
from services.views.common import (
    amend,
    changes_of,
    done,
    form_page,
    log_form_read,
    require_section,
    run,
)
from victims import selectors as case_selectors
from victims import validation
from victims.models import Household

TAB = Section.RETURN_HOME.value


def _intro() -> str:
    return _(
        "A civil affairs officer who did not write or change the plan approves it before the handover, once the "
        "person's wish is recorded (and a child's best interests determined). A minor is never returned to nor "
        "placed with the purchasing household; reunifying a child needs a confirmed DNA match."
    )


def _household_choice(user, case):
    households = Household.objects.visible_to(user).filter(case=case).order_by("id")
    return households, place_names(households.values_list("jurisdiction_code", flat=True))


def _plan(request, case_id, record_id):
    user = request.user
    case = case_selectors.case_for(user, case_id)
    plan = selectors.case_service_record(user, case, ReturnPlan, record_id)
    return case, plan


@case_page("GET", "HEAD", "POST")
def plan_create(request: HttpRequest, case_id) -> HttpResponse:
    """Write a return plan; it waits for civil affairs' approval."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    require_section(user, Section.RETURN_HOME)
    households, places = _household_choice(user, case)
    child = is_minor(case, validation.today())
    form = forms.ReturnPlanForm(request.POST or None, households=households, place_names=places, child=child)
    if request.method in ("GET", "HEAD"):
        log_form_read(request, case, [Section.CONTACTS], "return_plan_create")
    if request.method == "POST" and form.is_valid():
        if run(form, lambda: services.return_plan_create(actor=user, case=case, data=form.values())):
            return done(request, case, TAB, _("The return plan is saved; it waits for approval by civil affairs."))
    return form_page(request, case, title=_("Plan a return"), form=form, back_tab=TAB, intro=_intro())


def _current(plan: ReturnPlan) -> dict:
    return {name: getattr(plan, name) for name in forms.PLAN_FIELDS + forms.WISH_FIELDS + forms.BID_FIELDS}


@case_page("GET", "HEAD", "POST")
def plan_edit(request: HttpRequest, case_id, record_id) -> HttpResponse:
    """Change a plan in force at the version read; an approved plan loses its approval."""
    user = request.user
    case, plan = _plan(request, case_id, record_id)
    require_section(user, Section.RETURN_HOME)
    households, places = _household_choice(user, case)
    current = _current(plan)
    initial = {**current, "household": plan.household.uuid if plan.household_id else None, "version": plan.version}
    child = is_minor(case, plan.planned_on, validation.today())
    form = forms.VersionedReturnPlanForm(
        request.POST or None, initial=initial, households=households, place_names=places, child=child
    )
    if request.method in ("GET", "HEAD"):
        log_form_read(request, case, [Section.RETURN_HOME, Section.CONTACTS], "return_plan_edit", plan)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        values = form.values()
        if values["pathway"] == Pathway.REPATRIATION and "destination_country" not in values:
            values["destination_country"] = current["destination_country"]
        changes = changes_of(values, current)
        outcome = amend(
            form,
            changes=changes,
            version=version,
            current_version=plan.version,
            operation=lambda: services.return_plan_amend(
                actor=user, plan=plan, expected_version=version, changes=changes
            ),
        )
        if outcome:
            return done(
                request, case, TAB, _("The return plan is saved; it waits for approval by civil affairs."), outcome
            )
    intro = _intro()
    if plan.status == ReturnPlanStatus.APPROVED:
        intro = _("This plan is approved: changing it withdraws the approval, and it must be approved again.")
    return form_page(request, case, title=_("Edit the return plan"), form=form, back_tab=TAB, intro=intro, reload=True)


APPROVE = Decision(
    verb="approve",
    title=gettext_lazy("Approve the return plan"),
    sentence=gettext_lazy("The plan will be approved: the handover can then be recorded."),
    done=gettext_lazy("You approved the return plan."),
)
REJECT = Decision(
    verb="reject",
    title=gettext_lazy("Reject the return plan"),
    sentence=gettext_lazy(
        "The plan will be rejected and can no longer change: its author reads your reason, and a new plan can be "
        "written."
    ),
    done=gettext_lazy("You rejected the return plan; its author is told why."),
    comment_required=True,
    style="danger",
)
DECISION_OPERATIONS = {"approve": services.return_plan_approve, "reject": services.return_plan_reject}


def _decide(request: HttpRequest, case_id, record_id, decision: Decision) -> HttpResponse:
    user = request.user
    case, plan = _plan(request, case_id, record_id)
    require(policy.may(user, Action.APPROVE_RETURN), _("Only civil affairs approves a return plan."))
    operation = DECISION_OPERATIONS[decision.verb]
    return decide(
        request, decision, case=case, record=plan, version=plan.version, back_url=case_url(case, TAB),
        act=lambda data: operation(actor=user, plan=plan, expected_version=data["version"], comment=data["comment"]),
    )  # fmt: skip


@case_page("GET", "HEAD", "POST")
def plan_approve(request: HttpRequest, case_id, record_id) -> HttpResponse:
    """Approve a plan awaiting approval (civil affairs; not its author — the operation refuses
    an author with 403 ``four_eyes``), through its confirmation page, with an optional comment."""
    return _decide(request, case_id, record_id, APPROVE)


@case_page("GET", "HEAD", "POST")
def plan_reject(request: HttpRequest, case_id, record_id) -> HttpResponse:
    """Reject a plan awaiting approval (civil affairs; not its author), through its confirmation
    page, with the reason its author will read."""
    return _decide(request, case_id, record_id, REJECT)


@case_page("GET", "HEAD", "POST")
def plan_complete(request: HttpRequest, case_id, record_id) -> HttpResponse:
    """Record the handover of an approved plan: the person is discharged from the shelter, the
    case is returned, and the follow-up visits are scheduled."""
    user = request.user
    case, plan = _plan(request, case_id, record_id)
    require_section(user, Section.RETURN_HOME)
    initial = {
        "version": plan.version,
        "handover_on": validation.today(),
        "escort": plan.escort,
        "receiving_party": plan.receiving_party,
        "handover_record": plan.handover_record,
    }
    form = forms.CompleteForm(request.POST or None, initial=initial)
    if request.method in ("GET", "HEAD"):
        log_form_read(request, case, [Section.RETURN_HOME], "return_plan_complete", plan)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        operation = lambda: services.return_plan_complete(  # noqa: E731
            actor=user, plan=plan, expected_version=version, **form.values()
        )
        if run(form, operation):
            return done(
                request,
                case,
                Section.FOLLOW_UPS.value,
                _("The handover is recorded; the follow-up visits are scheduled."),
            )
    intro = _("The person is discharged from the shelter on the handover date, and follow-up visits are scheduled.")
    return form_page(request, case, title=_("Record the handover"), form=form, back_tab=TAB, intro=intro, reload=True)


@case_page("GET", "HEAD", "POST")
def plan_cancel(request: HttpRequest, case_id, record_id) -> HttpResponse:
    """Cancel a plan in force, giving the reason."""
    user = request.user
    case, plan = _plan(request, case_id, record_id)
    require_section(user, Section.RETURN_HOME)
    form = forms.ReasonForm(request.POST or None, initial={"version": plan.version}, label=_("Reason for cancelling"))
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        operation = lambda: services.return_plan_cancel(  # noqa: E731
            actor=user, plan=plan, expected_version=values["version"], reason=values["reason"]
        )
        if run(form, operation):
            return done(request, case, TAB, _("The return plan is cancelled."))
    return form_page(request, case, title=_("Cancel the return plan"), form=form, back_tab=TAB, reload=True)
