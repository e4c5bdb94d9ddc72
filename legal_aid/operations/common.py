"""What the legal aid operations share: the write rule and the locks, the checks of values and
of whole records, and the save that writes the audit event.

- **Through referrals only.** The writer's centre must hold an *accepted* legal aid referral on the
  case (locked for the rest of the transaction, so it cannot be completed half-way through a
  write). Once the referral is completed the centre still reads its matters but changes nothing
  (403, saying why).
- **One centre's matters.** A matter is reached through ``LegalAidMatter.objects.visible_to``, which
  gives a legal aid worker the matters of their own centre only: another centre's matter is
  absent (404), even on a case referred to both.
- Locks are taken case → matter (→ activity), the order of ``registry.operations.lock_for_change``.
- :func:`check_record` holds the rules every save checks: dates of facts are not in the future;
  a matter's compensation, its lawyer once work started and its outcome when concluded before
  work started; then the model's own (``full_clean``).
- Audit events carry no free text: the model, the record's id, the new status or the names of
  the changed fields.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from legal_aid.choices import MatterStatus, Outcome
from legal_aid.models import LegalAidMatter
from registry.audit import record_event
from registry.errors import RuleViolation
from registry.models import AuditAction
from registry.operations import full_clean, lock_for_change
from registry.policy import Section, require_write
from victims import validation
from victims.models import Case, Referral
from victims.operations import lock_case, require_referred_write

# Dates that record something that happened: never in the future.
FACT_DATES = ("applied_on", "decided_on", "started_on", "concluded_on", "compensation_received_on", "occurred_on")


def require_recording(actor, case: Case, *, lock: bool = True) -> list[Referral]:
    """The actor's centre's accepted legal aid referrals of ``case`` (at most one in practice: a
    second open referral to the same centre is refused); 403 saying why when there is none —
    not accepted yet, or completed (the record is then read-only): the receiving-department
    rule, ``victims.operations.require_referred_write``. Operations lock the rows (``lock``) so
    the referral cannot be completed half-way through a write; a page asking whether to show a
    button does not."""
    return require_referred_write(actor, case, Section.LEGAL_AID, lock=lock)


def lock_matter(actor, matter: LegalAidMatter, expected_version: int | None) -> LegalAidMatter:
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


def require_date(value, field: str) -> None:
    if value is None:
        raise RuleViolation(_("Give the date."), field=field)


def stripped(value) -> str:
    return (value or "").strip()


def check_choice(value, choices, field: str, message: str) -> None:
    if value not in choices.values:
        raise RuleViolation(message, field=field)


def check_record(record) -> None:
    """Dates of facts are not in the future, and all dates in the order life allows
    (``validation.check_chronology``: none before the person's birth, no end before its start);
    then the model's own rules (``full_clean``)."""
    for name in FACT_DATES:
        value = getattr(record, name, None)
        if value is not None and not isinstance(value, datetime.date):
            raise RuleViolation(_("Give the date."), field=name)
        validation.check_not_future(value, name)
    validation.check_chronology(record, record.case)
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


def save_audited(record, *, actor, action: AuditAction, detail: dict) -> None:
    record.save()
    record_event(
        action=action,
        actor=actor,
        case_uuid=record.case.uuid,
        sections=[Section.LEGAL_AID],
        detail={"model": record._meta.model_name, "record": str(record.uuid), **detail},
    )
