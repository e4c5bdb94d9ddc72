"""Legal aid matters: open, decide, start, conclude, amend.

- A matter is opened *from* the centre's accepted legal aid referral of the case, for the
  writer's centre.
- **Status in order** (``legal_aid.choices.TRANSITIONS``): applied → accepted | rejected;
  accepted → in_progress → concluded; an accepted matter may be concluded before its work starts
  only as withdrawn. Anything else is 409 ``invalid_status_transition`` naming both statuses.
- The eligibility decision needs its date and reason; work starts with an assigned lawyer, an
  active legal aid worker of the centre; concluding needs an outcome. Compensation amounts are
  decimals of at least 0, the amount received at most the amount awarded (received needs an
  award: a settlement's agreed sum counts as awarded). Dates that record facts are not in the
  future, and follow the matter's steps (``LegalAidMatter.clean``).
- ``matter_amend`` corrects a field only once the matter has reached the step that records it
  (:func:`amendable_fields`); the status changes only through decide, start and conclude.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from legal_aid.choices import DECIDED_STATUSES, TRANSITIONS, MatterStatus, MatterType, Outcome
from legal_aid.models import LegalAidMatter
from legal_aid.operations.common import (
    check_choice,
    check_record,
    lock_matter,
    require_date,
    require_recording,
    save_audited,
    stripped,
)
from registry.choices import Role
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import require_room
from registry.policy import Section, require_write
from victims.models import Case, Referral
from victims.operations import lock_case

DECISIONS = {"accept": MatterStatus.ACCEPTED, "reject": MatterStatus.REJECTED}
MAX_AMOUNT = Decimal("9999999999.99")  # what the column holds (12 digits, 2 after the point)

# The fields of a matter ``matter_amend`` changes, by the step at which they are first recorded.
AMENDABLE_ALWAYS = ("matter_type", "summary", "applied_on", "lawyer")
AMENDABLE_DECIDED = ("decided_on", "decision_reason")
AMENDABLE_STARTED = ("started_on",)
AMENDABLE_CONCLUDED = (
    "concluded_on",
    "outcome",
    "outcome_description",
    "compensation_awarded",
    "compensation_received",
    "compensation_received_on",
)


def _move(matter: LegalAidMatter, to: MatterStatus) -> None:
    if to not in TRANSITIONS[matter.status]:
        raise Conflict(
            _("The matter is “%(status)s”; it cannot become “%(to)s” from there.")
            % {"status": MatterStatus(matter.status).label, "to": to.label},
            field="status",
            code="invalid_status_transition",
        )
    matter.status = to


def _check_lawyer(lawyer, centre_id: int) -> None:
    if lawyer is None:
        return
    if not (lawyer.is_active and lawyer.role == Role.LEGAL_AID and lawyer.organization_id == centre_id):
        raise RuleViolation(_("Assign an active legal aid worker of the centre."), field="lawyer")


def _amount(value, field: str) -> Decimal | None:
    """A sum in yuan: a decimal of at least 0 with at most two places."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise RuleViolation(_("Give the amount in yuan, e.g. 12000.00."), field=field) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise RuleViolation(_("Give the amount in yuan, at least 0, with at most two decimals."), field=field)
    return amount


def matter_open(
    *,
    actor,
    case: Case,
    matter_type: str,
    applied_on: datetime.date,
    summary: str = "",
    referral: Referral | None = None,
) -> LegalAidMatter:
    """Open a matter (status applied) for the actor's centre, from its accepted legal aid
    referral of ``case`` (``referral`` names it; by default the one there is). 403 unless the
    centre holds an accepted referral; 400 (``referral``) when the one named is not it."""
    require_write(actor, Section.LEGAL_AID)
    check_choice(matter_type, MatterType, "matter_type", _("Choose the kind of matter."))
    require_date(applied_on, "applied_on")
    with transaction.atomic(), recorded_change(actor=actor, reason="legal aid matter opened"):
        case = lock_case(actor, case)
        accepted = require_recording(actor, case)
        if referral is None:
            referral = accepted[0]
        elif referral.pk not in {row.pk for row in accepted}:
            raise RuleViolation(
                _("Open the matter from your centre's accepted legal aid referral of this case."), field="referral"
            )
        require_room(LegalAidMatter, case)
        matter = LegalAidMatter(
            case=case,
            centre_id=actor.organization_id,
            referral=referral,
            matter_type=matter_type,
            summary=stripped(summary),
            applied_on=applied_on,
            opened_by=actor,
        )
        check_record(matter)
        save_audited(matter, actor=actor, action=AuditAction.RECORD_CREATED, detail={"status": matter.status})
    return matter


def matter_decide(
    *,
    actor,
    matter: LegalAidMatter,
    expected_version: int,
    decision: str,
    decided_on: datetime.date,
    decision_reason: str,
    lawyer=None,
) -> LegalAidMatter:
    """The centre's eligibility decision on an applied matter: accept (optionally assigning the
    lawyer) or reject, with the date and the reason."""
    if decision not in DECISIONS:
        raise RuleViolation(_("Decide accept or reject."), field="decision")
    if not stripped(decision_reason):
        raise RuleViolation(_("Give the reason for the decision."), field="decision_reason")
    if lawyer is not None and decision != "accept":
        raise RuleViolation(_("A lawyer is assigned only to an accepted matter."), field="lawyer")
    require_date(decided_on, "decided_on")
    with transaction.atomic(), recorded_change(actor=actor, reason=f"legal aid matter {DECISIONS[decision].value}"):
        locked = lock_matter(actor, matter, expected_version)
        _move(locked, DECISIONS[decision])
        _check_lawyer(lawyer, locked.centre_id)
        locked.decided_on = decided_on
        locked.decision_reason = stripped(decision_reason)
        if lawyer is not None:
            locked.lawyer = lawyer
        check_record(locked)
        locked.version += 1
        save_audited(locked, actor=actor, action=AuditAction.RECORD_UPDATED, detail={"status": locked.status})
    return locked


