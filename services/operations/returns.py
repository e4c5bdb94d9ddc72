"""Return plans: create, amend, approve, reject, complete, cancel (DESIGN §2 rules 3–7).

A plan goes ``awaiting_approval → approved → completed`` (or ``cancelled`` while in force, or
``rejected`` by civil affairs while awaiting approval). A rejection is final, like a
cancellation: the model has no resubmission of a plan out of force (one plan in force per case),
so the case leaves ``return_planned`` and its author — told in the inbox, the reason on the
plan — writes a new plan that answers the reason.
The rules, checked on every step that could break them (create, amend, approve, complete):

3. a minor — under 18 on the planned date, today, or the handover date; anyone without a
   recorded birth date counts as a minor — is never returned to nor placed with a household
   marked ``is_purchaser`` (400 ``purchaser_household``);
4. family reunification of a minor, or of a person of unknown origin (来历不明,
   ``Victim.unknown_origin``) whatever the age, needs a DNA sample of the case submitted to the
   database with a confirmed match (400 ``dna_match_required``); a child whose parents cannot be
   found goes to institutional care instead;
5. approval is by a civil affairs officer (``approve_return``, 403) who neither created nor
   amended the plan (403 ``four_eyes``), as recorded in ``ReturnPlan.authors`` by the create
   and amend steps — never read from history reasons; the database refuses approver ==
   creator too; only an approved plan can be completed (409 ``plan_not_approved``);
6. a return to another province than the case's — the ``inter_provincial`` pathway, or any
   domestic destination outside the case's province — needs a receiving agency, and its
   completion a handover record; repatriation needs a foreign national, the police unit, the
   civil affairs unit and the receiving party;
7. completion records the handover date, escort and receiving party, discharges the person
   from the shelter on that day, moves the case to ``returned`` and schedules follow-up
   visits ``REGISTRY_FOLLOW_UP_MONTHS`` after the handover (1, 3, 6, 12 by default).

The person's voice (issue 16): a plan records the person's wish about the return it proposes
(``wish``: agrees, disagrees, could not express one — a very young child —; with what the
person said and the day it was recorded) and, for a minor, a best-interests determination (who
assessed it, on which day, whether the child's view was heard, its conclusion). Both may be
recorded when the plan is written or amended — an adult who does not want the return may still
have a plan written and discussed with them —, but civil affairs approves only a plan whose
wish is recorded (409 ``wish_not_recorded``), never one an adult does not want (409
``against_wish``), and a minor's only with a complete determination — date, assessor and
conclusion — (409 ``best_interests_missing``); "minor" as for rules 3 and 4 (under 18 on the
planned date or today; without a birth date, a minor). A recorded wish has its date, and
neither date lies in the future (400 naming the field).

Creating a plan moves the case to ``return_planned``; cancelling moves it back (to
``sheltered`` when the person is in a shelter, else ``registered``). One plan in force per
case (409 ``return_plan_active``, checked under the case's row lock, and a partial unique
constraint); a case holds at most ``REGISTRY_MAX_RECORDS_PER_KIND`` plans, and visits (409
``too_many_records``).
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.choices import NotificationKind
from inbox.notify import civil_affairs_over, notify, settle
from registry import divisions
from registry.decisions import decision_comment
from registry.errors import Conflict, PermissionDenied, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import full_clean, require_room
from registry.policy import Action, Section, require_action, require_write
from services.choices import ACTIVE_RETURN_PLAN_STATUSES, DischargeReason, Pathway, ReturnPlanStatus, Wish
from services.models import FollowUpVisit, ReturnPlan, ShelterPlacement
from services.operations.common import add_months, audit, follow_up_months, is_minor, move_stage
from services.operations.shelter import discharge
from victims import validation
from victims.choices import DNAMatch, Stage
from victims.models import Case, DNASample, Household
from victims.operations import lock_case, lock_record

HOME_COUNTRY = "CN"  # the registry serves a Chinese province; "foreign" means not Chinese
VOICE_FIELDS = frozenset(
    {"wish", "wish_statement", "wish_recorded_on", "bid_assessed_by", "bid_on", "bid_child_heard", "bid_conclusion"}
)
PLAN_FIELDS = frozenset(
    {
        "pathway", "destination_code", "destination_country", "household", "receiving_party", "police_unit",
        "civil_affairs_unit", "escort", "planned_on", "notes",
    }
) | VOICE_FIELDS  # fmt: skip
EXCLUDED = ["case", "created_by", "approved_by", "household"]


def _required(plan: ReturnPlan, field: str, message: str) -> None:
    value = getattr(plan, field)
    if value is None or not str(value).strip():
        raise RuleViolation(message, field=field)


def _out_of_province(plan: ReturnPlan, case: Case) -> bool:
    """Whether a domestic destination lies outside the province of the case's jurisdiction."""
    return bool(plan.destination_code) and plan.destination_code[:2] != case.jurisdiction.code[:2]


