"""Legal aid activities — a piece of work on a matter, with the next step it leaves: add, amend.

- Activities are added to a matter still open (applied, accepted, in progress); a concluded or
  rejected matter takes none (409 ``matter_closed``), though its activities can be corrected.
- Hours are more than 0 and at most 24, in hundredths; a next step's due date needs the step.
- A case holds at most ``REGISTRY_MAX_RECORDS_PER_KIND`` activities (409 ``too_many_records``).
- Locks: the case, then the matter (its referral checked), then the activity.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from legal_aid.choices import OPEN_STATUSES, ActivityKind, MatterStatus
from legal_aid.models import LegalAidActivity, LegalAidMatter
from legal_aid.operations.common import check_choice, check_record, lock_matter, require_date, save_audited, stripped
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import lock_for_change, require_room

MAX_HOURS = Decimal(24)
ACTIVITY_FIELDS = ("kind", "occurred_on", "hours", "notes", "next_step", "next_step_due")


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise RuleViolation(_("Give the hours spent, e.g. 1.5."), field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS or hours != hours.quantize(Decimal("0.01")):
        raise RuleViolation(_("Give the hours spent: more than 0, at most 24."), field="hours")
    return hours


def _optional_text(value) -> str | None:
    """Free text of a nullable column: empty is stored as NULL, so "is recorded" checks hold."""
    return stripped(value) or None


def _activity_values(values: dict) -> dict:
    values = dict(values)
    if "kind" in values:
        check_choice(values["kind"], ActivityKind, "kind", _("Choose the kind of activity."))
    if "hours" in values:
        values["hours"] = _hours(values["hours"])
    if "notes" in values:
        values["notes"] = stripped(values["notes"])
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
    require_date(occurred_on, "occurred_on")
    values = _activity_values(
        {"kind": kind, "hours": hours, "notes": notes, "next_step": next_step, "next_step_due": next_step_due}
    )
    with transaction.atomic(), recorded_change(actor=actor, reason="legal aid activity recorded"):
        locked = lock_matter(actor, matter, None)
        if locked.status not in OPEN_STATUSES:
            raise Conflict(
                _("The matter is “%(status)s”: no more activity can be recorded on it.")
                % {"status": MatterStatus(locked.status).label},
                field="status",
                code="matter_closed",
            )
        require_room(LegalAidActivity, locked.case)
        activity = LegalAidActivity(
            case=locked.case, matter=locked, occurred_on=occurred_on, recorded_by=actor, **values
        )
        _check_next_step(activity)
        check_record(activity)
        save_audited(activity, actor=actor, action=AuditAction.RECORD_CREATED, detail={"matter": str(locked.uuid)})
    return activity


def activity_amend(*, actor, activity: LegalAidActivity, expected_version: int, changes: dict) -> LegalAidActivity:
    """Correct an activity at the version the caller read (also on a matter since concluded)."""
    unknown = sorted(set(changes) - set(ACTIVITY_FIELDS))
    if unknown:
        raise RuleViolation(_("This field cannot be changed."), field=unknown[0])
    values = _activity_values(changes)
    with transaction.atomic(), recorded_change(actor=actor, reason="legal aid activity amended"):
        matter = lock_matter(actor, activity.matter, None)  # the case, then the matter, then the activity
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
        check_record(locked)
        locked.version += 1
        save_audited(locked, actor=actor, action=AuditAction.RECORD_UPDATED, detail={"fields": sorted(changes)})
    return locked
