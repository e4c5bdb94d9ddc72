"""Changes to the case itself: its stage (transfer to another province, close, reopen), a
possible duplicate settled, a caseworker assigned.

Guarantees: the stage moves only through ``victims.stages.move`` on the locked case, at the
version the caller read (412 when stale); closing runs every section's close check
(``registry.casefile.close_checks``) on the locked case; a transfer's reason (free text that
may name people or places) goes to an encrypted field, never into the history reason or the
audit log.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from registry import casefile
from registry.audit import record_event
from registry.choices import Role
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import clean_value
from registry.policy import Action, Section, require_action, require_write
from victims import stages, validation
from victims.choices import Stage
from victims.models import Case
from victims.operations.common import lock_case


def _change_stage(
    *, actor, case: Case, expected_version: int | None, to: Stage, reason: str, checks=(), **fields
) -> Case:
    with transaction.atomic(), recorded_change(actor=actor, reason=reason):
        locked = lock_case(actor, case, expected_version)
        stages.move(locked, to)
        for check in checks:
            check(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save()
        record_event(
            action=AuditAction.CASE_STAGE_CHANGED, actor=actor, case_uuid=locked.uuid, sections=[Section.PERSON],
            detail={"stage": locked.stage},
        )  # fmt: skip
    return locked


def case_transfer(*, actor, case: Case, expected_version: int, reason: str) -> Case:
    """Hand the case to another province (it leaves this registry's active work)."""
    require_action(actor, Action.CLOSE_CASE)
    if not reason.strip():
        raise RuleViolation(_("Give the reason and the receiving province."), field="reason")
    # The free text may name people or places: it goes to an encrypted field, never into the
    # history reason or the audit log.
    note = clean_value(Case, "transfer_note", reason.strip(), field="reason")
    return _change_stage(actor=actor, case=case, expected_version=expected_version, to=Stage.TRANSFERRED,
                         reason="transferred to another province", transfer_note=note)  # fmt: skip


def case_close(*, actor, case: Case, expected_version: int) -> Case:
    """Close a case (civil affairs), unless a close check of a section (``registry.casefile``) refuses."""
    require_action(actor, Action.CLOSE_CASE)
    return _change_stage(
        actor=actor, case=case, expected_version=expected_version, to=Stage.CLOSED, reason="case closed",
        checks=casefile.close_checks(), closed_on=validation.today(),
    )  # fmt: skip


def case_reopen(*, actor, case: Case, expected_version: int) -> Case:
    """Reopen a closed case (civil affairs), e.g. when the person needs help again."""
    require_action(actor, Action.CLOSE_CASE)
    return _change_stage(
        actor=actor, case=case, expected_version=expected_version, to=Stage.REGISTERED, reason="case reopened",
        closed_on=None,
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


def case_assign(*, actor, case: Case, caseworker, expected_version: int) -> Case:
    """Assign a caseworker (of the lead organization, or another one helping) to the case."""
    require_write(actor, Section.PERSON)
    if caseworker.role != Role.CASEWORKER or not caseworker.is_active:
        raise RuleViolation(_("Only an active caseworker can be assigned."), field="caseworker")
    with transaction.atomic(), recorded_change(actor=actor, reason="caseworker assigned"):
        locked = lock_case(actor, case, expected_version)
        locked.assigned_caseworkers.add(caseworker)
        locked.version += 1
        locked.save()
        record_event(
            action=AuditAction.RECORD_UPDATED, actor=actor, case_uuid=locked.uuid, sections=[Section.PERSON],
            detail={"assigned": str(caseworker.uuid)},
        )  # fmt: skip
    return locked


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
    unassigned (by UUID), as ``case_assign`` does for an assignment.
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
                action=AuditAction.RECORD_UPDATED, actor=actor, case_uuid=locked.uuid, sections=[Section.PERSON],
                detail={"unassigned": str(user.uuid)},
            )  # fmt: skip
            released += 1
    return released
