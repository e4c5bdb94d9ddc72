"""Who is reminded, found for all the items of one kind at once (no query per item).

- **The case team**: the case's assigned caseworkers who are active and still of its lead
  organization; when it has none, the active caseworkers of the lead organization.
- **An organization's staff of a role**: the active accounts of that role in the organization
  (the receiving department of a referral, a legal aid centre).
- **Civil affairs over a case**: the active civil affairs officers whose jurisdiction contains
  the case's (``inbox.notify.civil_affairs_over``, matched here for many cases at once).

Each function costs one or two queries whatever the number of items: it takes the items' query
(a ``QuerySet`` of the reminded records) as a subquery, never a list of ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import F, QuerySet

from registry.choices import Role
from victims.models import Case


def case_teams(records: QuerySet) -> dict[int, set[int]]:
    """``{case id: {user id, …}}``: the case team (see the module) of every case of ``records``,
    a query of case records. Three queries."""
    case_ids = records.values("case_id")
    assigned = Case.assigned_caseworkers.through.objects.filter(
        case_id__in=case_ids,
        user__is_active=True,
        user__role=Role.CASEWORKER,
        user__organization_id=F("case__lead_organization_id"),
    ).values_list("case_id", "user_id")
    teams: dict[int, set[int]] = defaultdict(set)
    for case_id, user_id in assigned:
        teams[case_id].add(user_id)
    leads = dict(Case.objects.filter(id__in=case_ids).values_list("id", "lead_organization_id"))
    unassigned = {case_id: lead for case_id, lead in leads.items() if case_id not in teams}
    if unassigned:
        staff = organization_staff(set(unassigned.values()), [Role.CASEWORKER])
        for case_id, lead in unassigned.items():
            teams[case_id] = set(staff.get((lead, Role.CASEWORKER), ()))
    return teams


def organization_staff(
    organization_ids: QuerySet | Iterable[int], roles: Iterable[Role]
) -> dict[tuple[int, str], set[int]]:
    """``{(organization id, role): {user id, …}}``: the active accounts of one of ``roles`` in those
    organizations. One query."""
    staff: dict[tuple[int, str], set[int]] = defaultdict(set)
    rows = (
        get_user_model()
        .objects.filter(is_active=True, role__in=list(roles), organization_id__in=organization_ids)
        .values_list("organization_id", "role", "id")
    )
    for organization_id, role, user_id in rows:
        staff[organization_id, role].add(user_id)
    return staff


def civil_affairs_officers() -> list[tuple[str, int]]:
    """``[(jurisdiction code, user id), …]`` of every active civil affairs officer. One query
    (a province has a few hundred at most)."""
    return list(
        get_user_model().objects.filter(is_active=True, role=Role.CIVIL_AFFAIRS).values_list("jurisdiction__code", "id")
    )


def over(officers: list[tuple[str, int]], jurisdiction_code: str) -> set[int]:
    """The officers (from :func:`civil_affairs_officers`) whose jurisdiction contains ``jurisdiction_code``."""
    return {user_id for code, user_id in officers if jurisdiction_code.startswith(code)}
