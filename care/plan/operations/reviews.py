"""Reviews of the care plan: written by the caseworker, a child's approved by civil affairs.

- A review is dated (not in the future, not before the assessment) and says what was found
  (encrypted); its reviewer is the actor. The plan's ``next_review_on`` moves to the latest
  review's date plus the case's interval (30 days for a child, 90 for an adult).
- A **child's** review waits for the approval of a civil affairs officer who did not write it
  (403 ``four_eyes``); 409 ``not_awaiting_approval`` for one that does not wait.
- Reviews are not amended: a later review says what changed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from care.choices import ApprovalStatus
from care.models import CarePlan, Review
from care.plan.operations.common import (
    approve,
    audit,
    check_fields,
    check_record,
    is_child,
    lock_plan,
    refresh_next_review,
    require_date,
    stripped,
)
from inbox.choices import NotificationKind
from inbox.notify import civil_affairs_over, notify, settle
from registry.decisions import decision_comment
from registry.errors import RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import require_room
from registry.policy import Action, Section, require_action, require_write
from victims import validation
from victims.operations import lock_case, lock_record

REVIEW_FIELDS = ("reviewed_on", "summary")


def review_create(*, actor, plan: CarePlan, data: dict) -> Review:
    """Record a review of ``plan``: ``reviewed_on`` (a date, not in the future, not before the
    assessment) and ``summary`` (required). A child's review awaits approval. 403 unless the
    actor writes the care plan, 400 naming the field, 409 ``too_many_records``. Audit
    ``record_created`` (the review) and ``record_updated`` (the plan's next review date)."""
    require_write(actor, Section.CARE_PLAN)
    check_fields(data, REVIEW_FIELDS)
    reviewed_on = data.get("reviewed_on")
    require_date(reviewed_on, "reviewed_on")
    validation.check_not_future(reviewed_on, "reviewed_on")
    summary = stripped(data.get("summary") or "")
    if not summary:
        raise RuleViolation(_("Say what the review found."), field="summary")
    with transaction.atomic(), recorded_change(actor=actor, reason="care plan reviewed"):
        locked_case = lock_case(actor, plan.case)
        locked = lock_plan(locked_case)
        if reviewed_on < locked.assessed_on:
            raise RuleViolation(_("A review comes after the assessment."), field="reviewed_on")
        require_room(Review, locked_case)
        approval = ApprovalStatus.AWAITING_APPROVAL if is_child(locked_case) else ApprovalStatus.NOT_REQUIRED
        review = Review(
            case=locked_case, plan=locked, reviewed_on=reviewed_on, reviewer=actor, summary=summary, approval=approval
        )
        check_record(review)
        review.save()
        review.authors.add(actor)  # four eyes: the reviewer may not approve it
        if approval == ApprovalStatus.AWAITING_APPROVAL:
            notify(
                NotificationKind.CARE_PLAN_TO_APPROVE,
                civil_affairs_over(locked_case.jurisdiction.code),
                case=locked_case,
                subject=review,
                actor=actor,
            )
        refresh_next_review(locked)
        locked.save(update_fields=["next_review_on"])
        audit(actor, AuditAction.RECORD_CREATED, review, "create", approval=approval)
        audit(actor, AuditAction.RECORD_UPDATED, locked, "review", next_review_on=locked.next_review_on.isoformat())
    return review


def review_approve(*, actor, review: Review, expected_version: int, comment: str = "") -> Review:
    """A civil affairs officer who did not write the review approves it (four eyes). 403
    without ``approve_care_plan``, 403 ``four_eyes`` for its author, 409
    ``not_awaiting_approval``, 412 when stale. ``comment`` (optional) is kept, encrypted, on
    the review (``registry.decisions``). Audit ``approval_granted``."""
    require_action(actor, Action.APPROVE_CARE_PLAN)
    comment = decision_comment(Review, comment, required=False)
    with transaction.atomic(), recorded_change(actor=actor, reason="care plan review approved"):
        locked = lock_record(actor, review, expected_version)
        approve(actor, locked, _("A child's review is approved by a civil affairs officer who did not write it."))
        locked.decision_comment = comment
        locked.version += 1
        locked.save()
        settle([NotificationKind.CARE_PLAN_TO_APPROVE], locked)
        audit(actor, AuditAction.APPROVAL_GRANTED, locked, "approve")
    return locked
