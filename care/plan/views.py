"""The care plan's pages: the ``care_plan`` tab of the case file, its forms (write and amend the
plan, add, amend and close a goal, record a review), the approve buttons of civil affairs, and
the dashboard panel of reviews due and of what awaits approval.

Server-rendered, usable without JavaScript, no inline script or style (the CSP forbids them).
They follow the services' pages (``services.views``), whose helpers they share: reads through
the selectors — the case through ``victims.selectors.case_for``, the plan, goals and reviews
through ``care.plan.selectors`` (a receiving department: its own department's goals only) —
each page that shows case data logged with ``log_read``; writes through
``care.plan.operations`` only, their errors on the form (or above the tab for a button); a case
or record out of reach is the 404 page, an action the user may not take the 403 page
(``registry.pages.case_page``). No personal value is ever part of a URL.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.choices import ApprovalStatus, GoalStatus, NeedDomain, NeedRating
from care.models import CarePlan, Goal, Review
from care.plan import forms, operations, selectors
from registry import policy
from registry.audit import AuditAction, log_read
from registry.decisions import Decision, decide
from registry.pages import case_page
from registry.policy import Action, Section, require
from registry.presentation import case_url, facts, organization_names
from services.views.common import (
    amend,
    changes_of,
    done,
    form_page,
    log_form_read,
    people,
    require_section,
    run,
)
from victims import selectors as case_selectors
from victims import validation

TAB = Section.CARE_PLAN.value
DUE_SOON_DAYS = 14  # the dashboard lists the reviews due within this many days, and the overdue
ROWS = 10  # per dashboard list; the count says how many there are in all
APPROVAL_BADGES = {ApprovalStatus.AWAITING_APPROVAL: "warn", ApprovalStatus.APPROVED: "stage"}
GOAL_BADGES = {GoalStatus.OPEN: "", GoalStatus.ACHIEVED: "stage"}
PLAN_FACTS = ("assessed_on", "summary", "next_review_on", "created_by", "approved_by", "approved_at")
GOAL_FACTS = ("description", "owner", "target_on", "closed_on", "status_reason", "links")
REVIEW_FACTS = ("reviewer", "summary", "approved_by", "approved_at")


def _url(name: str, case, *args) -> str:
    return reverse(f"care:{name}", args=[case.uuid, *args])


def _link(ident: str, label: str, url: str, style: str = "secondary") -> dict[str, str]:
    return {"id": ident, "label": label, "url": url, "style": style}


def _approve_button(ident: str, label: str, url: str, version: int) -> dict[str, Any]:
    return {"id": ident, "label": label, "url": url, "version": version, "style": "primary"}


def _authored(model, ids, user) -> set[str]:
    """The ids among ``ids`` of the plans or reviews ``user`` wrote or changed (four eyes)."""
    through = model.authors.through
    name = model._meta.model_name
    rows = through.objects.filter(**{f"{name}__uuid__in": ids, "user": user})
    return {str(value) for value in rows.values_list(f"{name}__uuid", flat=True)}


def _approval_badge(approval: str) -> dict | None:
    if approval == ApprovalStatus.NOT_REQUIRED:
        return None
    return {"label": ApprovalStatus(approval).label, "style": APPROVAL_BADGES[approval]}


def _shown(row: dict, names) -> list[str]:
    """The facts of a row worth a line: the always-set ones, and the others once recorded."""
    return [name for name in names if row.get(name) not in (None, "", [])]


# --- the case file's tab ----------------------------------------------------------------------


def _plan_block(user, case, plan: dict, names: dict, today: datetime.date) -> dict[str, Any]:
    shown = dict(plan, approved_at=_when(plan["approved_at"]))
    block = {
        "id": plan["id"],
        "badge": _approval_badge(plan["approval"]),
        "facts": facts(CarePlan, shown, _shown(plan, PLAN_FACTS), names=names),
        "overdue": plan["next_review_on"] < today,
        "due_soon": today <= plan["next_review_on"] <= today + datetime.timedelta(days=DUE_SOON_DAYS),
        "next_review_on": plan["next_review_on"].isoformat(),
        "notes": [],
        "links": [],
        "buttons": [],
    }
    if plan["approval"] == ApprovalStatus.AWAITING_APPROVAL:
        block["notes"].append(
            _("Waiting for approval by a civil affairs officer who did not write or change the plan.")
        )
    if policy.may_write(user, Section.CARE_PLAN):
        block["links"].append(_link("edit-plan", _("Edit the assessment"), _url("plan-edit", case)))
        if plan["approval"] == ApprovalStatus.APPROVED:
            block["notes"].append(_("Changing the assessment withdraws its approval: it must be approved again."))
    if policy.may(user, Action.APPROVE_CARE_PLAN) and plan["approval"] == ApprovalStatus.AWAITING_APPROVAL:
        if _authored(CarePlan, [plan["id"]], user):
            block["notes"].append(_("You wrote or changed this plan, so another civil affairs officer approves it."))
        else:
            block["buttons"].append(
                _approve_button("approve-plan", _("Approve the plan"), _url("plan-approve", case), plan["version"])
            )
    return block


def _when(value):
    return datetime.datetime.fromisoformat(value) if isinstance(value, str) else value


def _needs_rows(needs: list[dict]) -> list[dict[str, str]]:
    """One row per domain, in the assessment's order; a domain not rated shows a dash."""
    by_domain = {need["domain"]: need for need in needs}
    rows = []
    for domain in NeedDomain:
        need = by_domain.get(domain.value)
        rows.append(
            {
                "domain": domain.value,
                "label": domain.label,
                "rating": NeedRating(need["rating"]).label if need else "—",
                "rating_value": need["rating"] if need else "",
                "description": (need["description"] or "—") if need else "—",
            }
        )
    return rows


