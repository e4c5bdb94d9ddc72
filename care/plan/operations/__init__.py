"""Every change to the care plan (DESIGN §2, §3; STYLE "one operation per business action").

Each operation is keyword-only and takes the acting user. It checks the policy (the
``care_plan`` section, or ``approve_care_plan``), locks the case and then the row whose state
changes inside one transaction, compares the version the caller read (412), validates
(``full_clean`` and the rules of its module), saves inside ``recorded_change`` so history names
the actor and the reason, and writes its audit event in the same transaction.

Split by record: :mod:`.plans` (the assessment with its needs, approval), :mod:`.goals`
(goals and the case's close check), :mod:`.reviews` (reviews and their approval);
:mod:`.common` holds what they share (who is a child, the review interval, the lock on the
plan). This package exports their public API, so callers import from ``care.plan.operations``.
"""

from care.plan.operations.common import is_child, review_days, review_interval
from care.plan.operations.goals import (
    GOAL_FIELDS,
    MAX_LINKS,
    goal_close,
    goal_create,
    goal_update,
    refuse_close_with_open_goals,
)
from care.plan.operations.plans import NEED_FIELDS, PLAN_FIELDS, care_plan_approve, care_plan_create, care_plan_update
from care.plan.operations.reviews import REVIEW_FIELDS, review_approve, review_create

__all__ = [
    "GOAL_FIELDS",
    "MAX_LINKS",
    "NEED_FIELDS",
    "PLAN_FIELDS",
    "REVIEW_FIELDS",
    "care_plan_approve",
    "care_plan_create",
    "care_plan_update",
    "goal_close",
    "goal_create",
    "goal_update",
    "is_child",
    "refuse_close_with_open_goals",
    "review_approve",
    "review_create",
    "review_days",
    "review_interval",
]
