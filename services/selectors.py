"""Reads of the assistance services: the sections of the case file, one record, occupancy and
the dashboard's alerts.

Guarantees: every read of victim data starts from ``Model.objects.visible_to(user)`` (or a
case the caller got from ``victims.selectors.case_for``), so a case outside the user's scope
is never shown; a section the user's role may not read yields nothing. Occupancy is the one
aggregate: it counts every open placement of a shelter — beds are taken whoever's case fills
them — but names no person and lists only the shelters in the user's area. Callers log what
they show (``registry.audit.log_read``); the records' dicts (``*_dict``) are shown through the
sections declared in ``services/sections.py``, whose readers (``registry.casefile``) do.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from registry import policy
from registry.choices import RESIDENTIAL_KINDS
from registry.models import Organization
from registry.policy import Action, Section
from services.choices import ReturnPlanStatus
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from victims import validation
from victims.models import Case
from victims.operations import victim_age
from victims.selectors import case_record, case_records

SCHOOL_AGE = (6, 15)  # plan 三.6: 适龄儿童; compulsory schooling ages
NOT_ENROLLED_AFTER_DAYS = 30


# --- one record as the case file shows it ---------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _username(user) -> str | None:
    return user.username if user is not None else None


def _uuid(row) -> str | None:
    return str(row.uuid) if row is not None else None


def placement_dict(row: ShelterPlacement) -> dict[str, Any]:
    return {
        "id": str(row.uuid),
        "version": row.version,
        "shelter": str(row.shelter.uuid),
        "shelter_name": row.shelter.name,
        "admitted_on": _iso(row.admitted_on),
        "discharged_on": _iso(row.discharged_on),
        "discharge_reason": row.discharge_reason,
        "transferred_from": _uuid(row.transferred_from),
        "notes": row.notes,
    }


def enrollment_dict(row: SchoolEnrollment) -> dict[str, Any]:
    return {
        "id": str(row.uuid),
        "version": row.version,
        "school": row.school,
        "grade": row.grade,
        "started_on": _iso(row.started_on),
        "ended_on": _iso(row.ended_on),
        "attendance": row.attendance,
        "follow_up_notes": row.follow_up_notes,
    }


def training_dict(row: VocationalTraining) -> dict[str, Any]:
    return {
        "id": str(row.uuid),
        "version": row.version,
        "provider": row.provider,
        "programme": row.programme,
        "started_on": _iso(row.started_on),
        "ended_on": _iso(row.ended_on),
        "outcome": row.outcome,
        "certificate": row.certificate,
    }


def employment_dict(row: EmploymentPlacement) -> dict[str, Any]:
    return {
        "id": str(row.uuid),
        "version": row.version,
        "employer": row.employer,
        "job_title": row.job_title,
        "started_on": _iso(row.started_on),
        "ended_on": _iso(row.ended_on),
        "verified_by": _username(row.verified_by),
        "verified_on": _iso(row.verified_on),
    }


def return_plan_dict(row: ReturnPlan) -> dict[str, Any]:
    return {
        "id": str(row.uuid),
        "version": row.version,
        "pathway": row.pathway,
        "status": row.status,
        "destination_code": row.destination_code,
        "destination_country": row.destination_country,
        "household": _uuid(row.household),
        "receiving_party": row.receiving_party,
        "police_unit": row.police_unit,
        "civil_affairs_unit": row.civil_affairs_unit,
        "escort": row.escort,
        "planned_on": _iso(row.planned_on),
        "notes": row.notes,
        "wish": row.wish,
        "wish_statement": row.wish_statement,
        "wish_recorded_on": _iso(row.wish_recorded_on),
        "bid_assessed_by": row.bid_assessed_by,
        "bid_on": _iso(row.bid_on),
        "bid_child_heard": row.bid_child_heard,
        "bid_conclusion": row.bid_conclusion,
        "created_by": _username(row.created_by),
        "approved_by": _username(row.approved_by),
        "approved_at": row.approved_at.isoformat() if row.approved_at else None,
        "handover_on": _iso(row.handover_on),
        "handover_record": row.handover_record,
        "cancellation_reason": row.cancellation_reason,
        "decision_comment": row.decision_comment,
    }


def visit_status(row: FollowUpVisit, today: datetime.date | None = None) -> str:
    """``done``, ``waived``, ``overdue`` (due date passed) or ``scheduled``."""
    if row.visited_on is not None:
        return "done"
    if row.waived_on is not None:
        return "waived"
    return "overdue" if row.due_on < (today or validation.today()) else "scheduled"


def visit_dict(row: FollowUpVisit, today: datetime.date | None = None) -> dict[str, Any]:
    return {
        "id": str(row.uuid),
        "version": row.version,
        "return_plan": _uuid(row.return_plan),
        "due_on": _iso(row.due_on),
        "status": visit_status(row, today),
        "visited_on": _iso(row.visited_on),
        "visitor": row.visitor,
        "living_conditions": row.living_conditions,
        "needs": row.needs,
        "waived_on": _iso(row.waived_on),
        "waived_by": _username(row.waived_by),
        "waiver_reason": row.waiver_reason,
    }


def case_service_records(user, case: Case, model) -> list[dict[str, Any]]:
    """The records of kind ``model`` on ``case`` (from ``case_for``); NotFound when the role may
    not read the kind's section, exactly like a kind that does not exist."""
    return case_records(user, case, model)


