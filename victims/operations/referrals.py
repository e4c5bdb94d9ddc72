"""Referrals of part of a case to another department (DESIGN §2 rule 9): create, respond
(accept, decline, complete), approve a child's, revoke; and the receiving departments' write
rule, ``require_referred_write``, which the services' and legal aid operations use too.

Guarantees: a referral needs a recorded consent for its service that is not withdrawn (a
guardian's or a statutory basis for a child under :data:`CHILD_CONSENT_AGE`), and a child's
waits for a civil affairs officer's approval before the receiver sees anything; one open
referral per organization and service (409 ``duplicate_referral``, checked under the case's row
lock, so simultaneous requests create one); a referral's status moves only along its steps
(409 ``invalid_referral_transition``); only the receiving organization answers it (403); its
free text is bounded by its field (400 naming it).

Civil affairs approves a child's referral or rejects it (``rejected``: final — the reason goes
to its author's inbox and stays on the record; a new referral can be made once the reason is
dealt with); the referring side revokes an open one. Each decision keeps its comment on the
referral's encrypted ``decision_comment`` (``registry.decisions.decision_comment``), so history
holds every decision's comment; a reject and a revoke need one (400 ``comment``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.choices import NotificationKind
from inbox.notify import civil_affairs_over, notify, referral_receivers, settle
from registry import policy
from registry.audit import record_event
from registry.choices import Department
from registry.decisions import decision_comment
from registry.errors import Conflict, PermissionDenied, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction, Organization
from registry.operations import clean_value, full_clean, lock_for_change, require_room
from registry.policy import Action, Section, require_action, require_write
from victims import validation
from victims.choices import OPEN_REFERRAL_STATUSES, ConsentGiver, ReferralStatus, Service
from victims.models import Case, Consent, Referral
from victims.operations.common import lock_case, victim_age

# Which department's organizations may receive a referral for each service.
SERVICE_DEPARTMENT = {
    Service.SCHOOLING: Department.EDUCATION,
    Service.TRAINING: Department.LABOR,
    Service.LEGAL_AID: Department.JUSTICE,
}
CHILD_CONSENT_AGE = 14  # under it, a guardian consents and civil affairs approves referrals


def require_referred_write(actor, case: Case, section: Section, *, lock: bool = False) -> list[Referral]:
    """``registry.policy.require_receiving_write`` for ``actor`` writing ``section`` of ``case``,
    over the statuses of the case's referrals to the actor's organization for the section's
    service (403 ``referral_not_accepted`` / ``referral_completed``); returns the accepted ones
    (none for a role that receives no referral: its scope decides). ``lock`` locks those
    referrals for the rest of the transaction (call with the case locked), so that none is
    completed half-way through a write; a page asking whether to offer a form does not lock."""
    require_write(actor, section)
    if policy.receiving_section(actor) is None:
        return []
    referrals = Referral.objects.filter(
        case=case, to_organization=actor.organization_id, service=Service(section)
    ).order_by("id")
    if lock:
        referrals = referrals.select_for_update()
    referrals = list(referrals) if actor.organization_id is not None else []
    policy.require_receiving_write(actor, section, [referral.status for referral in referrals])
    return [referral for referral in referrals if referral.status == ReferralStatus.ACCEPTED]


def _active_consent(case: Case, service: Service, *, child: bool) -> Consent | None:
    consents = Consent.objects.current().filter(case=case, service=service, withdrawn_on__isnull=True).order_by("-id")
    if child:
        consents = consents.exclude(given_by=ConsentGiver.PERSON)  # a child's own consent is not enough
    return consents.first()


def referral_create(
    *, actor, case: Case, service: Service, to_organization: Organization, reason: str = ""
) -> Referral:
    """Refer part of the case to another department's organization.

    Needs a recorded consent for the service that is not withdrawn (a guardian's or a statutory
    basis for a child under 14). A child's referral waits for a civil affairs officer's approval
    before the receiving organization sees anything."""
    service = Service(service)
    require_write(actor, Section.REFERRALS)
    if not to_organization.is_active or to_organization.department != SERVICE_DEPARTMENT[service]:
        raise RuleViolation(_("This organization does not provide that service."), field="to_organization")
    with transaction.atomic(), recorded_change(actor=actor, reason="referral created"):
        case = lock_case(actor, case)
        age = victim_age(case.victim)
        validation.check_referral_age(service, age)
        child = age is None or age < CHILD_CONSENT_AGE
        consent = _active_consent(case, service, child=child)
        if consent is None:
            message = (
                _("Record the guardian's consent or a statutory basis for this service first.")
                if child
                else _("Record the person's consent for this service first.")
            )
            raise RuleViolation(message, field="consent", code="consent_required")
        if Referral.objects.filter(
            case=case, to_organization=to_organization, service=service,
            status__in=OPEN_REFERRAL_STATUSES,
        ).exists():  # fmt: skip
            raise Conflict(_("An open referral to this organization already exists."), code="duplicate_referral")
        require_room(Referral, case)
        referral = Referral(
            case=case,
            service=service,
            to_organization=to_organization,
            consent=consent,
            status=ReferralStatus.AWAITING_APPROVAL if child else ReferralStatus.PENDING,
            reason=reason,
            created_by=actor,
        )
        full_clean(referral, exclude=["case", "consent", "created_by", "to_organization"])
        referral.save()
        if child:
            notify(
                NotificationKind.CHILD_REFERRAL_TO_APPROVE,
                civil_affairs_over(case.jurisdiction.code),
                case=case,
                subject=referral,
                actor=actor,
            )
        else:
            notify(
                NotificationKind.REFERRAL_RECEIVED,
                referral_receivers(referral),
                case=case,
                subject=referral,
                actor=actor,
            )
        record_event(
            action=AuditAction.REFERRAL_CREATED, actor=actor, case_uuid=case.uuid, sections=[Section.REFERRALS],
            detail={"referral": str(referral.uuid), "service": service.value},
        )  # fmt: skip
    return referral


_RESPONSES = {
    "accept": (ReferralStatus.PENDING, ReferralStatus.ACCEPTED, AuditAction.REFERRAL_ACCEPTED),
    "decline": (ReferralStatus.PENDING, ReferralStatus.DECLINED, AuditAction.REFERRAL_DECLINED),
    "complete": (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED, AuditAction.REFERRAL_COMPLETED),
}


def _lock_referral(actor, referral: Referral, expected_version: int | None) -> Referral:
    """The referral alone, locked if the actor sees it (404), at ``expected_version`` (412). An
    answer to a referral changes no other row, so it locks no case."""
    rows = Referral.objects.visible_to(actor)
    return lock_for_change(rows, referral.pk, missing=_("No such referral."), expected_version=expected_version)


def _set_status(referral: Referral, expected: ReferralStatus, new: ReferralStatus) -> None:
    if referral.status != expected:
        raise Conflict(
            _("The referral is “%(status)s”; this step needs it “%(expected)s”.")
            % {"status": ReferralStatus(referral.status).label, "expected": expected.label},
            field="status",
            code="invalid_referral_transition",
        )
    referral.status = new
    referral.version += 1


def referral_respond(
    *, actor, referral: Referral, decision: str, note: str = "", expected_version: int | None = None
) -> Referral:
    """The receiving organization accepts or declines a pending referral, or completes an
    accepted one. Only users of that organization whose role may respond."""
    if decision not in _RESPONSES:
        raise RuleViolation(_("Answer accept, decline or complete."), field="decision")
    require_action(actor, Action.RESPOND_REFERRAL)
    expected, new, event = _RESPONSES[decision]
    with transaction.atomic(), recorded_change(actor=actor, reason=f"referral {decision}"):
        locked = _lock_referral(actor, referral, expected_version)
        if locked.to_organization_id != actor.organization_id:
            raise PermissionDenied(_("Only the receiving organization answers a referral."))
        _set_status(locked, expected, new)
        if expected == ReferralStatus.PENDING:  # its answer, accepted or declined (the reports' days to answer)
            locked.answered_at = timezone.now()
        locked.responded_by = actor
        locked.response_note = clean_value(Referral, "response_note", note, field="note")
        locked.save()
        if expected == ReferralStatus.PENDING:
            settle([NotificationKind.REFERRAL_RECEIVED], locked)
            notify(
                NotificationKind.REFERRAL_ANSWERED, [locked.created_by], case=locked.case, subject=locked, actor=actor
            )
        record_event(
            action=event, actor=actor, case_uuid=locked.case.uuid, sections=[Section.REFERRALS],
            detail={"referral": str(locked.uuid)},
        )  # fmt: skip
    return locked


def referral_approve(*, actor, referral: Referral, expected_version: int | None = None, comment: str = "") -> Referral:
    """A civil affairs officer approves a child's referral; the receiver sees the case from now.
    ``comment`` (optional) is kept on the referral."""
    require_action(actor, Action.APPROVE_CHILD_REFERRAL)
    comment = decision_comment(Referral, comment, required=False)
    with transaction.atomic(), recorded_change(actor=actor, reason="child referral approved"):
        locked = _lock_referral(actor, referral, expected_version)
        _set_status(locked, ReferralStatus.AWAITING_APPROVAL, ReferralStatus.PENDING)
        locked.approved_by = actor
        locked.decision_comment = comment
        locked.save()
        settle([NotificationKind.CHILD_REFERRAL_TO_APPROVE], locked)
        notify(
            NotificationKind.REFERRAL_RECEIVED,
            referral_receivers(locked),
            case=locked.case,
            subject=locked,
            actor=actor,
        )
        record_event(
            action=AuditAction.APPROVAL_GRANTED, actor=actor, case_uuid=locked.case.uuid,
            sections=[Section.REFERRALS], detail={"referral": str(locked.uuid)},
        )  # fmt: skip
    return locked


def referral_reject(*, actor, referral: Referral, comment: str = "", expected_version: int | None = None) -> Referral:
    """A civil affairs officer rejects a child's referral awaiting approval, saying why (400
    ``comment`` without a reason): it is ``rejected`` — final, the receiver never sees the case;
    a new referral can be made. Its author is told in the inbox and reads the reason on the
    referral. 409 ``invalid_referral_transition`` unless awaiting approval. Audit
    ``approval_refused`` (never the reason: it is free text, kept encrypted on the referral)."""
    require_action(actor, Action.APPROVE_CHILD_REFERRAL)
    comment = decision_comment(Referral, comment, required=True)
    with transaction.atomic(), recorded_change(actor=actor, reason="child referral rejected"):
        locked = _lock_referral(actor, referral, expected_version)
        _set_status(locked, ReferralStatus.AWAITING_APPROVAL, ReferralStatus.REJECTED)
        locked.decision_comment = comment
        locked.save()
        settle([NotificationKind.CHILD_REFERRAL_TO_APPROVE], locked)
        notify(NotificationKind.DECISION_REJECTED, [locked.created_by], case=locked.case, subject=locked, actor=actor)
        record_event(
            action=AuditAction.APPROVAL_REFUSED, actor=actor, case_uuid=locked.case.uuid,
            sections=[Section.REFERRALS], detail={"referral": str(locked.uuid)},
        )  # fmt: skip
    return locked


def referral_revoke(*, actor, referral: Referral, comment: str = "", expected_version: int | None = None) -> Referral:
    """Withdraw a referral that is still open, saying why (400 ``comment`` without a reason,
    kept on the referral); the receiver loses access at once."""
    require_write(actor, Section.REFERRALS)
    comment = decision_comment(Referral, comment, required=True)
    with transaction.atomic(), recorded_change(actor=actor, reason="referral revoked"):
        locked = _lock_referral(actor, referral, expected_version)
        if locked.status not in OPEN_REFERRAL_STATUSES:
            raise Conflict(
                _("Only an open referral can be revoked."), field="status", code="invalid_referral_transition"
            )
        locked.status = ReferralStatus.REVOKED
        locked.decision_comment = comment
        locked.version += 1
        locked.save()
        settle([NotificationKind.CHILD_REFERRAL_TO_APPROVE, NotificationKind.REFERRAL_RECEIVED], locked)
        record_event(
            action=AuditAction.REFERRAL_REVOKED, actor=actor, case_uuid=locked.case.uuid,
            sections=[Section.REFERRALS], detail={"referral": str(locked.uuid)},
        )  # fmt: skip
    return locked
