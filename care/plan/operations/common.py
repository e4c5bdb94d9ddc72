"""What the care plan's operations share: who counts as a child, the review interval and the
date the next review is due, the lock on a case's plan, the checks of every save, the four-eyes
approval of a plan or a review, and the audit event (``services.operations.common.audit``).

- **A child** is a person whose case's age band (the age at rescue, ``Case.age_band``) is not
  ``18_plus``; an ``unknown`` band counts as a child, the safe side (more frequent reviews and
  four eyes), as ``services.operations.common.is_minor`` treats a missing birth date.
- **Reviews** fall every ``CARE_PLAN_REVIEW_DAYS_CHILD`` days for a child (30 by default), every
  ``CARE_PLAN_REVIEW_DAYS_ADULT`` (90) for an adult, from the last review's date, else from the
  assessment: ``CarePlan.next_review_on``, recomputed by every operation that changes one of them.
- Locks are taken case → plan → its record, the order of ``registry.operations.lock_for_change``.
- Audit events carry no free text: the model, the record's id, the step, choices and the names
  of changed fields.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from care.choices import ApprovalStatus
from care.models import CarePlan, Review
from registry.errors import Conflict, PermissionDenied, RuleViolation
from registry.operations import full_clean
from services.operations.common import audit  # noqa: F401 - shared by the operations
from victims import validation
from victims.choices import AgeBand
from victims.models import Case

# A case's age band that is not one of a child (``unknown`` is a child: the safe side).
ADULT_BANDS = frozenset({AgeBand.ADULT})


def is_child(case: Case) -> bool:
    """Whether the care plan of ``case`` follows a child's rules (see the module's docstring)."""
    return case.age_band not in ADULT_BANDS


def review_interval(case: Case) -> datetime.timedelta:
    """Days between two reviews of the plan of ``case``: a child's, else an adult's."""
    return datetime.timedelta(days=review_days()["child" if is_child(case) else "adult"])


def review_days() -> dict[str, int]:
    """The review intervals in days, ``{"child": 30, "adult": 90}`` by default."""
    return {"child": settings.CARE_PLAN_REVIEW_DAYS_CHILD, "adult": settings.CARE_PLAN_REVIEW_DAYS_ADULT}


def refresh_next_review(plan: CarePlan) -> None:
    """Set ``plan.next_review_on``: the last review's date, else the assessment's, plus the
    interval of the case (not saved: the caller saves the plan it holds locked)."""
    last = Review.objects.filter(plan=plan).aggregate(day=Max("reviewed_on"))["day"] if plan.pk else None
    plan.next_review_on = (last or plan.assessed_on) + review_interval(plan.case)


def lock_plan(case: Case) -> CarePlan:
    """The plan of the locked ``case``, locked (to add a goal or a review to it); 409
    ``no_care_plan`` when it has none."""
    plan = CarePlan.objects.select_for_update().filter(case=case).first()
    if plan is None:
        raise Conflict(_("This case has no care plan yet: write the needs assessment first."), code="no_care_plan")
    plan.case = case
    return plan


def check_fields(data: dict, allowed) -> None:
    """400 naming the first field of ``data`` that is not one of ``allowed``."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise RuleViolation(_("Unknown field."), field=unknown[0])


def require_date(value, field: str) -> None:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise RuleViolation(_("Give the date."), field=field)


def stripped(value) -> str:
    return value.strip() if isinstance(value, str) else value


def check_record(record) -> None:
    """The dates in the order life allows (``validation.check_chronology``: an assessment, a
    review or a target not before the person's birth), then the model's own rules
    (``full_clean``: choices, lengths, constraints) over the fields the operation set; foreign
    keys set by the operation itself are excluded."""
    validation.check_chronology(record, record.case)
    full_clean(record, exclude=["case", "plan", "owner", "created_by", "reviewer", "approved_by"])


def approve(actor, record, refusal: str) -> None:
    """Mark the locked ``record`` (a plan or a review) approved by ``actor``: 409 unless it
    awaits approval, 403 ``four_eyes`` when ``actor`` wrote or changed it (not saved)."""
    if record.approval != ApprovalStatus.AWAITING_APPROVAL:
        raise Conflict(
            _("Only what awaits approval can be approved; this is “%(approval)s”.")
            % {"approval": ApprovalStatus(record.approval).label},
            field="approval",
            code="not_awaiting_approval",
        )
    if record.authors.filter(pk=actor.pk).exists():
        raise PermissionDenied(refusal, code="four_eyes")
    record.approval = ApprovalStatus.APPROVED
    record.approved_by = actor
    record.approved_at = timezone.now()