def _check_plan(plan: ReturnPlan, case: Case, *, days: tuple, completing: bool = False) -> None:
    """The rules of the pathway and rules 3, 4 and 6 (see the module's docstring); the dates in
    the order life allows and the destination a county of the GB/T 2260 table, in any province
    (``validation.check_chronology``, ``registry.divisions``)."""
    validation.check_chronology(plan, case)
    if plan.destination_code and not divisions.is_county(plan.destination_code):
        raise RuleViolation(_("Choose a county-level division, or type its six-digit code."), field="destination_code")
    pathway = Pathway(plan.pathway)
    if plan.household_id is not None and plan.household.case_id != case.pk:
        raise RuleViolation(_("Choose a household recorded in this case."), field="household")
    if pathway == Pathway.REPATRIATION:
        if case.victim.nationality == HOME_COUNTRY:
            raise RuleViolation(
                _("Repatriation is for foreign nationals."), field="pathway", code="not_a_foreign_national"
            )
        if not plan.destination_country or plan.destination_country == HOME_COUNTRY:
            raise RuleViolation(_("Name the country the person returns to."), field="destination_country")
        if plan.destination_code:
            raise RuleViolation(_("A repatriation has no domestic destination code."), field="destination_code")
        _required(plan, "police_unit", _("Name the police unit handling the repatriation."))
        _required(plan, "civil_affairs_unit", _("Name the civil affairs unit handling the repatriation."))
        _required(plan, "receiving_party", _("Name the receiving party."))
    else:
        if plan.destination_country != HOME_COUNTRY:
            raise RuleViolation(_("Only a repatriation leaves the country."), field="destination_country")
        _required(plan, "destination_code", _("Give the six-digit code of the destination county."))
        if pathway == Pathway.FAMILY_REUNIFICATION:
            _required(plan, "household", _("Choose the household the person returns to."))
        if pathway == Pathway.LOCAL_RESETTLEMENT and _out_of_province(plan, case):
            raise RuleViolation(
                _("A local resettlement stays within the province; choose another pathway."), field="destination_code"
            )
        if pathway == Pathway.INTER_PROVINCIAL and not _out_of_province(plan, case):
            raise RuleViolation(_("Choose a destination in another province."), field="destination_code")
        if pathway == Pathway.INSTITUTIONAL_CARE:
            _required(plan, "receiving_party", _("Name the institution that takes the person in."))
        if _out_of_province(plan, case):  # rule 6 (五.3), whatever the pathway
            _required(plan, "receiving_party", _("Name the receiving agency in the destination province."))
            if completing:
                _required(plan, "handover_record", _("Record the handover to the receiving agency."))
    minor = is_minor(case, *days)
    if minor and plan.household_id is not None and plan.household.is_purchaser:
        raise RuleViolation(
            _("A minor is never returned to nor placed with the household that bought them."),
            field="household",
            code="purchaser_household",
        )
    if (minor or case.victim.unknown_origin) and pathway == Pathway.FAMILY_REUNIFICATION:
        matched = DNASample.objects.current().filter(case=case, submitted_on__isnull=False, match=DNAMatch.CONFIRMED)
        if not matched.exists():
            raise RuleViolation(
                _("Reunifying a child needs a DNA sample submitted to the database and a confirmed match.")
                if minor
                else _(
                    "Reunifying a person of unknown origin needs a DNA sample submitted to the database and a "
                    "confirmed match."
                ),
                field="pathway",
                code="dna_match_required",
            )


