"""The legal aid part of a synthetic journey: the matter a legal aid centre opens from its
accepted legal aid referral of the case, its status steps and the work recorded on it — what
``legal_aid.operations`` would write, written by the bulk writer instead.

As in ``benchmarks.journeys.services``: the matter is drawn first (:func:`draw`, pure data from
the person's plan, ``journey.rng("legal_aid")`` and the run's turn), then written by
:func:`step` (the generator) or by :func:`through_operations` (each step through its
operation, what ``tests/benchmarks/test_generate.py`` compares the generator with).

The drawing follows ``legal_aid.seed`` (its kinds of matter by exploitation, texts, hours and
outcomes) and keeps the operations' rules:

- a matter only from an *accepted* legal aid referral (``victims.seed`` accepts and completes
  referrals in the registration step; a completed one leaves the record read-only, so it gets
  no matter), opened for the receiving centre by the city's legal aid worker, who is also the
  assigned lawyer;
- statuses in order — applied → accepted | rejected, accepted → in progress → concluded, or
  accepted → concluded as withdrawn; the first matters of a run take every kind in turn;
- dates never in the future and in the matter's order (applied, decided, started, concluded,
  compensation received), none before the case was opened; compensation only on a concluded
  matter, the amount received at most the amount awarded;
- activities only while the matter is open (applied, accepted, in progress); the latest leaves
  the next step and its due date (some already overdue).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from benchmarks.bulk import Row, Writer
from benchmarks.journeys import Generation, Journey
from benchmarks.journeys.services import case_rows
from legal_aid import operations
from legal_aid.choices import ActivityKind, MatterStatus, MatterType, Outcome
from legal_aid.models import LegalAidActivity, LegalAidMatter
from legal_aid.seed import (
    ACTIVITIES,
    FICTION,
    HOURS,
    MONEY_MATTERS,
    NEXT_STEPS,
    OUTCOME_TEXT,
    OUTCOMES,
    REASONS,
    SUMMARIES,
    likely_matters,
)
from registry.models import AuditAction
from registry.policy import Section
from victims.choices import Service
from victims.models import Case, Referral
from victims.synthetic import weighted

SHARE = 0.8  # of the accepted legal aid referrals that get a matter
# How far a matter gets, by weight; the first matters of a run take each in turn.
REACHED = {"applied": 12, "accepted": 8, "rejected": 5, "withdrawn": 3, "in_progress": 44, "concluded": 28}
FIRST_REACHED = ("in_progress", "concluded", "applied", "rejected", "accepted", "withdrawn")


@dataclass(frozen=True)
class ActivityPlan:
    """``activity_add``'s arguments."""

    kind: ActivityKind
    occurred_on: datetime.date
    hours: Decimal
    notes: str
    next_step: str | None = None
    next_step_due: datetime.date | None = None


@dataclass(frozen=True)
class MatterPlan:
    """``matter_open``, activities while applied, ``matter_decide``, ``matter_start`` and
    activities, ``matter_conclude`` — as far as ``reached``."""

    reached: str
    matter_type: MatterType
    summary: str
    applied_on: datetime.date
    early: tuple[ActivityPlan, ...] = ()  # while applied
    decision: str | None = None  # "accept" or "reject"
    decided_on: datetime.date | None = None
    decision_reason: str = ""
    started_on: datetime.date | None = None
    activities: tuple[ActivityPlan, ...] = ()  # while in progress
    outcome: Outcome | None = None
    concluded_on: datetime.date | None = None
    outcome_description: str = ""
    compensation_awarded: Decimal | None = None
    compensation_received: Decimal | None = None
    compensation_received_on: datetime.date | None = None


class _Days:
    """Dates that move forward from ``start`` and never pass today (``legal_aid.seed._Clock``)."""

    def __init__(self, rng: random.Random, start: datetime.date, today: datetime.date) -> None:
        self.rng, self.day, self.today = rng, min(start, today), today

    def after(self, low: int, high: int) -> datetime.date:
        self.day = min(self.day + datetime.timedelta(days=self.rng.randint(low, high)), self.today)
        return self.day


def _activity(rng: random.Random, days: _Days, *, last: bool, kinds) -> ActivityPlan:
    kind = rng.choice(kinds)
    occurred_on = days.after(1, 20)
    next_step = due = None
    if last:  # the latest activity leaves the matter's next step; some are overdue already
        next_step = rng.choice(NEXT_STEPS)
        due = max(days.today + datetime.timedelta(days=rng.randint(-5, 30)), occurred_on)
    return ActivityPlan(kind, occurred_on, rng.choice(HOURS), rng.choice(ACTIVITIES[kind]) + FICTION, next_step, due)


