"""Changes to the case itself: its stage (close, reopen), a possible duplicate settled,
caseworkers assigned, unassigned or handed another's cases. (A hand-over out of the province is
``transfers.handover.operations.case_hand_over``.)

Guarantees: the stage moves only through ``victims.stages.move`` on the locked case, at the
version the caller read (412 when stale); closing records how the case ended
(``Case.ending``) and runs every section's close check (``registry.casefile.close_checks``) on
the locked case; civil affairs' comment on closing (free text that may name people or places)
goes to an encrypted field, never into the history reason or the audit log (which carries the
ending's code only). Reopening needs a reason (400 ``comment``), kept the same way on the
case's encrypted ``decision_comment`` (``registry.decisions.decision_comment``).
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from registry import casefile
from registry.audit import record_event
from registry.choices import Role
from registry.decisions import decision_comment
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import clean_value
from registry.policy import Action, Section, require_action
from victims import stages, validation
from victims.choices import CLOSURE_REASONS, Ending, Stage
from victims.models import Case
from victims.operations.common import lock_case


def _change_stage(
    *, actor, case: Case, expected_version: int | None, to: Stage, reason: str, refuse=None, checks=(), **fields
) -> Case:
    """Move the locked case to ``to``; then ``refuse(the stage it came from)`` and each of
    ``checks(locked case)`` may refuse; then ``fields`` are set, the version bumped, the change
    saved and audited. Only reopening (to ``registered``) may lock a case handed over."""
    with transaction.atomic(), recorded_change(actor=actor, reason=reason):
        locked = lock_case(actor, case, expected_version, transferred=to == Stage.REGISTERED)
        came_from = Stage(locked.stage)
        stages.move(locked, to)
        if refuse is not None:
            refuse(came_from)
        for check in checks:
            check(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save()
        detail = {"stage": locked.stage}
        if locked.ending:
            detail["ending"] = locked.ending  # a code, never the comment
        record_event(
            action=AuditAction.CASE_STAGE_CHANGED, actor=actor, case_uuid=locked.uuid, sections=[Section.PERSON],
            detail=detail,
        )  # fmt: skip
    return locked


def _ending(reason: str | None, comment: str) -> tuple[Ending, str]:
    """The ending a close records and its comment, checked before anything is locked: no reason
    (or ``returned_home``) for a completed return, the comment optional; else one of
    :data:`~victims.choices.CLOSURE_REASONS` (400 ``reason``) with a comment (400 ``comment``)."""
    comment = (comment or "").strip()
    if reason in (None, "", Ending.RETURNED_HOME):
        ending = Ending.RETURNED_HOME
    elif reason in CLOSURE_REASONS:
        ending = Ending(reason)
        if not comment:
            raise RuleViolation(_("Say why the case is closed: a comment goes with the reason."), field="comment")
    else:
        raise RuleViolation(
            _("Give one of the reasons for closing, or none when the return is completed."), field="reason"
        )
    return ending, clean_value(Case, "closure_comment", comment, field="comment")


def _refuse_without_return(ending: Ending, came_from: Stage) -> None:
    """A case closed as returned home comes from the ``returned`` stage, which only the
    completion of its return plan reaches (``services.operations.return_plan_complete``) —
    since the case was opened or last reopened. 409 ``no_ending`` otherwise."""
    if ending == Ending.RETURNED_HOME and came_from != Stage.RETURNED:
        raise Conflict(
            _(
                "Say how the case ended: give a reason for closing it, with a comment, or complete the return "
                "plan first."
            ),
            field="reason",
            code="no_ending",
        )


def case_close(*, actor, case: Case, expected_version: int, reason: str | None = None, comment: str = "") -> Case:
    """Close a case (civil affairs), recording how it ended (``Case.ending``).

    Without ``reason`` the case ends as returned home: it must be in the ``returned`` stage —
    its return plan completed, on any pathway — else 409 ``no_ending`` (give a reason or
    complete the return). With a reason (:data:`~victims.choices.CLOSURE_REASONS`; 400
    ``reason`` for another value) civil affairs' ``comment`` is required (400 ``comment``) and
    kept encrypted. Either way every section's close check runs on the locked case and may
    refuse: a person still in a shelter, follow-up visits neither done nor waived — closing
    ends the follow-up, so the officer who closes waives what is still planned, whatever the
    ending (a person who died or cannot be reached is not visited; the waiver says so). 409
    ``invalid_stage_transition`` from a stage that cannot close (a return planned: cancel the
    plan first; transferred; closed). Audit ``case_stage_changed`` with the ending's code."""
    require_action(actor, Action.CLOSE_CASE)
    ending, comment = _ending(reason, comment)
    return _change_stage(
        actor=actor, case=case, expected_version=expected_version, to=Stage.CLOSED, reason="case closed",
        refuse=partial(_refuse_without_return, ending), checks=casefile.close_checks(),
        ending=ending, closure_comment=comment, closed_on=validation.today(),
    )  # fmt: skip