def _goal_cards(user, case, goals: list[dict], names: dict, today: datetime.date) -> list[dict]:
    labels = selectors.link_labels(user, case, goals)
    writable = policy.may_write(user, Section.CARE_PLAN)
    cards = []
    for goal in goals:
        status = GoalStatus(goal["status"])
        overdue = status == GoalStatus.OPEN and goal["target_on"] < today
        shown = dict(goal, links="、".join(labels[(link["kind"], link["id"])] for link in goal["links"]))
        card = {
            "id": goal["id"],
            "title": NeedDomain(goal["domain"]).label,
            "badge": {"label": _("Overdue") if overdue else status.label,
                      "style": "warn" if overdue else GOAL_BADGES.get(status, "")},
            "facts": facts(Goal, shown, _shown(shown, GOAL_FACTS), names=names),
            "notes": [],
            "links": [],
            "buttons": [],
        }  # fmt: skip
        if writable and status == GoalStatus.OPEN:
            card["links"] = [
                _link(f"close-{goal['id']}", _("Close the goal"), _url("goal-close", case, goal["id"]), "primary"),
                _link(f"edit-{goal['id']}", _("Edit"), _url("goal-edit", case, goal["id"])),
            ]
        cards.append(card)
    return cards


def _review_cards(user, case, reviews: list[dict], names: dict) -> list[dict]:
    may_approve = policy.may(user, Action.APPROVE_CARE_PLAN)
    authored = _authored(Review, [review["id"] for review in reviews], user) if may_approve else set()
    cards = []
    for review in reversed(reviews):  # the latest first
        shown = dict(review, approved_at=_when(review["approved_at"]))
        card = {
            "id": review["id"],
            "title": _("Review of %(date)s") % {"date": review["reviewed_on"].isoformat()},
            "badge": _approval_badge(review["approval"]),
            "facts": facts(Review, shown, _shown(review, REVIEW_FACTS), names=names),
            "notes": [],
            "links": [],
            "buttons": [],
        }
        if may_approve and review["approval"] == ApprovalStatus.AWAITING_APPROVAL:
            if review["id"] in authored:
                card["notes"].append(_("You wrote this review, so another civil affairs officer approves it."))
            else:
                url = _url("review-approve", case, review["id"])
                card["buttons"].append(
                    _approve_button(f"approve-{review['id']}", _("Approve the review"), url, review["version"])
                )
        cards.append(card)
    return cards