def draw(journey: Journey, generation: Generation) -> MatterPlan | None:
    """The person's legal aid matter, or None (no accepted legal aid referral, or none drawn).
    Call once per person, in order (the first matters of a run take each kind in turn)."""
    plan, today = journey.plan, generation.today
    if not any(r.service == Service.LEGAL_AID and r.outcome == "accepted" for r in plan.referrals):
        return None
    rng = journey.rng("legal_aid")
    turn = generation.state.get("legal_aid_turn", 0)
    if turn < len(FIRST_REACHED):
        reached = FIRST_REACHED[turn]
    elif rng.random() < SHARE:
        reached = weighted(rng, REACHED)
    else:
        return None
    generation.state["legal_aid_turn"] = turn + 1
    matter_type = weighted(rng, likely_matters(plan.rescue.get("exploitation")))
    days = _Days(rng, plan.opened_on, today)
    matter = {
        "reached": reached,
        "matter_type": matter_type,
        "summary": SUMMARIES[matter_type] + FICTION,
        "applied_on": days.after(3, 20),
    }
    if reached == "applied":
        if rng.random() < 0.5:
            matter["early"] = (_activity(rng, days, last=True, kinds=(ActivityKind.CONSULTATION,)),)
        return MatterPlan(**matter)
    decision = "reject" if reached == "rejected" else "accept"
    matter |= {"decision": decision, "decided_on": days.after(0, 7), "decision_reason": REASONS[decision] + FICTION}
    if reached in ("accepted", "rejected"):
        return MatterPlan(**matter)
    if reached == "withdrawn":  # the person withdrew before the work began
        concluded_on = days.after(0, 20)
        return MatterPlan(
            **matter,
            outcome=Outcome.WITHDRAWN,
            concluded_on=concluded_on,
            outcome_description=OUTCOME_TEXT[Outcome.WITHDRAWN] + FICTION,
        )
    matter["started_on"] = days.after(0, 10)
    count = rng.randint(1, 3)
    matter["activities"] = tuple(
        _activity(rng, days, last=number == count - 1 and reached == "in_progress", kinds=tuple(ActivityKind))
        for number in range(count)
    )
    if reached == "in_progress":
        return MatterPlan(**matter)
    outcome = weighted(rng, OUTCOMES)
    awarded = received = received_on = None
    if outcome != Outcome.WITHDRAWN and matter_type in MONEY_MATTERS:
        awarded = Decimal(rng.randrange(5_000, 80_000, 500))
        received = (awarded * Decimal(rng.choice(("0", "0.3", "0.5", "1")))).quantize(Decimal("0.01")) or None
    concluded_on = days.after(0, 30)
    if received:
        received_on = days.after(0, 20)
    return MatterPlan(
        **matter,
        outcome=outcome,
        concluded_on=concluded_on,
        outcome_description=OUTCOME_TEXT[outcome] + FICTION,
        compensation_awarded=awarded,
        compensation_received=received,
        compensation_received_on=received_on,
    )


# --- the generator: the rows the operations write ---------------------------------------------


def _event(writer: Writer, journey: Journey, actor, action: AuditAction, row: Row, **detail) -> None:
    """The audit event of ``legal_aid.operations.common.save_audited``."""
    writer.event(
        action,
        actor=actor,
        case=journey.case,
        sections=[Section.LEGAL_AID],
        detail={"model": row.model._meta.model_name, "record": str(row["uuid"]), **detail},
    )


def _add_activity(writer: Writer, journey: Journey, worker, matter: Row, activity: ActivityPlan) -> None:
    """``activity_add``."""
    row = writer.add(
        LegalAidActivity,
        {
            "case": journey.case,
            "matter": matter,
            "kind": activity.kind,
            "occurred_on": activity.occurred_on,
            "hours": activity.hours,
            "notes": activity.notes,
            "next_step": activity.next_step,
            "next_step_due": activity.next_step_due,
            "recorded_by": worker,
        },
        actor=worker,
        reason="legal aid activity recorded",
    )
    _event(writer, journey, worker, AuditAction.RECORD_CREATED, row, matter=str(matter["uuid"]))