def _check_wish_recorded(plan: ReturnPlan) -> None:
    """A recorded wish has the day it was recorded, and a day only a recorded wish (before
    ``full_clean``, so the field is named rather than the constraint)."""
    if plan.wish and plan.wish_recorded_on is None:
        raise RuleViolation(_("Give the day the person's wish was recorded."), field="wish_recorded_on")
    if plan.wish_recorded_on is not None and not plan.wish:
        raise RuleViolation(_("Record the person's wish, or leave its date empty."), field="wish")


def _check_voice_dates(plan: ReturnPlan) -> None:
    validation.check_not_future(plan.wish_recorded_on, "wish_recorded_on")
    validation.check_not_future(plan.bid_on, "bid_on")


def _refuse_without_voice(plan: ReturnPlan, case: Case) -> None:
    """Approval's rules of the person's voice (see the module's docstring): 409
    ``wish_not_recorded``, ``best_interests_missing`` (a minor) or ``against_wish`` (an adult)."""
    if not plan.wish:
        raise Conflict(
            _("The person's wish about this return is not recorded: a plan is approved only once it is."),
            field="wish",
            code="wish_not_recorded",
        )
    if is_minor(case, plan.planned_on, validation.today()):
        assessed = (plan.bid_assessed_by or "").strip() and (plan.bid_conclusion or "").strip()
        if plan.bid_on is None or not assessed:
            raise Conflict(
                _(
                    "A child's return plan is approved only after a best-interests determination: record who "
                    "assessed it, when, and its conclusion."
                ),
                field="bid_conclusion",
                code="best_interests_missing",
            )
    elif plan.wish == Wish.DISAGREES:
        raise Conflict(
            _(
                "The person does not want this return, and a plan against an adult's recorded wish cannot be "
                "approved: change the plan with the person."
            ),
            field="wish",
            code="against_wish",
        )


def _prepare(data: dict, case: Case) -> dict:
    unknown = set(data) - PLAN_FIELDS
    if unknown:
        raise RuleViolation(_("Unknown field."), field=sorted(unknown)[0])
    data = dict(data)
    household = data.get("household")
    if household is not None and not isinstance(household, Household):
        raise RuleViolation(_("Choose a household recorded in this case."), field="household")
    if isinstance(data.get("destination_country"), str):
        data["destination_country"] = data["destination_country"].strip().upper()
    # A change of pathway brings the destination fields it does not use back to their defaults.
    if data.get("pathway") == Pathway.REPATRIATION:
        data.setdefault("destination_code", "")
        if not data.get("destination_country"):
            data["destination_country"] = case.victim.nationality
    elif data.get("pathway"):
        data.setdefault("destination_country", HOME_COUNTRY)
    return data


def _in_force(plan: ReturnPlan) -> None:
    if plan.status not in ACTIVE_RETURN_PLAN_STATUSES:
        raise Conflict(
            _("The plan is “%(status)s”; it can no longer change.") % {"status": ReturnPlanStatus(plan.status).label},
            field="status",
            code="invalid_plan_transition",
        )


def _save(plan: ReturnPlan) -> None:
    full_clean(plan, exclude=EXCLUDED)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:  # one plan in force per case: the case lock makes this unreachable
        raise Conflict(_("The case already has a return plan in force."), code="return_plan_active") from None


def _check_planned_on(plan: ReturnPlan) -> None:
    if plan.planned_on is None:
        raise RuleViolation(_("Give the planned date."), field="planned_on")