def matter_start(
    *, actor, matter: LegalAidMatter, expected_version: int, started_on: datetime.date, lawyer=None
) -> LegalAidMatter:
    """Work starts on an accepted matter (in progress); it needs an assigned lawyer — the one
    given here, or the one assigned at the decision."""
    require_date(started_on, "started_on")
    with transaction.atomic(), recorded_change(actor=actor, reason="legal aid matter started"):
        locked = lock_matter(actor, matter, expected_version)
        _move(locked, MatterStatus.IN_PROGRESS)
        if lawyer is not None:
            _check_lawyer(lawyer, locked.centre_id)
            locked.lawyer = lawyer
        if locked.lawyer_id is None:
            raise RuleViolation(_("Assign a lawyer before the work starts."), field="lawyer")
        locked.started_on = started_on
        check_record(locked)
        locked.version += 1
        save_audited(locked, actor=actor, action=AuditAction.RECORD_UPDATED, detail={"status": locked.status})
    return locked


def matter_conclude(
    *,
    actor,
    matter: LegalAidMatter,
    expected_version: int,
    outcome: str,
    concluded_on: datetime.date,
    outcome_description: str = "",
    compensation_awarded=None,
    compensation_received=None,
    compensation_received_on: datetime.date | None = None,
) -> LegalAidMatter:
    """Conclude a matter in progress (or withdraw an accepted one) with its outcome, the date
    it ended and any compensation awarded and received."""
    check_choice(outcome, Outcome, "outcome", _("Choose the outcome."))
    require_date(concluded_on, "concluded_on")
    awarded = _amount(compensation_awarded, "compensation_awarded")
    received = _amount(compensation_received, "compensation_received")
    with transaction.atomic(), recorded_change(actor=actor, reason="legal aid matter concluded"):
        locked = lock_matter(actor, matter, expected_version)
        if locked.status == MatterStatus.ACCEPTED and outcome != Outcome.WITHDRAWN:
            raise Conflict(
                _("The matter is “%(status)s”: before it is “%(started)s” it can be “%(to)s” only as withdrawn.")
                % {
                    "status": MatterStatus.ACCEPTED.label,
                    "started": MatterStatus.IN_PROGRESS.label,
                    "to": MatterStatus.CONCLUDED.label,
                },
                field="status",
                code="invalid_status_transition",
            )
        _move(locked, MatterStatus.CONCLUDED)
        locked.outcome = outcome
        locked.concluded_on = concluded_on
        locked.outcome_description = stripped(outcome_description)
        locked.compensation_awarded = awarded
        locked.compensation_received = received
        locked.compensation_received_on = compensation_received_on
        check_record(locked)
        locked.version += 1
        save_audited(locked, actor=actor, action=AuditAction.RECORD_UPDATED, detail={"status": locked.status})
    return locked


def amendable_fields(matter: LegalAidMatter) -> tuple[str, ...]:
    """The fields of ``matter`` that :func:`matter_amend` may change at its present step."""
    fields = list(AMENDABLE_ALWAYS)
    if matter.status in DECIDED_STATUSES:
        fields += AMENDABLE_DECIDED
    if matter.started_on is not None:
        fields += AMENDABLE_STARTED
    if matter.status == MatterStatus.CONCLUDED:
        fields += AMENDABLE_CONCLUDED
    return tuple(fields)


def matter_amend(*, actor, matter: LegalAidMatter, expected_version: int, changes: dict) -> LegalAidMatter:
    """Correct or complete a matter's details at the version the caller read: the kind, summary,
    application date and lawyer always; the decision's date and reason once decided; the start
    date once started; the outcome and compensation once concluded (e.g. a payment received
    later). The status changes only through decide, start and conclude."""
    with transaction.atomic(), recorded_change(actor=actor, reason="legal aid matter amended"):
        locked = lock_matter(actor, matter, expected_version)
        allowed = amendable_fields(locked)
        for name in sorted(changes):
            if name == "status":
                raise RuleViolation(_("Change the status through decide, start or conclude."), field=name)
            if name not in allowed:
                later = name in AMENDABLE_DECIDED + AMENDABLE_STARTED + AMENDABLE_CONCLUDED
                raise RuleViolation(
                    _("This is recorded at a later step of the matter.")
                    if later
                    else _("This field cannot be changed."),
                    field=name,
                )
        values = dict(changes)
        for name in ("applied_on", "decided_on", "started_on", "concluded_on"):
            if name in values:
                require_date(values[name], name)
        if "matter_type" in values:
            check_choice(values["matter_type"], MatterType, "matter_type", _("Choose the kind of matter."))
        if "outcome" in values:
            check_choice(values["outcome"], Outcome, "outcome", _("Choose the outcome."))
        if "decision_reason" in values:
            values["decision_reason"] = stripped(values["decision_reason"])
            if not values["decision_reason"]:
                raise RuleViolation(_("Give the reason for the decision."), field="decision_reason")
        for name in ("summary", "outcome_description"):
            if name in values:
                values[name] = stripped(values[name])
        for name in ("compensation_awarded", "compensation_received"):
            if name in values:
                values[name] = _amount(values[name], name)
        if "lawyer" in values:
            _check_lawyer(values["lawyer"], locked.centre_id)
        for name, value in values.items():
            setattr(locked, name, value)
        check_record(locked)
        locked.version += 1
        save_audited(locked, actor=actor, action=AuditAction.RECORD_UPDATED, detail={"fields": sorted(changes)})
    return locked