def care_plan_tab(request: HttpRequest, case, data: dict) -> tuple[str, dict[str, Any]]:
    """The ``care_plan`` tab (declared in ``care/plan/sections.py``): the assessment with its
    approval and the next review's date (flagged when overdue), the needs of every domain, the
    goals with their status, owner, target date and the records that serve them, the reviews;
    and the steps the user may take. A receiving department sees its own department's goals."""
    user = request.user
    today = validation.today()
    plan = data["plan"][0] if data["plan"] else None
    writable = policy.may_write(user, Section.CARE_PLAN)
    users = [plan["created_by"], plan["approved_by"]] if plan else []
    users += [name for review in data["reviews"] for name in (review["reviewer"], review["approved_by"])]
    names = people(users) | organization_names(goal["owner"] for goal in data["goals"])
    goals = {
        "id": "goals",
        "title": _("Goals"),
        "records": _goal_cards(user, case, data["goals"], names, today),
        "add": _link("add-goal", _("Add a goal"), _url("goal-add", case), "primary") if writable and plan else None,
        "empty": _("No goal yet."),
    }
    reviews = {
        "id": "reviews",
        "title": _("Reviews"),
        "records": _review_cards(user, case, data["reviews"], names),
        "add": _link("add-review", _("Record a review"), _url("review-add", case), "primary")
        if writable and plan
        else None,
        "empty": _("No review yet."),
    }
    context: dict[str, Any] = {
        "plan": _plan_block(user, case, plan, names, today) if plan else None,
        "needs": _needs_rows(data["needs"]) if plan else [],
        # What follows the needs, as the services' tabs show records (services/_tab.html).
        "cards": {"blocks": [goals, reviews] if plan else [goals], "links": [], "hints": []},
        "assessment_shown": not selectors.receiving(user),
        "create_url": _url("plan-create", case) if writable and plan is None else None,
    }
    return "care/plan/_tab.html", {"care_plan": context}


# --- the plan ---------------------------------------------------------------------------------


def _intro() -> str:
    return (
        _(
            "Rate every domain. Reviews fall due every %(child)s days for a child, every %(adult)s days for an "
            "adult; a child's plan and each of its reviews are approved by a civil affairs officer who did not "
            "write them."
        )
        % operations.review_days()
    )


@case_page("GET", "HEAD", "POST")
def plan_create(request: HttpRequest, case_id) -> HttpResponse:
    """Write the care plan of the case: the needs assessment."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    require_section(user, Section.CARE_PLAN)
    form = forms.PlanForm(request.POST or None, initial={"assessed_on": validation.today()})
    if request.method == "POST" and form.is_valid():
        if run(form, lambda: operations.care_plan_create(actor=user, case=case, data=form.values())):
            return done(request, case, TAB, _("The care plan is saved."))
    return form_page(request, case, title=_("Write the care plan"), form=form, back_tab=TAB, intro=_intro())


def _case_and_plan(request, case_id):
    user = request.user
    case = case_selectors.case_for(user, case_id)
    return case, selectors.plan_for(user, case)


def plan_changes(values: dict, initial: dict) -> dict:
    """What the plan form changed: the date and summary, and the needs whose rating or
    description differ from what the user read."""
    changes = changes_of({name: values[name] for name in ("assessed_on", "summary")}, initial)
    needs = [
        need
        for need in values["needs"]
        if (need["rating"], need["description"])
        != (initial.get(f"rating_{need['domain']}"), initial.get(f"description_{need['domain']}", ""))
    ]
    if needs:
        changes["needs"] = needs
    return changes


@case_page("GET", "HEAD", "POST")
def plan_edit(request: HttpRequest, case_id) -> HttpResponse:
    """Amend the assessment at the version read; an approved child's plan loses its approval."""
    user = request.user
    case, plan = _case_and_plan(request, case_id)
    require_section(user, Section.CARE_PLAN)
    initial = forms.plan_initial(plan)
    form = forms.VersionedPlanForm(request.POST or None, initial=initial)
    if request.method in ("GET", "HEAD"):
        log_form_read(request, case, [Section.CARE_PLAN], "care_plan_edit", plan)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        changes = plan_changes(form.values(), initial)
        outcome = amend(
            form,
            changes=changes,
            version=version,
            current_version=plan.version,
            operation=lambda: operations.care_plan_update(
                actor=user, plan=plan, expected_version=version, changes=changes
            ),
        )
        if outcome:
            return done(request, case, TAB, _("The care plan is saved."), outcome)
    intro = _intro()
    if plan.approval == ApprovalStatus.APPROVED:
        intro = _("This plan is approved: changing it withdraws the approval, and it must be approved again.")
    return form_page(request, case, title=_("Edit the care plan"), form=form, back_tab=TAB, intro=intro, reload=True)


APPROVE_PLAN = Decision(
    verb="approve",
    title=gettext_lazy("Approve the care plan"),
    sentence=gettext_lazy("The child's care plan will be approved, and its next review scheduled."),
    done=gettext_lazy("You approved the care plan."),
)
APPROVE_REVIEW = Decision(
    verb="approve",
    title=gettext_lazy("Approve the review"),
    sentence=gettext_lazy("The review of the child's care plan will be approved."),
    done=gettext_lazy("You approved the review."),
)