def return_plan_create(*, actor, case: Case, data: dict) -> ReturnPlan:
    """Write a return plan for ``case`` (caseworker or civil affairs); it awaits approval.

    ``data``: ``pathway``, ``planned_on`` (required); ``destination_code`` (six digits, every
    domestic pathway), ``destination_country`` (repatriation; by default the person's
    nationality), ``household`` (a :class:`victims.models.Household` of the case; required for
    family reunification), ``receiving_party``, ``police_unit``, ``civil_affairs_unit``,
    ``escort``, ``notes``; the person's voice, which approval needs (:data:`VOICE_FIELDS`:
    ``wish`` with ``wish_recorded_on`` and ``wish_statement``; a minor's ``bid_*``). 400 for a
    broken rule (field and code named), 409 ``return_plan_active`` when a plan is in force,
    ``invalid_stage_transition`` for a case returned, closed or transferred. The case moves to ``return_planned``. Audit
    ``record_created`` and ``case_stage_changed``."""
    require_write(actor, Section.RETURN_HOME)
    with transaction.atomic(), recorded_change(actor=actor, reason="return plan created"):
        locked = lock_case(actor, case)
        data = _prepare(data, locked)
        if ReturnPlan.objects.filter(case=locked, status__in=ACTIVE_RETURN_PLAN_STATUSES).exists():
            raise Conflict(_("The case already has a return plan in force."), code="return_plan_active")
        require_room(ReturnPlan, locked)
        plan = ReturnPlan(case=locked, created_by=actor, **data)
        _check_planned_on(plan)
        _check_wish_recorded(plan)
        full_clean(plan, exclude=EXCLUDED)  # choices and shapes first, then the rules
        _check_voice_dates(plan)
        _check_plan(plan, locked, days=(plan.planned_on, validation.today()))
        _save(plan)
        plan.authors.add(actor)  # four eyes: the author may not approve it
        notify(
            NotificationKind.RETURN_PLAN_TO_APPROVE,
            civil_affairs_over(locked.jurisdiction.code),
            case=locked,
            subject=plan,
            actor=actor,
        )
        audit(actor, AuditAction.RECORD_CREATED, plan, "create", pathway=plan.pathway)
        move_stage(actor, locked, Stage.RETURN_PLANNED)
    return plan


def return_plan_amend(*, actor, plan: ReturnPlan, expected_version: int, changes: dict) -> ReturnPlan:
    """Change a plan in force at the version read (412 when stale), rules checked again. An
    approved plan goes back to ``awaiting_approval``: its approval covered what it said before.
    409 ``invalid_plan_transition`` for a completed or cancelled plan."""
    require_write(actor, Section.RETURN_HOME)
    with transaction.atomic(), recorded_change(actor=actor, reason="return plan amended"):
        locked = lock_record(actor, plan, expected_version)
        _in_force(locked)
        changes = _prepare(changes, locked.case)
        for name, value in changes.items():
            setattr(locked, name, value)
        _check_planned_on(locked)
        _check_wish_recorded(locked)
        withdrawn = locked.status == ReturnPlanStatus.APPROVED
        if withdrawn:
            locked.status = ReturnPlanStatus.AWAITING_APPROVAL
            locked.approved_by = None
            locked.approved_at = None
        full_clean(locked, exclude=EXCLUDED)
        _check_voice_dates(locked)
        _check_plan(locked, locked.case, days=(locked.planned_on, validation.today()))
        locked.version += 1
        _save(locked)
        locked.authors.add(actor)  # four eyes: nor may whoever changed it (recorded once)
        if withdrawn:
            notify(
                NotificationKind.RETURN_PLAN_TO_APPROVE,
                civil_affairs_over(locked.case.jurisdiction.code),
                case=locked.case,
                subject=locked,
                actor=actor,
            )
        audit(actor, AuditAction.RECORD_UPDATED, locked, "amend", fields=sorted(changes), approval_withdrawn=withdrawn)
    return locked


def _refuse_author(plan: ReturnPlan, actor) -> None:
    """403 ``four_eyes`` for the plan's creator or any amender."""
    if plan.authors.filter(pk=actor.pk).exists():
        raise PermissionDenied(
            _("A return plan is approved by a civil affairs officer who did not write or change it."),
            code="four_eyes",
        )


