"""Voiding a record entered by mistake (issue 18 item 4): no record is ever deleted; a voided one
stays in the case file, greyed with its reason, and leaves reports, dossiers' current view and
the rules that count records (``CaseRecordQuerySet.current``, ``registry.operations.require_room``).

Guarantees of :func:`record_void`:

- only a kind of :data:`VOIDABLE` (404 for any other: the care plan, its reviews and its needs
  — one rating per domain, corrected in place —, transfers, hand-overs and documents have their
  own ending: approval, correction, withdrawal);
- by whoever may write the record's section (403 otherwise; a receiving department only while
  its referral is accepted, as for any of its writes), on a case the actor sees (404);
- with a reason (400 on ``reason`` when blank or too long), kept encrypted on the record
  (``void_reason``) and so in its history, with who (``voided_by``) and when (``voided_at``);
- the case locked, then the record, at the version the caller read (412 when stale); a record
  already voided is refused (409 ``record_voided``, ``registry.operations.lock_for_change``),
  and so is every later change of it;
- never a record that another rule relies on while it is in force (409 ``record_in_force``): an
  open referral, or one that still lets the receiving organization see the case; a consent that
  such a referral rests on; a shelter placement not yet discharged (the bed count, the stage);
  a return plan awaiting approval, approved or completed (the stage, the follow-up visits), the
  household it returns the person to and the matched DNA sample it was approved on; a follow-up
  visit neither done nor waived (closing the case); a legal aid matter still open; a care goal
  still open (closing the case). These end first by their own decision (revoke, discharge,
  cancel, waive, conclude), then the record may be voided;
- one history row (reason ``<kind> voided``) and one ``record_voided`` audit event naming the
  kind and the record (never the reason), in the same transaction. Voiding a rescue recomputes
  the case's first rescue day and age band at rescue from the rescues left.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from care.choices import GoalStatus
from legal_aid.choices import OPEN_STATUSES as OPEN_MATTER_STATUSES
from registry.audit import record_event
from registry.errors import Conflict, NotFound, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import clean_value
from services.choices import ACTIVE_RETURN_PLAN_STATUSES, ReturnPlanStatus
from victims.choices import OPEN_REFERRAL_STATUSES, DNAMatch
from victims.models import CaseRecord, Rescue
from victims.operations.common import lock_record, refresh_rescue_facts
from victims.operations.referrals import require_referred_write

# A return plan that moved the case on (or may still): what it rests on stays.
_PLANS_RELIED_ON = (*ACTIVE_RETURN_PLAN_STATUSES, ReturnPlanStatus.COMPLETED)


def _referral_in_force(referral) -> bool:
    return referral.status in OPEN_REFERRAL_STATUSES or referral.visible_to_receiver


def _consent_in_force(consent) -> bool:
    relied_on = Q(status__in=OPEN_REFERRAL_STATUSES) | Q(visible_to_receiver=True)
    return consent.case.referrals.filter(relied_on, service=consent.service).exists()


def _household_in_force(household) -> bool:
    return household.return_plans.filter(status__in=_PLANS_RELIED_ON).exists()


def _dna_sample_in_force(sample) -> bool:
    return sample.match == DNAMatch.CONFIRMED and sample.case.returnplans.filter(status__in=_PLANS_RELIED_ON).exists()


def _never(record) -> bool:
    return False


# The kinds that may be voided (``app_label.modelname``), each with when it is still in force.
VOIDABLE: dict[str, Callable[[models.Model], bool]] = {
    "victims.rescue": _never,
    "victims.healthassessment": _never,
    "victims.dnasample": _dna_sample_in_force,
    "victims.household": _household_in_force,
    "victims.familymember": _never,
    "victims.consent": _consent_in_force,
    "victims.referral": _referral_in_force,
    "services.shelterplacement": lambda placement: placement.discharged_on is None,
    "services.schoolenrollment": _never,
    "services.vocationaltraining": _never,
    "services.employmentplacement": _never,
    "services.returnplan": lambda plan: plan.status in _PLANS_RELIED_ON,
    "services.followupvisit": lambda visit: visit.visited_on is None and visit.waived_on is None,
    "legal_aid.legalaidmatter": lambda matter: matter.status in OPEN_MATTER_STATUSES,
    "legal_aid.legalaidactivity": _never,
    "care.goal": lambda goal: goal.status == GoalStatus.OPEN,
    "care.casenote": _never,
    "care.conferencedecision": _never,
}


def may_void(model: type[models.Model]) -> bool:
    """Whether records of ``model`` can be voided at all (a kind of :data:`VOIDABLE`)."""
    return model._meta.label_lower in VOIDABLE


def refuse_in_force(record: CaseRecord) -> None:
    """409 ``record_in_force`` when another rule relies on ``record`` as it stands (see the
    module's guarantees); a page may ask before offering the confirmation, the operation asks
    again with the record locked."""
    if VOIDABLE[record._meta.label_lower](record):
        raise Conflict(
            _(
                "This record is still in force and other records rely on it: end it first "
                "(revoke, discharge, cancel, waive or conclude it), then void it."
            ),
            code="record_in_force",
        )


def record_void(*, actor, record: CaseRecord, expected_version: int, reason: str) -> CaseRecord:
    """Void ``record`` (one the caller read through the scoped path, e.g.
    ``victims.selectors.case_record``) as entered by mistake, with ``reason``; see the module's
    guarantees. Returns the record, voided, at its next version."""
    model = type(record)
    if not may_void(model):
        raise NotFound(_("This kind of record cannot be voided."))
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("Give the reason for voiding this record."), field="reason")
    reason = clean_value(model, "void_reason", reason, field="reason")
    require_referred_write(actor, record.case, model.section)
    with transaction.atomic(), recorded_change(actor=actor, reason=f"{model._meta.model_name} voided"):
        locked = lock_record(actor, record, expected_version)
        refuse_in_force(locked)
        locked.voided_at = timezone.now()
        locked.voided_by = actor
        locked.void_reason = reason
        locked.version += 1
        locked.save()
        if isinstance(locked, Rescue):
            refresh_rescue_facts(locked.case, locked.case.victim.birth_date)
        record_event(
            action=AuditAction.RECORD_VOIDED, actor=actor, case_uuid=locked.case.uuid, sections=[model.section],
            detail={"model": model._meta.model_name, "record": str(locked.uuid)},
        )  # fmt: skip
    return locked
