"""Follow-up visits after the return (DESIGN §2 rule 7, plan 三.3 跟踪了解其生活状况).

Visits are scheduled by ``return_plan_complete``; a caseworker may schedule more
(:func:`visit_schedule`), records each one (:func:`visit_record`), and a civil affairs officer
may waive one with a reason (:func:`visit_waive`). A case closes only when every scheduled
visit is done or waived (:func:`refuse_close_with_outstanding_visits`, a close check of
``victims.operations.case_close``) — visits not yet due included: closing ends the follow-up,
so visits still planned must be waived, with a reason, by the officer who closes.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import full_clean, require_room
from registry.policy import Action, Section, require_action, require_write
from services.models import FollowUpVisit
from services.operations.common import audit
from victims import validation
from victims.choices import Stage
from victims.models import Case
from victims.operations import lock_case, lock_record

RECORD_FIELDS = frozenset({"visited_on", "visitor", "living_conditions", "needs"})


def visit_schedule(*, actor, case: Case, due_on: datetime.date) -> FollowUpVisit:
    """Schedule one more follow-up visit on a returned case (caseworker). 409
    ``case_not_returned`` before the return (visits follow it), ``too_many_records`` when the
    case holds ``REGISTRY_MAX_RECORDS_PER_KIND`` visits; audit ``record_created``."""
    require_write(actor, Section.FOLLOW_UPS)
    if due_on is None:
        raise RuleViolation(_("Give the due date."), field="due_on")
    with transaction.atomic(), recorded_change(actor=actor, reason="follow-up visit scheduled"):
        locked = lock_case(actor, case)
        if locked.stage != Stage.RETURNED:
            raise Conflict(_("Follow-up visits are scheduled after the return."), code="case_not_returned")
        require_room(FollowUpVisit, locked)
        visit = FollowUpVisit(case=locked, due_on=due_on)
        validation.check_chronology(visit, locked)
        full_clean(visit, exclude=["case", "return_plan"])
        visit.save()
        audit(actor, AuditAction.RECORD_CREATED, visit, "schedule")
    return visit


def visit_record(*, actor, visit: FollowUpVisit, expected_version: int, changes: dict) -> FollowUpVisit:
    """Record a visit — ``visited_on`` (not in the future), ``visitor``, ``living_conditions``,
    ``needs`` — or correct what was recorded, at the version read (412 when stale). The visit
    date and the visitor are required once recorded. 409 ``visit_waived`` for a waived visit."""
    require_write(actor, Section.FOLLOW_UPS)
    unknown = set(changes) - RECORD_FIELDS
    if unknown:
        raise RuleViolation(_("Unknown field."), field=sorted(unknown)[0])
    with transaction.atomic(), recorded_change(actor=actor, reason="follow-up visit recorded"):
        locked = lock_record(actor, visit, expected_version)
        if locked.waived_on is not None:
            raise Conflict(_("This visit was waived."), code="visit_waived")
        for name, value in changes.items():
            setattr(locked, name, value)
        if locked.visited_on is None:
            raise RuleViolation(_("Give the date of the visit."), field="visited_on")
        validation.check_not_future(locked.visited_on, "visited_on")
        if not (locked.visitor or "").strip():
            raise RuleViolation(_("Name who visited."), field="visitor")
        validation.check_chronology(locked, locked.case)
        locked.version += 1
        full_clean(locked, exclude=["case", "return_plan", "waived_by"])
        locked.save()
        audit(actor, AuditAction.RECORD_UPDATED, locked, "visit", fields=sorted(changes))
    return locked


def visit_waive(*, actor, visit: FollowUpVisit, expected_version: int, reason: str) -> FollowUpVisit:
    """A civil affairs officer waives an outstanding visit, giving the reason (kept encrypted).

    Civil affairs only reads the follow-up section; waiving is part of its authority to end
    the follow-up and close the case, so it is checked as ``Action.CLOSE_CASE`` (403 without
    it), not as a write of the section. 409 ``visit_not_outstanding`` for a visit done or
    already waived; 400 without a reason; audit ``record_updated``."""
    require_action(actor, Action.CLOSE_CASE)
    if not (reason or "").strip():
        raise RuleViolation(_("Give the reason for waiving the visit."), field="reason")
    with transaction.atomic(), recorded_change(actor=actor, reason="follow-up visit waived"):
        locked = lock_record(actor, visit, expected_version)
        if locked.visited_on is not None or locked.waived_on is not None:
            raise Conflict(_("Only an outstanding visit can be waived."), code="visit_not_outstanding")
        locked.waived_on = validation.today()
        locked.waived_by = actor
        locked.waiver_reason = reason.strip()
        locked.version += 1
        full_clean(locked, exclude=["case", "return_plan", "waived_by"])
        locked.save()
        audit(actor, AuditAction.RECORD_UPDATED, locked, "waive")
    return locked


def refuse_close_with_outstanding_visits(case: Case) -> None:
    """Close check: 409 ``follow_ups_outstanding`` while any scheduled visit is neither done
    nor waived (due or not yet due)."""
    outstanding = FollowUpVisit.objects.filter(case=case, visited_on__isnull=True, waived_on__isnull=True).count()
    if outstanding:
        raise Conflict(
            ngettext(
                "%(count)s follow-up visit is neither done nor waived; record or waive it first.",
                "%(count)s follow-up visits are neither done nor waived; record or waive them first.",
                outstanding,
            )
            % {"count": outstanding},
            code="follow_ups_outstanding",
        )