@case_page("GET", "HEAD", "POST")
def plan_approve(request: HttpRequest, case_id) -> HttpResponse:
    """Approve a child's plan (civil affairs; not an author — the operation refuses an author
    with 403 ``four_eyes``) through its confirmation page (``registry.decisions``): the tab's
    button lands there, and only its confirmation approves."""
    user = request.user
    case, plan = _case_and_plan(request, case_id)
    require(policy.may(user, Action.APPROVE_CARE_PLAN), _("Only civil affairs approves a child's care plan."))
    return decide(
        request, APPROVE_PLAN, case=case, record=plan, version=plan.version, back_url=case_url(case, TAB),
        act=lambda data: operations.care_plan_approve(
            actor=user, plan=plan, expected_version=data["version"], comment=data["comment"]
        ),
    )  # fmt: skip


# --- goals ------------------------------------------------------------------------------------


def _goal_choices(request, case) -> list[tuple[str, str]]:
    """The records a goal may name; listing them (kind and date) is a read of their sections."""
    user = request.user
    choices = selectors.linkable_records(user, case)
    if request.method in ("GET", "HEAD") and choices:
        kinds = {value.split(":", 1)[0] for value, _label in choices}
        sections = [Section.CARE_PLAN, *sorted({apps.get_model(kind).section for kind in kinds})]
        log_form_read(request, case, sections, "care_plan_goal_links")
    return choices


@case_page("GET", "HEAD", "POST")
def goal_add(request: HttpRequest, case_id) -> HttpResponse:
    """Add a goal to the plan."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    require_section(user, Section.CARE_PLAN)
    form = forms.GoalForm(request.POST or None, links=_goal_choices(request, case))
    if request.method == "POST" and form.is_valid():
        if run(form, lambda: operations.goal_create(actor=user, case=case, data=form.values())):
            return done(request, case, TAB, _("The goal is added."))
    return form_page(request, case, title=_("Add a goal"), form=form, back_tab=TAB)


def _case_and_goal(request, case_id, goal_id):
    user = request.user
    case = case_selectors.case_for(user, case_id)
    return case, selectors.goal_for(user, goal_id, case=case)


@case_page("GET", "HEAD", "POST")
def goal_edit(request: HttpRequest, case_id, goal_id) -> HttpResponse:
    """Amend an open goal at the version read."""
    user = request.user
    case, goal = _case_and_goal(request, case_id, goal_id)
    require_section(user, Section.CARE_PLAN)
    current = {name: getattr(goal, name) for name in ("domain", "description", "owner", "target_on", "links")}
    initial = {
        **current,
        "owner": goal.owner.uuid,
        "links": [forms.link_value(link) for link in goal.links],
        "version": goal.version,
    }
    form = forms.VersionedGoalForm(request.POST or None, initial=initial, links=_goal_choices(request, case))
    if request.method in ("GET", "HEAD"):
        log_form_read(request, case, [Section.CARE_PLAN], "care_plan_goal_edit", goal)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        changes = changes_of(form.values(), current)
        if "links" in changes and set(map(forms.link_value, changes["links"])) == set(initial["links"]):
            del changes["links"]  # the same records, in another order
        outcome = amend(
            form,
            changes=changes,
            version=version,
            current_version=goal.version,
            operation=lambda: operations.goal_update(actor=user, goal=goal, expected_version=version, changes=changes),
        )
        if outcome:
            return done(request, case, TAB, _("The goal is saved."), outcome)
    return form_page(request, case, title=_("Edit the goal"), form=form, back_tab=TAB, reload=True)


@case_page("GET", "HEAD", "POST")
def goal_close(request: HttpRequest, case_id, goal_id) -> HttpResponse:
    """Close an open goal: achieved, or not achievable or no longer needed with the reason."""
    user = request.user
    case, goal = _case_and_goal(request, case_id, goal_id)
    require_section(user, Section.CARE_PLAN)
    form = forms.GoalCloseForm(request.POST or None, initial={"version": goal.version})
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        operation = lambda: operations.goal_close(  # noqa: E731
            actor=user, goal=goal, expected_version=values["version"], status=values["status"], reason=values["reason"]
        )
        if run(form, operation):
            return done(request, case, TAB, _("The goal is closed."))
    intro = _("Goal: %(domain)s, target %(date)s.") % {
        "domain": NeedDomain(goal.domain).label,
        "date": goal.target_on.isoformat(),
    }
    return form_page(request, case, title=_("Close the goal"), form=form, back_tab=TAB, intro=intro, reload=True)


# --- reviews ----------------------------------------------------------------------------------


@case_page("GET", "HEAD", "POST")
def review_add(request: HttpRequest, case_id) -> HttpResponse:
    """Record a review of the plan."""
    user = request.user
    case, plan = _case_and_plan(request, case_id)
    require_section(user, Section.CARE_PLAN)
    form = forms.ReviewForm(request.POST or None, initial={"reviewed_on": validation.today()})
    if request.method == "POST" and form.is_valid():
        if run(form, lambda: operations.review_create(actor=user, plan=plan, data=form.cleaned_data)):
            return done(request, case, TAB, _("The review is recorded."))
    intro = _("The next review falls due %(days)s days after this one.") % {
        "days": operations.review_interval(case).days
    }
    return form_page(request, case, title=_("Record a review"), form=form, back_tab=TAB, intro=intro)


@case_page("GET", "HEAD", "POST")
def review_approve(request: HttpRequest, case_id, review_id) -> HttpResponse:
    """Approve a child's review (civil affairs; not its author) through its confirmation page."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    review = selectors.review_for(user, review_id, case=case)
    require(policy.may(user, Action.APPROVE_CARE_PLAN), _("Only civil affairs approves a child's care plan."))
    return decide(
        request, APPROVE_REVIEW, case=case, record=review, version=review.version, back_url=case_url(case, TAB),
        act=lambda data: operations.review_approve(
            actor=user, review=review, expected_version=data["version"], comment=data["comment"]
        ),
    )  # fmt: skip


