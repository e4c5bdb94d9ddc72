"""Every change to a transfer of a case between two organizations of the province: requested by
who sees the case, then accepted or declined by a receiver, or withdrawn by the sender side.

Guarantees of every operation here:

- **Policy and scope.** The actor's role may ``transfer_case``. A request and a withdrawal come
  from the sender side: the actor sees the case (404 otherwise, before the 403 of the role); an
  answer comes from a receiver (``transfers.selectors.incoming_for``: the receiving
  organization's caseworkers, civil affairs over it) — 404 for anyone else, the same answer as
  an absent transfer.
- **One transaction, the lock order of ``registry.operations.lock_for_change``**: the case row
  first (when the operation changes or checks it), then the transfer row. A transfer's status
  is checked on the locked row before its version, so of two receivers accepting at once
  exactly one succeeds and the other gets 409 ``transfer_decided`` (not a 412 that would invite
  a retry); a stale version is 412 (the case's for a request, the transfer's for an answer or a
  withdrawal, when the caller names one).
- **The case changes only on acceptance**, in that one transaction: its lead organization and
  jurisdiction become the receiver's, its assignments are cleared and its version is bumped,
  with a history row "transferred to another organization". A request, a decline and a
  withdrawal change no column of the case (its version stays: a page the sender has open still
  saves), only the transfer — which a decision makes final (``DECIDED_STATUSES``).
- **History and audit**: every write inside ``registry.history.recorded_change`` and one audit
  event (``transfer_requested`` / ``_accepted`` / ``_declined`` / ``_withdrawn``) naming the
  transfer and organizations by UUID — never a comment, which may name people and is encrypted.
- **Inbox**: the receivers are told of a request (``transfer_to_answer``), the requester of an
  answer (``transfer_answered``), by ``inbox.notify`` inside the same transaction — a rolled-back
  operation leaves no item.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.choices import NotificationKind
from inbox.notify import civil_affairs_over, notify, settle, staff_of
from registry.audit import record_event
from registry.choices import RESIDENTIAL_KINDS, Role
from registry.concurrency import ensure_version
from registry.decisions import decision_comment
from registry.errors import Conflict, PermissionDenied, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction, Organization
from registry.operations import clean_value, full_clean, lock_for_change, require_room
from registry.policy import Action, Section, require_action
from services.models import ShelterPlacement
from transfers import selectors
from transfers.choices import TransferReason, TransferStatus
from transfers.models import CaseTransfer
from victims.models import Case
from victims.operations import lock_case
from victims.stages import CLOSED_STAGES


def province_of(code: str) -> str:
    """The province of a GB/T 2260 code: its first two digits."""
    return code[:2]


def eligible_receivers(case: Case):
    """The organizations ``case`` may be transferred to: the active residential ones (shelters,
    welfare homes) of its province, but its lead organization."""
    return (
        Organization.objects.filter(
            is_active=True,
            kind__in=RESIDENTIAL_KINDS,
            jurisdiction__code__startswith=province_of(case.jurisdiction.code),
        )
        .exclude(pk=case.lead_organization_id)
        .select_related("jurisdiction")
        .order_by("jurisdiction__code", "name")
    )


def receivers_of(organization: Organization) -> list:
    """Who answers a transfer to ``organization``: its caseworkers and the civil affairs
    officers whose jurisdiction contains its own."""
    found = {user.pk: user for user in staff_of(organization.pk, [Role.CASEWORKER])}
    found.update({user.pk: user for user in civil_affairs_over(organization.jurisdiction.code)})
    return list(found.values())


def _refuse_closed(case: Case) -> None:
    if case.stage in CLOSED_STAGES:
        raise Conflict(_("This case is closed or handed over: it cannot be transferred."), code="case_closed")


def _check_receiver(case: Case, organization) -> None:
    if (
        not isinstance(organization, Organization)
        or not organization.is_active
        or organization.kind not in RESIDENTIAL_KINDS
        or province_of(organization.jurisdiction.code) != province_of(case.jurisdiction.code)
        or organization.pk == case.lead_organization_id
    ):
        raise RuleViolation(
            _("Choose an active shelter or welfare home of the province, other than the case's lead organization."),
            field="to_organization",
        )


def _sections(value: Iterable[str]) -> list[str]:
    values = list(dict.fromkeys(value or ()))
    if any(item not in Section.values for item in values):
        raise RuleViolation(_("Choose sections of the case file."), field="sections_first")
    return values


def transfer_request(
    *,
    actor,
    case: Case,
    expected_version: int,
    to_organization: Organization,
    reason: str,
    comment: str = "",
    sections_first: Iterable[str] = (),
) -> CaseTransfer:
    """Ask ``to_organization`` to take over ``case``.

    404 unless the actor sees the case, 403 unless the role may ``transfer_case``, 412 when the
    case is no longer at ``expected_version``; 409 ``case_closed`` for a closed or handed-over
    case, 409 ``transfer_pending`` while another request of the case awaits an answer (checked
    under the case's lock; the database allows one pending request per case besides); 400 naming
    ``to_organization`` (an active shelter or welfare home of the case's province, not its lead
    organization), ``reason`` (one of :class:`TransferReason`), ``sections_first`` or
    ``comment`` (its length). The case itself does not change (its version stays); the
    transfer's ``from`` is the case's lead organization and jurisdiction now. Audit
    ``transfer_requested``; the receivers (:func:`receivers_of`) get ``transfer_to_answer``."""
    if reason not in TransferReason.values:
        raise RuleViolation(_("Choose the reason of the transfer."), field="reason")
    sections = _sections(sections_first)
    comment = clean_value(CaseTransfer, "comment", (comment or "").strip())
    with transaction.atomic(), recorded_change(actor=actor, reason="transfer requested"):
        locked = lock_case(actor, case)
        require_action(actor, Action.TRANSFER_CASE)
        ensure_version(locked.version, expected_version)
        _refuse_closed(locked)
        _check_receiver(locked, to_organization)
        if CaseTransfer.objects.filter(case=locked, status=TransferStatus.PENDING).exists():
            raise Conflict(_("A transfer of this case already awaits an answer."), code="transfer_pending")
        require_room(CaseTransfer, locked)
        transfer = CaseTransfer(
            case=locked,
            from_organization_id=locked.lead_organization_id,
            from_jurisdiction_id=locked.jurisdiction_id,
            to_organization=to_organization,
            reason=reason,
            comment=comment,
            sections_first=sections,
            requested_by=actor,
        )
        full_clean(transfer, exclude=["case", "from_organization", "from_jurisdiction", "to_organization"])
        transfer.save()
        record_event(
            action=AuditAction.TRANSFER_REQUESTED, actor=actor, case_uuid=locked.uuid, sections=[Section.TRANSFERS],
            detail={"transfer": str(transfer.uuid), "to_organization": str(to_organization.uuid)},
        )  # fmt: skip
        notify(
            NotificationKind.TRANSFER_TO_ANSWER, receivers_of(to_organization), case=locked, subject=transfer,
            actor=actor,
        )  # fmt: skip
    return transfer


def _refuse_decided(transfer: CaseTransfer) -> None:
    if transfer.status != TransferStatus.PENDING:
        raise Conflict(
            _("This transfer is answered already: “%(status)s”.") % {"status": TransferStatus(transfer.status).label},
            field="status",
            code="transfer_decided",
        )


def _decide(actor, transfer: CaseTransfer, status: TransferStatus, comment: str = "") -> None:
    """Record the answer (or the withdrawal); the receivers' items asking for it are settled."""
    transfer.status = status
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.decision_comment = comment
    transfer.version += 1
    transfer.save()
    settle([NotificationKind.TRANSFER_TO_ANSWER], transfer)


def _lock_as_receiver(actor, transfer: CaseTransfer, expected_version: int | None, case=None) -> CaseTransfer:
    """The transfer, locked, if addressed to ``actor`` (404), still pending (409), at
    ``expected_version`` (412) — after ``case()`` has locked its case, when given."""
    return lock_for_change(
        selectors.incoming_for(actor),
        transfer.pk,
        missing=_("No such transfer."),
        expected_version=expected_version,
        case=case,
        check=_refuse_decided,
    )


def _refuse_bed_elsewhere(case: Case, receiver: Organization) -> None:
    """409 ``placement_open`` while the person holds a bed at a shelter other than the receiver:
    once accepted, the sender no longer sees the case and could not discharge her, and the bed
    would stay taken. The sender discharges her, or moves her placement to the receiver, first."""
    if ShelterPlacement.objects.filter(case=case, discharged_on__isnull=True).exclude(shelter=receiver).exists():
        raise Conflict(
            _(
                "The person still holds a bed at another shelter: the sending organization discharges her, or "
                "moves her placement here, before the transfer can be accepted."
            ),
            code="placement_open",
        )


def transfer_accept(*, actor, transfer: CaseTransfer, expected_version: int | None = None) -> CaseTransfer:
    """A receiver accepts: the case moves to the receiving organization.

    404 unless ``actor`` is a receiver of the transfer (which needs a role that may
    ``transfer_case``); 403 ``four_eyes`` for who requested it (a civil affairs officer over
    both organizations); 409 ``transfer_decided`` once it is answered or withdrawn, 409
    ``case_closed`` when the case was closed or handed over meanwhile, 409
    ``organization_inactive`` when the receiving organization was deactivated, 409
    ``placement_open`` while the person holds a bed at another shelter; 412 when stale.
    In one transaction: the case's lead organization and jurisdiction become the receiving
    organization's, its assigned caseworkers are cleared, its version bumped (history
    "transferred to another organization"); the transfer is accepted, by whom and when. From
    the commit on, the sender's caseworkers — and civil affairs officers whose jurisdiction does
    not contain the receiver's — no longer see the case. Audit ``transfer_accepted``; the
    requester gets ``transfer_answered``."""
    # The receiver does not see the case yet, so its row is locked by key over every case:
    # safe, because the transfer was found among those addressed to the actor first, and the
    # locked transfer is checked again (addressed to the actor, pending) under the lock.
    selectors.transfer_for_receiver(actor, transfer.uuid)
    with transaction.atomic(), recorded_change(actor=actor, reason="transferred to another organization"):

        def lock_the_case() -> Case:
            return lock_for_change(Case.objects.all(), transfer.case_id, missing=_("No such transfer."))

        locked = _lock_as_receiver(actor, transfer, expected_version, case=lock_the_case)
        case = locked.case
        _refuse_closed(case)
        receiver = Organization.objects.select_related("jurisdiction").get(pk=locked.to_organization_id)
        if not receiver.is_active:
            raise Conflict(_("The receiving organization is no longer active."), code="organization_inactive")
        if locked.requested_by_id == actor.pk:
            raise PermissionDenied(
                _("A transfer is accepted by someone other than who requested it."), code="four_eyes"
            )
        _refuse_bed_elsewhere(case, receiver)
        unassigned = case.assigned_caseworkers.count()
        case.assigned_caseworkers.clear()
        case.lead_organization = receiver
        case.jurisdiction = receiver.jurisdiction
        case.version += 1
        case.save()
        _decide(actor, locked, TransferStatus.ACCEPTED)
        record_event(
            action=AuditAction.TRANSFER_ACCEPTED, actor=actor, case_uuid=case.uuid, sections=[Section.TRANSFERS],
            detail={
                "transfer": str(locked.uuid), "from_organization": str(locked.from_organization.uuid),
                "to_organization": str(receiver.uuid), "unassigned": unassigned,
            },
        )  # fmt: skip
        notify(NotificationKind.TRANSFER_ANSWERED, [locked.requested_by], case=case, subject=locked, actor=actor)
    return locked


def transfer_decline(
    *, actor, transfer: CaseTransfer, comment: str, expected_version: int | None = None
) -> CaseTransfer:
    """A receiver declines, saying why (400 ``comment`` when empty or too long; encrypted).

    404 unless ``actor`` is a receiver; 409 ``transfer_decided`` once answered or withdrawn; 412
    when stale. Nothing of the case changes: only the transfer row is locked and written. Audit
    ``transfer_declined``; the requester gets ``transfer_answered``."""
    comment = (comment or "").strip()
    if not comment:
        raise RuleViolation(_("Say why the transfer is declined."), field="comment")
    comment = clean_value(CaseTransfer, "decision_comment", comment, field="comment")
    with transaction.atomic(), recorded_change(actor=actor, reason="transfer declined"):
        locked = _lock_as_receiver(actor, transfer, expected_version)
        _decide(actor, locked, TransferStatus.DECLINED, comment)
        record_event(
            action=AuditAction.TRANSFER_DECLINED, actor=actor, case_uuid=locked.case.uuid,
            sections=[Section.TRANSFERS], detail={"transfer": str(locked.uuid)},
        )  # fmt: skip
        notify(NotificationKind.TRANSFER_ANSWERED, [locked.requested_by], case=locked.case, subject=locked, actor=actor)
    return locked


def transfer_withdraw(
    *, actor, transfer: CaseTransfer, comment: str = "", expected_version: int | None = None
) -> CaseTransfer:
    """The sender side withdraws a pending request, saying why (400 ``comment`` when empty or
    too long; kept encrypted on the transfer, ``registry.decisions``).

    404 unless ``actor`` sees the case, 403 unless the role may ``transfer_case``, 409
    ``transfer_decided`` once answered, 412 when stale. Nothing of the case changes. Audit
    ``transfer_withdrawn``."""
    comment = decision_comment(CaseTransfer, comment, required=True)

    def check(row: CaseTransfer) -> None:
        require_action(actor, Action.TRANSFER_CASE)
        _refuse_decided(row)

    with transaction.atomic(), recorded_change(actor=actor, reason="transfer withdrawn"):
        locked = lock_for_change(
            CaseTransfer.objects.all(),
            transfer.pk,
            missing=_("No such transfer."),
            expected_version=expected_version,
            case=lambda: lock_case(actor, transfer.case),
            check=check,
        )
        _decide(actor, locked, TransferStatus.WITHDRAWN, comment)
        record_event(
            action=AuditAction.TRANSFER_WITHDRAWN, actor=actor, case_uuid=locked.case.uuid,
            sections=[Section.TRANSFERS], detail={"transfer": str(locked.uuid)},
        )  # fmt: skip
    return locked
