"""The victim-file panels of the registry's dashboards (through ``{% case_work %}``)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import policy
from registry.audit import AuditAction, log_read
from registry.pages import works_on_cases
from registry.policy import Scope, Section
from registry.presentation import case_url
from victims import selectors, validation
from victims.choices import Ending, ReferralStatus, Service, Stage
from victims.models import Referral
from victims.stages import CLOSED_STAGES
from victims.views.common import may_register

RECENT_CASES = 10


def _recent_rows(user, cases, limit: int | None = None) -> list[dict]:
    show_person = policy.may_read(user, Section.PERSON)
    fields = ["uuid", "number", "stage", "opened_on", *(["victim__full_name"] if show_person else [])]
    cases = cases.select_related(None).select_related("victim").only(*fields)  # decrypt the name alone
    rows = []
    for case in cases[:limit]:
        rows.append(
            {
                "uuid": case.uuid,
                "number": case.number,
                "name": case.victim.full_name if show_person else None,
                "stage": Stage(case.stage).label,
                "opened_on": case.opened_on.isoformat(),
            }
        )
    return rows


def _referral_rows(user, referrals, limit: int | None = None) -> list[dict]:
    show_person = policy.may_read(user, Section.PERSON)
    fields = ["uuid", "service", "status", "created_at", "case__uuid", "case__number", "to_organization__name"]
    if show_person:
        fields.append("case__victim__full_name")
    rows = []
    for referral in referrals.select_related("case__victim", "to_organization").only(*fields).order_by("id")[:limit]:
        rows.append(
            {
                "case_url": case_url(referral.case, Section.REFERRALS.value),
                "number": referral.case.number,
                "name": referral.case.victim.full_name if show_person else None,
                "service": Service(referral.service).label,
                "to": referral.to_organization.name,
                "since": timezone.localtime(referral.created_at).date().isoformat(),
            }
        )
    return rows


def _closed_by_ending(visible) -> tuple[int, list[dict]]:
    """This year's closed cases among ``visible``, counted by how they ended (aggregate counts
    only, one query); a case closed before endings were recorded counts as not recorded."""
    year = validation.today().year
    closed = visible.filter(stage=Stage.CLOSED, closed_on__year=year).order_by()
    counts = dict(closed.values_list("ending").annotate(n=models.Count("pk")))
    rows = [{"label": label, "count": counts.get(value, 0)} for value, label in Ending.choices]
    if counts.get(""):
        rows.append({"label": _("Not recorded"), "count": counts[""]})
    return year, rows


def dashboard_work(request: HttpRequest) -> dict[str, Any]:
    """The counts and short lists of the user's case work, all through ``selectors.cases_for``:
    a caseworker's open and recent cases; civil affairs' cases by stage, this year's closed
    cases by how they ended, referrals awaiting approval and possible duplicates; a receiving
    department's referrals waiting for an answer and those under way. Logged as ``case_listed``
    when it names any case."""
    user = request.user
    role = policy.role_of(user)
    if role is None or not works_on_cases(user):
        return {}
    visible = selectors.cases_for(user)
    open_cases = visible.exclude(stage__in=CLOSED_STAGES)
    list_url = reverse("victims:list")
    # Each short list shows its first RECENT_CASES and says how many there are in all, with a
    # link to the case list filtered the same way (``victims.filters``; ``clear``: no filter).
    work: dict[str, Any] = {"role": role.value, "list_url": f"{list_url}?clear=1", "shown": RECENT_CASES}
    listed: list[dict] = []
    if policy.scope_of(user) is Scope.ORGANIZATION:
        work["open_assigned"] = open_cases.filter(assigned_caseworkers=user).count()
        work["open_total"] = open_cases.count()
        work["recent"] = listed = _recent_rows(user, visible.order_by("-id"), RECENT_CASES)
        work["recent_total"] = visible.count() if len(listed) == RECENT_CASES else len(listed)
        work["may_register"] = may_register(user)
    elif policy.scope_of(user) is Scope.JURISDICTION:
        counts = dict(visible.order_by().values_list("stage").annotate(n=models.Count("pk")))
        work["by_stage"] = [
            {"label": label, "count": counts.get(value, 0), "url": f"{reverse('victims:list')}?stage={value}"}
            for value, label in Stage.choices
        ]
        work["total"] = sum(counts.values())
        work["closed_year"], work["closed_by_ending"] = _closed_by_ending(visible)
        awaiting = Referral.objects.filter(case__in=visible, status=ReferralStatus.AWAITING_APPROVAL)
        work["awaiting_approval"] = _referral_rows(user, awaiting, RECENT_CASES)
        work["awaiting_total"] = awaiting.count()
        duplicates = visible.filter(possible_duplicate=True)
        work["duplicates"] = _recent_rows(user, duplicates.order_by("id"), RECENT_CASES)
        work["duplicates_total"] = duplicates.count()
        work["duplicates_url"] = f"{list_url}?duplicate=1"
        listed = work["awaiting_approval"] + work["duplicates"]
    else:
        mine = Referral.objects.filter(case__in=visible, to_organization=user.organization_id)
        for key, status in (("pending", ReferralStatus.PENDING), ("active", ReferralStatus.ACCEPTED)):
            work[key] = _referral_rows(user, mine.filter(status=status), RECENT_CASES)
            work[f"{key}_total"] = mine.filter(status=status).count()
        listed = work["pending"] + work["active"]
    if listed:
        log_read(
            request,
            action=AuditAction.CASE_LISTED,
            sections=[Section.PERSON] if policy.may_read(user, Section.PERSON) else [],
            detail={"view": "dashboard", "count": len(listed)},
        )
    return work
