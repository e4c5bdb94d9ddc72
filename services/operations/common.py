"""What the services' operations share: the receiving departments' write rule, age checks,
the follow-up schedule and the audit events of a stage change (records are locked by
``victims.operations.lock_record``)."""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from registry.audit import record_event
from registry.errors import RuleViolation
from registry.models import AuditAction
from registry.policy import Section
from victims import stages, validation
from victims.choices import Stage
from victims.models import Case, CaseRecord
from victims.operations import require_referred_write, victim_age

ADULT_AGE = 18
TRAINING_MIN_AGE = validation.TRAINING_MIN_AGE  # plan 三.7: training and job placement for people 16 or older


def require_section_write(actor, case: Case, section: Section) -> None:
    """The policy lets ``actor``'s role write ``section``; and a receiving department (education,
    labour) writes only while its organization holds an **accepted** referral of the case for
    the section's service — a pending one must be accepted first, a completed one leaves the
    section read-only for it (DESIGN §3: ``registry.policy.require_receiving_write``, through
    ``victims.operations.require_referred_write``). Call with the case locked."""
    require_referred_write(actor, case, section)


def age_on(case: Case, day: datetime.date, *, purpose: str, field: str) -> int:
    """The person's age on ``day``; 400 ``age_unknown`` when no birth date is recorded.

    An age rule of the plan cannot be checked without a birth date, so the record is refused
    until the caseworker records one in the identity section — an estimate will do
    (``birth_date_estimated``). ``purpose`` says in the message which rule needs it."""
    age = victim_age(case.victim, on=day)
    if age is None:
        raise RuleViolation(
            _("Record the person's date of birth (an estimate will do) before %(purpose)s.") % {"purpose": purpose},
            field=field,
            code="age_unknown",
        )
    return age


def is_minor(case: Case, *days: datetime.date | None) -> bool:
    """Whether the person is under 18 on any of ``days``. Without a birth date the person is
    treated as a minor: the rules that protect children then apply (the safe side)."""
    if case.victim.birth_date is None:
        return True
    return any(victim_age(case.victim, on=day) < ADULT_AGE for day in days if day is not None)


def move_stage(actor, case: Case, to: Stage) -> None:
    """Move the locked ``case`` to ``to`` (409 when the move is not allowed), bump and save it,
    and record the stage change. Call inside the operation's ``recorded_change``."""
    stages.move(case, to)
    case.version += 1
    case.save()
    record_event(
        action=AuditAction.CASE_STAGE_CHANGED, actor=actor, case_uuid=case.uuid, sections=[Section.PERSON],
        detail={"stage": case.stage},
    )  # fmt: skip


def audit(actor, action: AuditAction, record: CaseRecord, step: str, **detail) -> None:
    """The audit event of a change to ``record`` (no personal value: ids and names only)."""
    record_event(
        action=action,
        actor=actor,
        case_uuid=record.case.uuid,
        sections=[record.section],
        detail={"model": record._meta.model_name, "record": str(record.uuid), "step": step, **detail},
    )


# --- the follow-up schedule ------------------------------------------------------------------

DEFAULT_FOLLOW_UP_MONTHS = (1, 3, 6, 12)


def follow_up_months() -> tuple[int, ...]:
    """Months after the handover at which follow-up visits fall: ``REGISTRY_FOLLOW_UP_MONTHS``
    (comma-separated, default 1,3,6,12). A malformed value stops start-up (``ServicesConfig``)
    with a message naming the variable."""
    raw = getattr(settings, "REGISTRY_FOLLOW_UP_MONTHS", DEFAULT_FOLLOW_UP_MONTHS)
    try:
        months = tuple(sorted({int(str(item).strip()) for item in raw}))
    except ValueError:
        months = ()
    if not months or months[0] < 1 or months[-1] > 120:
        raise ImproperlyConfigured(
            "REGISTRY_FOLLOW_UP_MONTHS must list whole numbers of months from 1 to 120, comma-separated "
            f"(e.g. 1,3,6,12); got {','.join(map(str, raw))!r}"
        )
    return months


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
