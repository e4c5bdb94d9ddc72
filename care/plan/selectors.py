"""Reads of the care plan — every one through the scoped managers (``visible_to``: the case's
scope) and the section policy, narrowed for the receiving departments.

Guarantees:

- A role that may not read the ``care_plan`` section finds no plan, goal or review at all
  (:class:`registry.errors.NotFound`, like an absent one).
- A **receiving department** (education, legal aid, labour: the roles whose scope is their
  referrals) reads only the goals its own department owns — a goal whose owner organization is
  the user's, or of the user's organization's department — never the assessment, the needs,
  the reviews, nor another department's goals, nor their history (:func:`own_department_goals`,
  :func:`assessment_readers_only`: the narrowing of the section's record kinds, so the API, the
  tab, the timeline, history and dossiers all follow).
- Callers log what they show (``registry.audit.log_read``, the ``care_plan`` section).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from care.choices import ApprovalStatus, GoalLinkKind
from care.models import CarePlan, Goal, Review
from registry import policy
from registry.casefile import record_dict
from registry.errors import NotFound
from registry.policy import Scope, Section
from victims.choices import Stage
from victims.models import Case

PLAN_FIELDS = ("assessed_on", "summary", "approval", "next_review_on", "created_by", "approved_by", "approved_at")
NEED_FIELDS = ("domain", "rating", "description")
GOAL_FIELDS = ("domain", "description", "owner", "target_on", "status", "status_reason", "closed_on", "links")
REVIEW_FIELDS = ("reviewed_on", "reviewer", "summary", "approval", "approved_by", "approved_at")
USER_FIELDS = ("created_by", "approved_by", "reviewer")
# Cases whose plan is no longer worked on: their reviews fall due no more.
ENDED_STAGES = (Stage.CLOSED, Stage.TRANSFERRED)
# The date each kind of linked record is known by ("School enrolment, 2026-03-01").
LINK_DATES = {
    GoalLinkKind.REFERRAL: "created_at",
    GoalLinkKind.SHELTER_PLACEMENT: "admitted_on",
    GoalLinkKind.SCHOOL_ENROLLMENT: "started_on",
    GoalLinkKind.VOCATIONAL_TRAINING: "started_on",
    GoalLinkKind.EMPLOYMENT_PLACEMENT: "started_on",
    GoalLinkKind.LEGAL_AID_MATTER: "applied_on",
    GoalLinkKind.RETURN_PLAN: "planned_on",
}


def receiving(user) -> bool:
    """Whether ``user``'s role is a receiving department's (its scope is its referrals)."""
    return policy.scope_of(user) is Scope.REFERRAL


def assessment_readers_only(user, rows):
    """``rows`` of plans, needs or reviews (or their history): none for a receiving department."""
    return rows.none() if receiving(user) else rows


def own_department_goals(user, rows):
    """``rows`` of goals (or their history): for a receiving department, those its organization
    or another organization of its department owns."""
    if not receiving(user):
        return rows
    if user.organization_id is None:
        return rows.none()
    return rows.filter(Q(owner_id=user.organization_id) | Q(owner__department=user.organization.department))


def record_with_users(record, fields: tuple[str, ...]) -> dict[str, Any]:
    """A record as the section shows it: users by username (as return plans name them)."""
    data = record_dict(record, fields)
    for name in USER_FIELDS:
        if name in data:
            user = getattr(record, name)
            data[name] = user.username if user is not None else None
    return data


def plan_dict(plan: CarePlan) -> dict[str, Any]:
    return record_with_users(plan, PLAN_FIELDS)


def review_dict(review: Review) -> dict[str, Any]:
    return record_with_users(review, REVIEW_FIELDS)


def check_readable(user) -> None:
    """NotFound unless the role reads the ``care_plan`` section (to it, no plan exists)."""
    if not policy.may_read(user, Section.CARE_PLAN):
        raise NotFound(_("No such care plan."))


def plan_for(user, case: Case) -> CarePlan:
    """The plan of ``case`` (a case from ``victims.selectors.case_for``); NotFound when the
    role may not read the section or the case has no plan yet. A receiving department gets the
    plan too — to reach the goals it reads, never to show the assessment."""
    check_readable(user)
    plan = CarePlan.objects.visible_to(user).filter(case=case).select_related("created_by", "approved_by").first()
    if plan is None:
        raise NotFound(_("This case has no care plan yet."))
    plan.case = case
    return plan


def goal_for(user, goal_id, *, case: Case | None = None) -> Goal:
    """The goal ``goal_id`` if ``user`` reads it (a receiving department: its department's);
    NotFound otherwise, also for a malformed id."""
    check_readable(user)
    rows = own_department_goals(user, Goal.objects.visible_to(user).select_related("case", "plan", "owner"))
    if case is not None:
        rows = rows.filter(case=case)
    return rows.one(goal_id, missing=_("No such goal."))


def review_for(user, review_id, *, case: Case | None = None) -> Review:
    """The review ``review_id`` if ``user`` reads reviews (never a receiving department)."""
    check_readable(user)
    rows = assessment_readers_only(user, Review.objects.visible_to(user).select_related("case", "reviewer"))
    if case is not None:
        rows = rows.filter(case=case)
    return rows.one(review_id, missing=_("No such review."))


def _dated_records(user, case: Case, kind: str, ids=None) -> dict[str, datetime.date]:
    """``{id: date}`` of the records of ``kind`` on ``case`` that ``user`` reads (none when the
    role may not read their section), ``ids`` only when given."""
    model = apps.get_model(kind)
    if not policy.may_read(user, model.section):
        return {}
    rows = model.objects.visible_to(user).filter(case=case)
    if ids is not None:
        rows = rows.filter(uuid__in=ids)
    found = {}
    for record, day in rows.values_list("uuid", LINK_DATES[GoalLinkKind(kind)]):
        found[str(record)] = timezone.localdate(day) if isinstance(day, datetime.datetime) else day
    return found


def link_label(kind: str, day: datetime.date | None) -> str:
    """How a linked record reads: its kind, and its date when the reader may know it."""
    label = str(GoalLinkKind(kind).label)
    return f"{label}, {day.isoformat()}" if day else label


def link_labels(user, case: Case, goals: list[dict]) -> dict[tuple[str, str], str]:
    """``{(kind, id): "School enrolment, 2026-03-01"}`` for the links of ``goals`` (dicts of the
    section): the kind's name and, for a role that reads the linked record's section, its date.
    One query per kind of record linked."""
    wanted: dict[str, set[str]] = {}
    for goal in goals:
        for link in goal["links"]:
            wanted.setdefault(link["kind"], set()).add(link["id"])
    labels = {}
    for kind, ids in wanted.items():
        dates = _dated_records(user, case, kind, ids)
        labels.update({(kind, record): link_label(kind, dates.get(record)) for record in ids})
    return labels


def linkable_records(user, case: Case) -> list[tuple[str, str]]:
    """The records of ``case`` the user reads that a goal may name, as ``("kind:id", label)``
    choices, by kind and date."""
    choices = []
    for kind in GoalLinkKind:
        dates = _dated_records(user, case, kind.value)
        for record, day in sorted(dates.items(), key=lambda item: (item[1] or datetime.date.min, item[0])):
            choices.append((f"{kind.value}:{record}", link_label(kind.value, day)))
    return choices


# --- the dashboard ----------------------------------------------------------------------------


def reviews_due(user, until: datetime.date):
    """The plans of open cases ``user`` sees whose next review falls on or before ``until``
    (overdue first): for a role that writes the care plan."""
    if not policy.may_write(user, Section.CARE_PLAN):
        return CarePlan.objects.none()
    return (
        CarePlan.objects.visible_to(user)
        .filter(next_review_on__lte=until)
        .exclude(case__stage__in=ENDED_STAGES)
        .order_by("next_review_on", "id")
    )


def awaiting_approval(user):
    """``(plans, reviews)`` awaiting approval that ``user`` may approve — never what the user
    wrote or changed (four eyes) — oldest first; empty for a role without ``approve_care_plan``."""
    if not policy.may(user, policy.Action.APPROVE_CARE_PLAN):
        return CarePlan.objects.none(), Review.objects.none()
    plans = (
        CarePlan.objects.visible_to(user)
        .filter(approval=ApprovalStatus.AWAITING_APPROVAL)
        .exclude(authors=user)
        .order_by("assessed_on", "id")
    )
    reviews = (
        Review.objects.visible_to(user)
        .filter(approval=ApprovalStatus.AWAITING_APPROVAL)
        .exclude(authors=user)
        .order_by("reviewed_on", "id")
    )
    return plans, reviews
