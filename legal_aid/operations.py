"""Every change to the legal aid record (DESIGN §2, §3; STYLE "one operation per business action").

Each operation is keyword-only and takes the acting user. It checks the policy (the ``legal_aid``
section), locks the case and then the row whose state changes (``select_for_update``) inside one
transaction, compares the version the caller read (412), validates (``full_clean`` and the rules
below), saves inside ``recorded_change`` so history names the actor and the reason, and writes its
audit event in the same transaction.

Rules:

- **Through referrals only.** The writer's centre must hold an *accepted* legal aid referral on the
  case (locked for the rest of the transaction, so it cannot be completed half-way through a
  write). Once the referral is completed the centre still reads its matters but changes nothing
  (403, saying why). A matter is opened *from* that referral, for the writer's centre.
- **One centre's matters.** A matter is reached through ``LegalAidMatter.objects.visible_to``, which
  gives a legal aid worker the matters of their own centre only: another centre's matter is
  absent (404), even on a case referred to both.
- **Status in order** (``legal_aid.choices.TRANSITIONS``): applied → accepted | rejected;
  accepted → in_progress → concluded; an accepted matter may be concluded before its work starts
  only as withdrawn. Anything else is 409 ``invalid_status_transition`` naming both statuses.
- The eligibility decision needs its date and reason; work starts with an assigned lawyer, an
  active legal aid worker of the centre; concluding needs an outcome. Compensation amounts are
  decimals of at least 0, the amount received at most the amount awarded (received needs an
  award: a settlement's agreed sum counts as awarded). Dates that record facts are not in the
  future, and follow the matter's steps (``LegalAidMatter.clean``).
- Activities are added to a matter still open (applied, accepted, in progress); a concluded or
  rejected matter takes none (409 ``matter_closed``), though its activities can be corrected.

Errors are ``registry.errors`` exceptions: 400 rule (naming the field), 403 policy, 404 scope,
409 conflict, 412 version. Audit events carry no free text: the model, the record's id, the new
status or the names of the changed fields.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from legal_aid.choices import (
    DECIDED_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    ActivityKind,
    MatterStatus,
    MatterType,
    Outcome,
)
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry.audit import record_event
from registry.choices import Role
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import full_clean, lock_for_change
from registry.policy import Section, require_write
from victims import validation
from victims.models import Case, Referral
from victims.operations import lock_case, require_referred_write

DECISIONS = {"accept": MatterStatus.ACCEPTED, "reject": MatterStatus.REJECTED}
MAX_HOURS = Decimal(24)
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
ACTIVITY_FIELDS = ("kind", "occurred_on", "hours", "notes", "next_step", "next_step_due")
# Dates that record something that happened: never in the future.
FACT_DATES = ("applied_on", "decided_on", "started_on", "concluded_on", "compensation_received_on", "occurred_on")


# --- checks shared by the operations --------------------------------------------------------


def require_recording(actor, case: Case, *, lock: bool = True) -> list[Referral]:
    """The actor's centre's accepted legal aid referrals of ``case`` (at most one in practice: a
    second open referral to the same centre is refused); 403 saying why when there is none —
    not accepted yet, or completed (the record is then read-only): the receiving-department
    rule, ``victims.operations.require_referred_write``. Operations lock the rows (``lock``) so
    the referral cannot be completed half-way through a write; a page asking whether to show a
    button does not."""
    return require_referred_write(actor, case, Section.LEGAL_AID, lock=lock)


def _lock_matter(actor, matter: LegalAidMatter, expected_version: int | None) -> LegalAidMatter:
    """The case locked, then the matter locked if the actor sees it (404), may write it now
    (403, its referral locked), at ``expected_version`` (412)."""
    require_write(actor, Section.LEGAL_AID)
    return lock_for_change(
        LegalAidMatter.objects.visible_to(actor),
        matter.pk,
        missing=_("No such legal aid matter."),
        expected_version=expected_version,
        case=lambda: lock_case(actor, matter.case),
        check=lambda locked: require_recording(actor, locked.case),
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


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise RuleViolation(_("Give the hours spent, e.g. 1.5."), field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS or hours != hours.quantize(Decimal("0.01")):
        raise RuleViolation(_("Give the hours spent: more than 0, at most 24."), field="hours")
    return hours


def _required_date(value, field: str) -> None:
    if value is None:
        raise RuleViolation(_("Give the date."), field=field)


def _text(value) -> str:
    return (value or "").strip()


def _optional_text(value) -> str | None:
    """Free text of a nullable column: empty is stored as NULL, so "is recorded" checks hold."""
    return _text(value) or None


def _check_choice(value, choices, field: str, message: str) -> None:
    if value not in choices.values:
        raise RuleViolation(message, field=field)


def _check_record(record) -> None:
    """Dates of facts are not in the future; then the model's own rules (``full_clean``)."""
    for name in FACT_DATES:
        value = getattr(record, name, None)
        if value is not None and not isinstance(value, datetime.date):
            raise RuleViolation(_("Give the date."), field=name)
        validation.check_not_future(value, name)
    if isinstance(record, LegalAidMatter):
        _check_compensation(record)
        if record.status in (MatterStatus.IN_PROGRESS, MatterStatus.CONCLUDED) and record.started_on is not None:
            if record.lawyer_id is None:
                raise RuleViolation(_("A matter under way needs an assigned lawyer."), field="lawyer")
        if (
            record.status == MatterStatus.CONCLUDED
            and record.started_on is None
            and record.outcome != Outcome.WITHDRAWN
        ):
            raise RuleViolation(
                _("The matter was concluded before its work started: its outcome can only be “%(withdrawn)s”.")
                % {"withdrawn": Outcome.WITHDRAWN.label},
                field="outcome",
            )
    full_clean(record, exclude=["case", "centre", "referral", "lawyer", "opened_by", "matter", "recorded_by"])