def case_reopen(*, actor, case: Case, expected_version: int, comment: str = "") -> Case:
    """Reopen a closed case, or one handed over out of the province (``transferred``: the hand-over
    fell through, or the person came back), as civil affairs (``close_case``), e.g. when the
    person needs help again: the case is ``registered`` and writable again; its ending and the
    comment on closing are cleared (history keeps them; a hand-over stays among its records);
    the next close records anew. ``comment`` says why (required: 400 ``comment``), kept on the
    case's ``decision_comment``. 409 ``invalid_stage_transition`` from any other stage."""
    require_action(actor, Action.CLOSE_CASE)
    comment = decision_comment(Case, comment, required=True)
    return _change_stage(
        actor=actor, case=case, expected_version=expected_version, to=Stage.REGISTERED, reason="case reopened",
        closed_on=None, ending="", closure_comment="", decision_comment=comment,
    )  # fmt: skip


def case_resolve_duplicate(*, actor, case: Case, expected_version: int, same_person: bool) -> Case:
    """Civil affairs settles a possible duplicate: not the same person (flag cleared), or the
    same person (kept linked to the earlier case for the record)."""
    require_action(actor, Action.RESOLVE_DUPLICATE)
    with transaction.atomic(), recorded_change(actor=actor, reason="possible duplicate resolved"):
        locked = lock_case(actor, case, expected_version)
        if not locked.possible_duplicate:
            raise Conflict(_("This case is not flagged as a possible duplicate."), code="not_a_duplicate")
        locked.possible_duplicate = False
        if not same_person:
            locked.duplicate_of = None
        locked.version += 1
        locked.save()
        record_event(
            action=AuditAction.DUPLICATE_RESOLVED, actor=actor, case_uuid=locked.uuid, sections=[Section.IDENTITY],
            detail={"same_person": same_person},
        )  # fmt: skip
    return locked


def _assignable(caseworker, field: str = "caseworker") -> None:
    """400 naming ``field`` unless ``caseworker`` is an active caseworker."""
    if caseworker is None or caseworker.role != Role.CASEWORKER or not caseworker.is_active:
        raise RuleViolation(_("Only an active caseworker can be assigned."), field=field)


def _record_assignment(*, actor, case: Case, assigned=None, unassigned=None) -> None:
    """Bump the locked case's version (a stale form is refused), save it inside the caller's
    ``recorded_change`` and write one audit event naming the accounts by UUID."""
    case.version += 1
    case.save()
    detail = {}
    if assigned is not None:
        detail["assigned"] = str(assigned.uuid)
    if unassigned is not None:
        detail["unassigned"] = str(unassigned.uuid)
    action = AuditAction.CASEWORKER_ASSIGNED if assigned is not None else AuditAction.CASEWORKER_UNASSIGNED
    record_event(action=action, actor=actor, case_uuid=case.uuid, sections=[Section.PERSON], detail=detail)


def _refuse_closed(case: Case) -> None:
    """409 ``case_closed``: a closed case keeps its caseworkers as they were when it closed."""
    if case.stage in stages.CLOSED_STAGES:
        raise Conflict(_("This case is closed: its caseworkers stay as they were."), code="case_closed")


def case_assign(*, actor, case: Case, caseworker, expected_version: int) -> Case:
    """Assign a caseworker of the case's lead organization to it (``assign_caseworker``: the
    caseworkers of the organization and civil affairs, within their scope — 404 outside it).

    An assignment never widens who sees the case: 400 ``caseworker`` unless an active
    caseworker of the lead organization; 409 ``already_assigned``; 409 ``case_closed``; 412 when
    stale. History ("caseworker assigned") and a ``caseworker_assigned`` event naming her by UUID."""
    require_action(actor, Action.ASSIGN_CASEWORKER)
    _assignable(caseworker)
    with transaction.atomic(), recorded_change(actor=actor, reason="caseworker assigned"):
        locked = lock_case(actor, case, expected_version)
        if caseworker.organization_id != locked.lead_organization_id:
            raise RuleViolation(_("Assign a caseworker of the case's lead organization."), field="caseworker")
        _refuse_closed(locked)
        if locked.assigned_caseworkers.filter(pk=caseworker.pk).exists():
            raise Conflict(_("This caseworker is assigned to the case already."), code="already_assigned")
        locked.assigned_caseworkers.add(caseworker)
        _record_assignment(actor=actor, case=locked, assigned=caseworker)
    return locked