# --- the dashboard ----------------------------------------------------------------------------


def _case_rows(rows, show_person: bool, **columns) -> list[dict]:
    """Dashboard rows: the case's tab, number, the person's name (for a role that reads it),
    and ``columns`` — each a function of the row."""
    return [
        {
            "url": case_url(row.case, TAB),
            "number": row.case.number,
            "name": row.case.victim.full_name if show_person else None,
            **{name: column(row) for name, column in columns.items()},
        }
        for row in rows
    ]


def _first(rows, fields: list[str], show_person: bool) -> tuple[list, int]:
    """The first :data:`ROWS` of ``rows`` reading only ``fields`` (and the person's name for a
    role that reads it: nothing else is decrypted), and how many there are in all."""
    fields = [*fields, "case__uuid", "case__number"]
    if show_person:
        fields.append("case__victim__full_name")
    rows = rows.select_related("case__victim" if show_person else "case").only(*fields)
    shown = list(rows[:ROWS])
    return shown, len(shown) if len(shown) < ROWS else rows.count()


def dashboard_reviews(request: HttpRequest) -> dict[str, Any]:
    """The care plan panel (declared in ``care/plan/sections.py``): for who writes the plan,
    the reviews overdue and those due within :data:`DUE_SOON_DAYS` days; for civil affairs, the
    plans and reviews awaiting their approval (never what they wrote). Logged as ``case_listed``
    when it names a case."""
    user = request.user
    if policy.role_of(user) is None:
        return {}
    show_person = policy.may_read(user, Section.PERSON)
    today = validation.today()
    work: dict[str, Any] = {}
    if policy.may_write(user, Section.CARE_PLAN):
        due = selectors.reviews_due(user, today + datetime.timedelta(days=DUE_SOON_DAYS))
        shown, work["due_total"] = _first(due, ["uuid", "next_review_on"], show_person)
        work["due"] = _case_rows(
            shown,
            show_person,
            due_on=lambda plan: plan.next_review_on.isoformat(),
            days=lambda plan: abs((plan.next_review_on - today).days),
            overdue=lambda plan: plan.next_review_on < today,
        )
        work["overdue_total"] = due.filter(next_review_on__lt=today).count() if work["due"] else 0
        work["due_soon_days"] = DUE_SOON_DAYS
    if policy.may(user, Action.APPROVE_CARE_PLAN):
        plans, reviews = selectors.awaiting_approval(user)
        shown_plans, plans_total = _first(plans, ["uuid", "assessed_on"], show_person)
        shown_reviews, reviews_total = _first(reviews, ["uuid", "reviewed_on"], show_person)
        work["approvals"] = _case_rows(
            shown_plans, show_person, what=lambda plan: _("Care plan"), dated=lambda plan: plan.assessed_on.isoformat()
        ) + _case_rows(
            shown_reviews,
            show_person,
            what=lambda review: _("Review"),
            dated=lambda review: review.reviewed_on.isoformat(),
        )
        work["approvals_total"] = plans_total + reviews_total
    listed = len(work.get("due", [])) + len(work.get("approvals", []))
    if listed:
        sections = [Section.PERSON, Section.CARE_PLAN] if show_person else [Section.CARE_PLAN]
        log_read(
            request,
            action=AuditAction.CASE_LISTED,
            sections=sections,
            detail={"view": "care_plan_dashboard", "count": listed},
        )
    return work