def _change(writer: Writer, journey: Journey, worker, matter: Row, changes: dict, reason: str) -> None:
    """A status step (``matter_decide``, ``matter_start``, ``matter_conclude``)."""
    writer.change(matter, {**changes, "version": matter["version"] + 1}, actor=worker, reason=reason)
    _event(writer, journey, worker, AuditAction.RECORD_UPDATED, matter, status=MatterStatus(matter["status"]).value)


def step(journey: Journey, writer: Writer, generation: Generation) -> None:
    """The person's legal aid matter (:func:`draw`), written as its operations write it, in
    the order :func:`through_operations` calls them."""
    drawn = draw(journey, generation)
    if drawn is None:
        return
    worker = journey.staff.receivers[Service.LEGAL_AID]
    referral = next(row for row in case_rows(writer, Referral, journey.case) if row["service"] == Service.LEGAL_AID)
    matter = writer.add(  # matter_open
        LegalAidMatter,
        {
            "case": journey.case,
            "centre": worker.organization_id,
            "referral": referral,
            "matter_type": drawn.matter_type,
            "summary": drawn.summary,
            "applied_on": drawn.applied_on,
            "opened_by": worker,
        },
        actor=worker,
        reason="legal aid matter opened",
    )
    _event(writer, journey, worker, AuditAction.RECORD_CREATED, matter, status=MatterStatus.APPLIED.value)
    for activity in drawn.early:
        _add_activity(writer, journey, worker, matter, activity)
    if drawn.decision is None:
        return
    status = operations.DECISIONS[drawn.decision]
    changes = {"status": status, "decided_on": drawn.decided_on, "decision_reason": drawn.decision_reason}
    _change(writer, journey, worker, matter, changes, f"legal aid matter {status.value}")
    if drawn.started_on is not None:
        changes = {"status": MatterStatus.IN_PROGRESS, "lawyer": worker, "started_on": drawn.started_on}
        _change(writer, journey, worker, matter, changes, "legal aid matter started")
    for activity in drawn.activities:
        _add_activity(writer, journey, worker, matter, activity)
    if drawn.outcome is not None:
        changes = {
            "status": MatterStatus.CONCLUDED,
            "outcome": drawn.outcome,
            "concluded_on": drawn.concluded_on,
            "outcome_description": drawn.outcome_description,
            "compensation_awarded": drawn.compensation_awarded,
            "compensation_received": drawn.compensation_received,
            "compensation_received_on": drawn.compensation_received_on,
        }
        _change(writer, journey, worker, matter, changes, "legal aid matter concluded")


# --- the same plan through the operations (the reference the generator is held to) -----------


def _record_activity(worker, matter: LegalAidMatter, activity: ActivityPlan) -> None:
    operations.activity_add(
        actor=worker,
        matter=matter,
        kind=activity.kind,
        occurred_on=activity.occurred_on,
        hours=activity.hours,
        notes=activity.notes,
        next_step=activity.next_step,
        next_step_due=activity.next_step_due,
    )


def through_operations(journey: Journey, case: Case, generation: Generation) -> None:
    """Record the person's matter (:func:`draw`) through ``legal_aid.operations`` as the
    centre's legal aid worker — what :func:`step` writes in bulk."""
    drawn = draw(journey, generation)
    if drawn is None:
        return
    worker = journey.staff.receivers[Service.LEGAL_AID]
    referral = Referral.objects.get(case=case, service=Service.LEGAL_AID)
    matter = operations.matter_open(
        actor=worker,
        case=case,
        referral=referral,
        matter_type=drawn.matter_type,
        applied_on=drawn.applied_on,
        summary=drawn.summary,
    )
    for activity in drawn.early:
        _record_activity(worker, matter, activity)
    if drawn.decision is None:
        return
    matter = operations.matter_decide(
        actor=worker,
        matter=matter,
        expected_version=matter.version,
        decision=drawn.decision,
        decided_on=drawn.decided_on,
        decision_reason=drawn.decision_reason,
    )
    if drawn.started_on is not None:
        matter = operations.matter_start(
            actor=worker, matter=matter, expected_version=matter.version, started_on=drawn.started_on, lawyer=worker
        )
    for activity in drawn.activities:
        _record_activity(worker, matter, activity)
    if drawn.outcome is not None:
        operations.matter_conclude(
            actor=worker,
            matter=matter,
            expected_version=matter.version,
            outcome=drawn.outcome,
            concluded_on=drawn.concluded_on,
            outcome_description=drawn.outcome_description,
            compensation_awarded=drawn.compensation_awarded,
            compensation_received=drawn.compensation_received,
            compensation_received_on=drawn.compensation_received_on,
        )