def _leave_return_planned(actor, case: Case) -> None:
    """A plan out of force takes the locked case back to ``sheltered`` when the person is in a
    shelter, else to ``registered``."""
    if case.stage == Stage.RETURN_PLANNED:
        sheltered = ShelterPlacement.objects.filter(case=case, discharged_on__isnull=True).exists()
        move_stage(actor, case, Stage.SHELTERED if sheltered else Stage.REGISTERED)


def return_plan_approve(*, actor, plan: ReturnPlan, expected_version: int, comment: str = "") -> ReturnPlan:
    """A civil affairs officer who neither created nor amended the plan approves it (four
    eyes), once the person's voice is recorded (409 ``wish_not_recorded``, ``against_wish``,
    ``best_interests_missing``: see the module's docstring); the rules are checked again on
    today's facts (a DNA result withdrawn, a household now marked as purchaser). 403 without
    ``approve_return``, 403 ``four_eyes`` for an author, 409 ``invalid_plan_transition`` unless
    awaiting approval. ``comment`` (optional) is kept, encrypted, on the plan. Audit
    ``approval_granted``."""
    require_action(actor, Action.APPROVE_RETURN)
    comment = decision_comment(ReturnPlan, comment, required=False)
    with transaction.atomic(), recorded_change(actor=actor, reason="return plan approved"):
        locked = lock_record(actor, plan, expected_version)
        if locked.status != ReturnPlanStatus.AWAITING_APPROVAL:
            raise Conflict(_("Only a plan awaiting approval can be approved."), code="invalid_plan_transition")
        _refuse_author(locked, actor)
        _refuse_without_voice(locked, locked.case)
        _check_plan(locked, locked.case, days=(locked.planned_on, validation.today()))
        locked.status = ReturnPlanStatus.APPROVED
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.decision_comment = comment
        locked.version += 1
        _save(locked)
        settle([NotificationKind.RETURN_PLAN_TO_APPROVE], locked)
        audit(actor, AuditAction.APPROVAL_GRANTED, locked, "approve")
    return locked


def return_plan_reject(*, actor, plan: ReturnPlan, expected_version: int, comment: str = "") -> ReturnPlan:
    """A civil affairs officer who neither created nor amended the plan rejects it, saying why
    (400 ``comment`` without a reason; kept encrypted on the plan, never in the audit log). The
    plan is ``rejected`` — final (see the module's docstring): the case leaves
    ``return_planned`` and a new plan can be written. Its author is told in the inbox. 403
    without ``approve_return``, 403 ``four_eyes`` for an author, 409 ``invalid_plan_transition``
    unless awaiting approval, 412 when stale. Audit ``approval_refused``."""
    require_action(actor, Action.APPROVE_RETURN)
    comment = decision_comment(ReturnPlan, comment, required=True)
    with transaction.atomic(), recorded_change(actor=actor, reason="return plan rejected"):
        locked = lock_record(actor, plan, expected_version)
        if locked.status != ReturnPlanStatus.AWAITING_APPROVAL:
            raise Conflict(_("Only a plan awaiting approval can be rejected."), code="invalid_plan_transition")
        _refuse_author(locked, actor)
        locked.status = ReturnPlanStatus.REJECTED
        locked.decision_comment = comment
        locked.version += 1
        _save(locked)
        settle([NotificationKind.RETURN_PLAN_TO_APPROVE], locked)
        notify(NotificationKind.DECISION_REJECTED, [locked.created_by], case=locked.case, subject=locked, actor=actor)
        audit(actor, AuditAction.APPROVAL_REFUSED, locked, "reject")
        _leave_return_planned(actor, locked.case)
    return locked