# One record of a kind on a case: the victim file's lookup serves these models too (NotFound when
# absent, malformed, on another case, or in a section the role may not read).
case_service_record = case_record


# --- shelters and occupancy -----------------------------------------------------------------


def shelters_within_reach(user) -> QuerySet[Organization]:
    """The active shelters, welfare homes and children's welfare institutions in the user's
    area — within the user's jurisdiction, or the user's own organization — for a role that
    may read the shelter section; none for any other. Admissions and transfers choose from
    these; occupancy lists these."""
    if not policy.may_read(user, Section.SHELTER):
        return Organization.objects.none()
    area = Q(jurisdiction__code__startswith=user.jurisdiction.code)
    if user.organization_id:
        area |= Q(pk=user.organization_id)
    return Organization.objects.filter(area, kind__in=RESIDENTIAL_KINDS, is_active=True)


def nearly_full(capacity: int, occupied: int) -> bool:
    """At least 90 per cent of the beds taken, or at most one bed left."""
    return occupied * 10 >= capacity * 9 or capacity - occupied <= 1


def shelter_occupancy(user) -> list[dict[str, Any]]:
    """One row per shelter in the user's area: ``id``, ``name``, ``kind``, ``jurisdiction``
    (code), ``capacity``, ``occupied`` (open placements, of every case), ``free`` and
    ``nearly_full``. Aggregate only: no case, no person. One query."""
    shelters = (
        shelters_within_reach(user)
        .select_related("jurisdiction")
        .annotate(occupied=Count("placements", filter=Q(placements__discharged_on__isnull=True)))
        .order_by("jurisdiction__code", "name")
    )
    return [
        {
            "id": str(shelter.uuid),
            "name": shelter.name,
            "kind": shelter.kind,
            "jurisdiction": shelter.jurisdiction.code,
            "capacity": shelter.capacity,
            "occupied": shelter.occupied,
            "free": max(shelter.capacity - shelter.occupied, 0),
            "nearly_full": nearly_full(shelter.capacity, shelter.occupied),
        }
        for shelter in shelters
    ]


# --- alerts of the dashboard ----------------------------------------------------------------


def shelters_nearly_full(user) -> list[dict[str, Any]]:
    """The rows of :func:`shelter_occupancy` with at least 90 per cent of the beds taken or one bed left."""
    return [row for row in shelter_occupancy(user) if row["nearly_full"]]