def _check_compensation(matter: LegalAidMatter) -> None:
    awarded, received = matter.compensation_awarded, matter.compensation_received
    if received is not None and awarded is None:
        raise RuleViolation(
            _("Record the compensation awarded (or agreed) before the amount received."),
            field="compensation_awarded",
        )
    if received is not None and received > awarded:
        raise RuleViolation(
            _("The compensation received cannot exceed the compensation awarded."), field="compensation_received"
        )
    if matter.compensation_received_on is not None and received is None:
        raise RuleViolation(_("Record the amount received with its date."), field="compensation_received")


def _save(record, *, actor, action: AuditAction, detail: dict) -> None:
    record.save()
    record_event(
        action=action,
        actor=actor,
        case_uuid=record.case.uuid,
        sections=[Section.LEGAL_AID],
        detail={"model": record._meta.model_name, "record": str(record.uuid), **detail},
    )


# --- matters ----------------------------------------------------------------------------------


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
    _check_choice(matter_type, MatterType, "matter_type", _("Choose the kind of matter."))
    _required_date(applied_on, "applied_on")
    with transaction.atomic(), recorded_change(actor=actor, reason="legal aid matter opened"):
        case = lock_case(actor, case)
        accepted = require_recording(actor, case)
        if referral is None:
            referral = accepted[0]
        elif referral.pk not in {row.pk for row in accepted}:
            raise RuleViolation(
                _("Open the matter from your centre's accepted legal aid referral of this case."), field="referral"
            )
        matter = LegalAidMatter(
            case=case,
            centre_id=actor.organization_id,
            referral=referral,
            matter_type=matter_type,
            summary=_text(summary),
            applied_on=applied_on,
            opened_by=actor,
        )
        _check_record(matter)
        _save(matter, actor=actor, action=AuditAction.RECORD_CREATED, detail={"status": matter.status})
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
    if not _text(decision_reason):
        raise RuleViolation(_("Give the reason for the decision."), field="decision_reason")
    if lawyer is not None and decision != "accept":
        raise RuleViolation(_("A lawyer is assigned only to an accepted matter."), field="lawyer")
    _required_date(decided_on, "decided_on")
    with transaction.atomic(), recorded_change(actor=actor, reason=f"legal aid matter {DECISIONS[decision].value}"):
        locked = _lock_matter(actor, matter, expected_version)
        _move(locked, DECISIONS[decision])
        _check_lawyer(lawyer, locked.centre_id)
        locked.decided_on = decided_on
        locked.decision_reason = _text(decision_reason)
        if lawyer is not None:
            locked.lawyer = lawyer
        _check_record(locked)
        locked.version += 1
        _save(locked, actor=actor, action=AuditAction.RECORD_UPDATED, detail={"status": locked.status})
    return locked


