"""The assistance services' alerts on the dashboards (through ``{% services_alerts %}``).

Per role, from the policy: overdue follow-up visits (who reads follow-ups: caseworker, civil
affairs), the visits due in the coming months (who records them: the caseworker), children of
school age in shelter for more than 30 days without a school enrolment (who reads schooling:
caseworker, civil affairs, and the education bureau for the cases referred to it), return plans
waiting for the user's approval (civil affairs, never the user's own plans), and the shelters
nearly full (who reads shelter placements). Every list comes from ``services.selectors`` or a
scoped query (``visible_to``), reads only the columns it shows, names the person only for a role
that reads the person section, and is logged as ``case_listed`` when it names any case.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from registry import policy
from registry.audit import AuditAction, log_read
from registry.policy import Action, Section
from registry.presentation import case_url
from services import selectors
from services.choices import Pathway
from services.models import FollowUpVisit
from services.operations.common import add_months
from services.views.common import people
from victims import validation

ROWS = 10  # per panel; the count says how many there are in all
UPCOMING_MONTHS = 3


def upcoming_follow_ups(user, today=None):
    """Visits of the user's cases due from today to ``UPCOMING_MONTHS`` months ahead, neither
    done nor waived, soonest first: for a role that records visits."""
    if not policy.may_write(user, Section.FOLLOW_UPS):
        return FollowUpVisit.objects.none()
    today = today or validation.today()
    return (
        FollowUpVisit.objects.visible_to(user)
        .filter(
            due_on__gte=today,
            due_on__lte=add_months(today, UPCOMING_MONTHS),
            visited_on__isnull=True,
            waived_on__isnull=True,
        )
        .order_by("due_on", "id")
    )


def _case_row(case, show_person: bool, tab: str, **extra) -> dict[str, Any]:
    return {
        "url": case_url(case, tab),
        "number": case.number,
        "name": case.victim.full_name if show_person else None,
        **extra,
    }


def _visit_rows(visits, show_person: bool, today) -> tuple[list[dict], int]:
    fields = ["uuid", "due_on", "case__uuid", "case__number"]
    if show_person:
        fields.append("case__victim__full_name")
    visits = visits.select_related("case__victim" if show_person else "case").only(*fields)
    shown = list(visits[:ROWS])
    total = len(shown) if len(shown) < ROWS else visits.count()
    rows = [
        _case_row(
            visit.case,
            show_person,
            Section.FOLLOW_UPS.value,
            due_on=visit.due_on.isoformat(),
            days=abs((today - visit.due_on).days),
        )
        for visit in shown
    ]
    return rows, total


def _plan_rows(plans, show_person: bool) -> tuple[list[dict], int]:
    fields = ["uuid", "pathway", "planned_on", "created_by__username", "case__uuid", "case__number"]
    if show_person:
        fields.append("case__victim__full_name")
    plans = plans.select_related("case__victim" if show_person else "case", "created_by").only(*fields)
    shown = list(plans[:ROWS])
    total = len(shown) if len(shown) < ROWS else plans.count()
    names = people(plan.created_by.username for plan in shown)
    rows = [
        _case_row(
            plan.case,
            show_person,
            Section.RETURN_HOME.value,
            pathway=Pathway(plan.pathway).label,
            planned_on=plan.planned_on.isoformat(),
            created_by=names.get(plan.created_by.username, plan.created_by.username),
        )
        for plan in shown
    ]
    return rows, total


def dashboard_alerts(request: HttpRequest) -> dict[str, Any]:
    """The alert panels the user's role gets (an empty dict for a role with none)."""
    user = request.user
    if policy.role_of(user) is None:
        return {}
    show_person = policy.may_read(user, Section.PERSON)
    today = validation.today()
    # Each panel shows its first ROWS and says how many there are in all; the overdue and
    # not-enrolled panels link to the case list filtered by the same predicate (victims.filters).
    alerts: dict[str, Any] = {"shown": ROWS}
    listed, sections = 0, set()
    if policy.may_read(user, Section.FOLLOW_UPS):
        alerts["overdue"], alerts["overdue_total"] = _visit_rows(
            selectors.overdue_follow_ups(user, today), show_person, today
        )
        alerts["overdue_url"] = f"{reverse('victims:list')}?overdue=1"
        listed += len(alerts["overdue"])
        if policy.may_write(user, Section.FOLLOW_UPS):
            alerts["upcoming"], alerts["upcoming_total"] = _visit_rows(
                upcoming_follow_ups(user, today), show_person, today
            )
            alerts["upcoming_months"] = UPCOMING_MONTHS
            listed += len(alerts["upcoming"])
        if alerts["overdue"] or alerts.get("upcoming"):
            sections.add(Section.FOLLOW_UPS)
    if policy.may_read(user, Section.SCHOOLING):
        children = selectors.children_not_enrolled(user, today)
        # How long the child has been in shelter is the shelter section's: only for its readers.
        shelter = policy.may_read(user, Section.SHELTER)
        alerts["not_enrolled_total"] = len(children)
        alerts["not_enrolled_url"] = f"{reverse('victims:list')}?not_enrolled=1"
        alerts["show_since"] = shelter
        alerts["not_enrolled"] = [
            _case_row(
                item["case"],
                show_person,
                Section.SCHOOLING.value,
                age=item["age"],
                since=item["sheltered_since"].isoformat() if shelter else None,
                days=(today - item["sheltered_since"]).days if shelter else None,
            )
            for item in children[:ROWS]
        ]
        listed += len(alerts["not_enrolled"])
        if children:
            sections |= {Section.SCHOOLING, Section.SHELTER} if shelter else {Section.SCHOOLING}
    if policy.may(user, Action.APPROVE_RETURN):
        alerts["approvals"], alerts["approvals_total"] = _plan_rows(
            selectors.return_plans_awaiting_approval(user), show_person
        )
        listed += len(alerts["approvals"])
        if alerts["approvals"]:
            sections.add(Section.RETURN_HOME)
    if policy.may_read(user, Section.SHELTER):
        alerts["nearly_full"] = selectors.shelters_nearly_full(user)
        alerts["occupancy_url"] = reverse("services:occupancy")
    if listed:
        shown = ([Section.PERSON] if show_person else []) + sorted(sections, key=list(Section).index)
        log_read(
            request,
            action=AuditAction.CASE_LISTED,
            sections=shown,
            detail={"view": "services_dashboard", "count": listed},
        )
    return alerts