def overdue_follow_ups(user, today: datetime.date | None = None) -> QuerySet[FollowUpVisit]:
    """Follow-up visits of cases the user sees whose due date has passed, neither done nor
    waived, oldest first (with their case); none for a role that may not read follow-ups."""
    if not policy.may_read(user, Section.FOLLOW_UPS):
        return FollowUpVisit.objects.none()
    return (
        FollowUpVisit.objects.visible_to(user)
        .filter(due_on__lt=today or validation.today(), visited_on__isnull=True, waived_on__isnull=True)
        .select_related("case")
        .order_by("due_on", "id")
    )


def return_plans_awaiting_approval(user) -> QuerySet[ReturnPlan]:
    """Plans of cases the user sees that wait for approval and that the user may approve: for
    a role with ``approve_return``, leaving out the plans the user created or ever amended (four
    eyes, on the recorded ``ReturnPlan.authors``)."""
    if not policy.may(user, Action.APPROVE_RETURN):
        return ReturnPlan.objects.none()
    return (
        ReturnPlan.objects.visible_to(user)
        .filter(status=ReturnPlanStatus.AWAITING_APPROVAL)
        .exclude(authors=user)
        .select_related("case")
        .order_by("created_at", "id")
    )


def current_enrollments(today: datetime.date) -> QuerySet[SchoolEnrollment]:
    """Enrolments not ended by ``today`` (one that starts next term counts: the place is arranged)."""
    return SchoolEnrollment.objects.current().filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))


def sheltered_since(placements: list[ShelterPlacement]) -> datetime.date | None:
    """The first day of the present continuous stay in shelter (transfers do not interrupt
    it: the next stay begins the day the previous one ends), or ``None`` when not sheltered."""
    stays = sorted(placements, key=lambda row: (row.admitted_on, row.id), reverse=True)
    if not stays or stays[0].discharged_on is not None:
        return None
    since = stays[0].admitted_on
    for earlier in stays[1:]:
        if earlier.discharged_on != since:
            break
        since = earlier.admitted_on
    return since


def children_not_enrolled(user, today: datetime.date | None = None) -> list[dict[str, Any]]:
    """Children aged 6 to 15 who have been in shelter for more than 30 days without a current
    school enrolment (plan 三.6), in the cases the user sees, longest waiting first: each a
    dict ``{"case": Case, "age": int, "sheltered_since": date}``. For a role that may read the
    schooling section; a person without a recorded birth date is not counted (the schooling
    operations refuse them until one is recorded). Two queries, whatever the number of cases;
    each case is loaded with its ``uuid``, ``number``, ``stage``, ``opened_on`` and the victim's
    ``full_name`` and ``birth_date`` only (nothing else is decrypted)."""
    if not policy.may_read(user, Section.SCHOOLING):
        return []
    today = today or validation.today()
    cutoff = today - datetime.timedelta(days=NOT_ENROLLED_AFTER_DAYS)
    cases = (
        Case.objects.visible_to(user)
        .filter(pk__in=ShelterPlacement.objects.filter(discharged_on__isnull=True).values("case_id"))
        .exclude(pk__in=current_enrollments(today).values("case_id"))
        .select_related("victim")
        .only("uuid", "number", "stage", "opened_on", "victim__full_name", "victim__birth_date")
    )
    cases = list(cases)
    stays: dict[int, list[ShelterPlacement]] = {}
    for row in ShelterPlacement.objects.filter(case__in=[case.pk for case in cases]).only(
        "id", "case_id", "admitted_on", "discharged_on"
    ):
        stays.setdefault(row.case_id, []).append(row)
    found = []
    for case in cases:
        since = sheltered_since(stays.get(case.pk, []))
        if since is None or since >= cutoff:
            continue
        age = victim_age(case.victim, on=today)
        if age is not None and SCHOOL_AGE[0] <= age <= SCHOOL_AGE[1]:
            found.append({"case": case, "age": age, "sheltered_since": since})
    return sorted(found, key=lambda item: (item["sheltered_since"], item["case"].pk))