def matter_start(
    *, actor, matter: LegalAidMatter, expected_version: int, started_on: datetime.date, lawyer=None
) -> LegalAidMatter:
    """Work starts on an accepted matter (in progress); it needs an assigned lawyer — the one
    given here, or the one assigned at the decision."""
    _required_date(started_on, "started_on")
    with transaction.atomic(), recorded_change(actor=actor, reason="legal aid matter started"):
        locked = _lock_matter(actor, matter, expected_version)
        _move(locked, MatterStatus.IN_PROGRESS)
        if lawyer is not None:
            _check_lawyer(lawyer, locked.centre_id)
            locked.lawyer = lawyer
        if locked.lawyer_id is None:
            raise RuleViolation(_("Assign a lawyer before the work starts."), field="lawyer")
        locked.started_on = started_on
        _check_record(locked)
        locked.version += 1
        _save(locked, actor=actor, action=AuditAction.RECORD_UPDATED, detail={"status": locked.status})
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
    _check_choice(outcome, Outcome, "outcome", _("Choose the outcome."))
    _required_date(concluded_on, "concluded_on")
    awarded = _amount(compensation_awarded, "compensation_awarded")
    received = _amount(compensation_received, "compensation_received")
    with transaction.atomic(), recorded_change(actor=actor, reason="legal aid matter concluded"):
        locked = _lock_matter(actor, matter, expected_version)
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
        locked.outcome_description = _text(outcome_description)
        locked.compensation_awarded = awarded
        locked.compensation_received = received
        locked.compensation_received_on = compensation_received_on
        _check_record(locked)
        locked.version += 1
        _save(locked, actor=actor, action=AuditAction.RECORD_UPDATED, detail={"status": locked.status})
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
        locked = _lock_matter(actor, matter, expected_version)
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
                _required_date(values[name], name)
        if "matter_type" in values:
            _check_choice(values["matter_type"], MatterType, "matter_type", _("Choose the kind of matter."))
        if "outcome" in values:
            _check_choice(values["outcome"], Outcome, "outcome", _("Choose the outcome."))
        if "decision_reason" in values:
            values["decision_reason"] = _text(values["decision_reason"])
            if not values["decision_reason"]:
                raise RuleViolation(_("Give the reason for the decision."), field="decision_reason")
        for name in ("summary", "outcome_description"):
            if name in values:
                values[name] = _text(values[name])
        for name in ("compensation_awarded", "compensation_received"):
            if name in values:
                values[name] = _amount(values[name], name)
        if "lawyer" in values:
            _check_lawyer(values["lawyer"], locked.centre_id)
        for name, value in values.items():
            setattr(locked, name, value)
        _check_record(locked)
        locked.version += 1
        _save(locked, actor=actor, action=AuditAction.RECORD_UPDATED, detail={"fields": sorted(changes)})
    return locked


# --- activities -------------------------------------------------------------------------------


def _activity_values(values: dict) -> dict:
    values = dict(values)
    if "kind" in values:
        _check_choice(values["kind"], ActivityKind, "kind", _("Choose the kind of activity."))
    if "hours" in values:
        values["hours"] = _hours(values["hours"])
    if "notes" in values:
        values["notes"] = _text(values["notes"])
    if "next_step" in values:
        values["next_step"] = _optional_text(values["next_step"])
    return values


def _check_next_step(activity: LegalAidActivity) -> None:
    if activity.next_step_due is not None and activity.next_step is None:
        raise RuleViolation(_("Say what the next step is, not only when it is due."), field="next_step")


def activity_add(
    *,
    actor,
    matter: LegalAidMatter,
    kind: str,
    occurred_on: datetime.date,
    hours,
    notes: str = "",
    next_step: str | None = None,
    next_step_due: datetime.date | None = None,
) -> LegalAidActivity:
    """Record a piece of work on an open matter (applied, accepted or in progress), with the
    next step it leaves and when that is due."""
    _required_date(occurred_on, "occurred_on")
    values = _activity_values(
        {"kind": kind, "hours": hours, "notes": notes, "next_step": next_step, "next_step_due": next_step_due}
    )
    with transaction.atomic(), recorded_change(actor=actor, reason="legal aid activity recorded"):
        locked = _lock_matter(actor, matter, None)
        if locked.status not in OPEN_STATUSES:
            raise Conflict(
                _("The matter is “%(status)s”: no more activity can be recorded on it.")
                % {"status": MatterStatus(locked.status).label},
                field="status",
                code="matter_closed",
            )
        activity = LegalAidActivity(
            case=locked.case, matter=locked, occurred_on=occurred_on, recorded_by=actor, **values
        )
        _check_next_step(activity)
        _check_record(activity)
        _save(activity, actor=actor, action=AuditAction.RECORD_CREATED, detail={"matter": str(locked.uuid)})
    return activity


def activity_amend(*, actor, activity: LegalAidActivity, expected_version: int, changes: dict) -> LegalAidActivity:
    """Correct an activity at the version the caller read (also on a matter since concluded)."""
    unknown = sorted(set(changes) - set(ACTIVITY_FIELDS))
    if unknown:
        raise RuleViolation(_("This field cannot be changed."), field=unknown[0])
    values = _activity_values(changes)
    with transaction.atomic(), recorded_change(actor=actor, reason="legal aid activity amended"):
        matter = _lock_matter(actor, activity.matter, None)  # the case, then the matter, then the activity
        locked = lock_for_change(
            LegalAidActivity.objects.visible_to(actor),
            activity.pk,
            missing=_("No such activity."),
            expected_version=expected_version,
        )
        locked.case, locked.matter = matter.case, matter
        for name, value in values.items():
            setattr(locked, name, value)
        _check_next_step(locked)
        _check_record(locked)
        locked.version += 1
        _save(locked, actor=actor, action=AuditAction.RECORD_UPDATED, detail={"fields": sorted(changes)})
    return locked