def case_unassign(*, actor, case: Case, caseworker, expected_version: int) -> Case:
    """Unassign a caseworker from the case (``assign_caseworker``, within scope: 404 outside
    it); 409 ``not_assigned`` when she is not, 409 ``case_closed``; 412 when stale. The lead
    organization keeps the case: its caseworkers still see it."""
    require_action(actor, Action.ASSIGN_CASEWORKER)
    with transaction.atomic(), recorded_change(actor=actor, reason="caseworker unassigned"):
        locked = lock_case(actor, case, expected_version)
        _refuse_closed(locked)
        if caseworker is None or not locked.assigned_caseworkers.filter(pk=caseworker.pk).exists():
            raise Conflict(_("This caseworker is not assigned to the case."), field="caseworker", code="not_assigned")
        locked.assigned_caseworkers.remove(caseworker)
        _record_assignment(actor=actor, case=locked, unassigned=caseworker)
    return locked


def caseworker_cases_reassign(*, actor, caseworker, to) -> int:
    """Hand every open case assigned to ``caseworker`` that the actor sees to ``to`` (a
    caseworker who leaves, or is away): one operation, one transaction, one history row and one
    ``caseworker_assigned`` event per case (naming both accounts). Return how many cases.

    ``assign_caseworker`` (403); 400 ``caseworker`` / ``to`` unless both are active caseworkers
    of one organization (``to`` must be active; ``caseworker`` may be disabled already) and
    different. Only the cases led by their organization move (an assignment never widens who
    sees a case); closed and handed-over cases keep their caseworkers as they were. Cases are
    locked in key order, so two reassignments cannot deadlock."""
    require_action(actor, Action.ASSIGN_CASEWORKER)
    if caseworker is None or caseworker.role != Role.CASEWORKER:
        raise RuleViolation(_("Choose the caseworker whose cases are handed on."), field="caseworker")
    _assignable(to, field="to")
    if to.pk == caseworker.pk or to.organization_id != caseworker.organization_id:
        raise RuleViolation(_("Hand the cases to another caseworker of the same organization."), field="to")
    cases = (
        Case.objects.visible_to(actor)
        .filter(assigned_caseworkers=caseworker, lead_organization_id=to.organization_id)
        .exclude(stage__in=stages.CLOSED_STAGES)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    handed = 0
    with transaction.atomic(), recorded_change(actor=actor, reason="cases handed to another caseworker"):
        for locked in cases:
            locked.assigned_caseworkers.remove(caseworker)
            locked.assigned_caseworkers.add(to)
            locked.version += 1
            locked.save()
            record_event(
                action=AuditAction.CASEWORKER_ASSIGNED, actor=actor, case_uuid=locked.uuid, sections=[Section.PERSON],
                detail={"assigned": str(to.uuid), "unassigned": str(caseworker.uuid)},
            )  # fmt: skip
            handed += 1
    return handed


def case_assignments_release(*, actor, user) -> int:
    """Unassign ``user`` from every case its placement alone does not reach; return how many.

    The releaser the victims app registers with ``registry.accounts.access`` (issue 13, item 6):
    called inside the transaction of an account operation — a change of role, organization or
    jurisdiction, or disabling — after the account's new placement is saved. Only a caseworker
    works on cases through assignments (``case_assign``), and her placement reaches the cases
    of her own organization; so an assignment is kept only while the account is a caseworker of
    the case's lead organization, and every other one is dropped. The actor (the system
    administrator) reads nothing of the cases: each is locked by key, its version bumped so a
    stale form is refused, and its history row and ``record_updated`` event name the account
    unassigned (by UUID) — a ``caseworker_unassigned`` event.
    """
    assigned = Case.objects.filter(assigned_caseworkers=user)
    if user.role == Role.CASEWORKER and user.organization_id:
        assigned = assigned.exclude(lead_organization_id=user.organization_id)
    released = 0
    with transaction.atomic(), recorded_change(actor=actor, reason="caseworker unassigned: account moved or disabled"):
        for locked in assigned.select_for_update(of=("self",)).order_by("pk"):
            locked.assigned_caseworkers.remove(user)
            locked.version += 1
            locked.save()
            record_event(
                action=AuditAction.CASEWORKER_UNASSIGNED, actor=actor, case_uuid=locked.uuid,
                sections=[Section.PERSON], detail={"unassigned": str(user.uuid)},
            )  # fmt: skip
            released += 1
    return released