def return_plan_complete(
    *,
    actor,
    plan: ReturnPlan,
    expected_version: int,
    handover_on: datetime.date,
    escort: str | None = None,
    receiving_party: str | None = None,
    handover_record: str | None = None,
) -> ReturnPlan:
    """Record the handover of an approved plan: the date (not in the future, not before the
    approval), the escort and the receiving party (given here or already in the plan), and the
    handover record (required for a destination in another province). The person is discharged
    from the shelter that day, the case moves to ``returned``, and follow-up visits are
    scheduled (see :func:`services.operations.common.follow_up_months`).

    409 ``plan_not_approved`` (awaiting approval) or ``invalid_plan_transition``; 400 for a
    broken rule; 412 when stale. Audit ``record_updated`` (plan, placement), ``record_created``
    (visits) and ``case_stage_changed``."""
    require_write(actor, Section.RETURN_HOME)
    with transaction.atomic(), recorded_change(actor=actor, reason="return plan completed"):
        locked = lock_record(actor, plan, expected_version)
        if locked.status == ReturnPlanStatus.AWAITING_APPROVAL:
            raise Conflict(
                _("The plan must be approved by civil affairs before the handover."), code="plan_not_approved"
            )
        if locked.status != ReturnPlanStatus.APPROVED:
            raise Conflict(_("Only an approved plan can be completed."), code="invalid_plan_transition")
        case = locked.case
        months = follow_up_months()
        require_room(FollowUpVisit, case, adding=len(months))
        if handover_on is None:
            raise RuleViolation(_("Give the handover date."), field="handover_on")
        validation.check_not_future(handover_on, "handover_on")
        if handover_on < timezone.localtime(locked.approved_at).date():
            raise RuleViolation(_("The handover cannot come before the approval."), field="handover_on")
        for name, value in (("escort", escort), ("receiving_party", receiving_party),
                            ("handover_record", handover_record)):  # fmt: skip
            if value is not None:
                setattr(locked, name, value)
        _required(locked, "escort", _("Name the escort."))
        _required(locked, "receiving_party", _("Name who received the person."))
        locked.handover_on = handover_on
        _check_plan(locked, case, days=(locked.planned_on, handover_on), completing=True)
        locked.status = ReturnPlanStatus.COMPLETED
        locked.version += 1
        _save(locked)
        placement = ShelterPlacement.objects.select_for_update().filter(case=case, discharged_on__isnull=True).first()
        if placement is not None:
            placement.case = case
            discharge(placement, on=handover_on, reason=DischargeReason.RETURNED, field="handover_on")
        visits = [
            FollowUpVisit(case=case, return_plan=locked, due_on=add_months(handover_on, after)) for after in months
        ]
        for visit in visits:
            full_clean(visit, exclude=["case", "return_plan"])
            visit.save()
        audit(actor, AuditAction.RECORD_UPDATED, locked, "complete")
        if placement is not None:
            audit(actor, AuditAction.RECORD_UPDATED, placement, "discharge")
        for visit in visits:
            audit(actor, AuditAction.RECORD_CREATED, visit, "schedule")
        move_stage(actor, case, Stage.RETURNED)
    return locked


def return_plan_cancel(*, actor, plan: ReturnPlan, expected_version: int, reason: str) -> ReturnPlan:
    """Cancel a plan in force, giving the reason (kept encrypted: it may name people). The case
    goes back to ``sheltered`` when the person is in a shelter, else to ``registered``. 409
    ``invalid_plan_transition`` for a completed or cancelled plan."""
    require_write(actor, Section.RETURN_HOME)
    if not (reason or "").strip():
        raise RuleViolation(_("Give the reason for cancelling."), field="reason")
    with transaction.atomic(), recorded_change(actor=actor, reason="return plan cancelled"):
        locked = lock_record(actor, plan, expected_version)
        _in_force(locked)
        locked.status = ReturnPlanStatus.CANCELLED
        locked.cancellation_reason = reason.strip()
        locked.version += 1
        _save(locked)
        settle([NotificationKind.RETURN_PLAN_TO_APPROVE], locked)
        audit(actor, AuditAction.RECORD_UPDATED, locked, "cancel")
        _leave_return_planned(actor, locked.case)
    return locked
