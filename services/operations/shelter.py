"""Shelter placements: admit, transfer, discharge, amend (DESIGN §2 rule 8).

Guarantees, on SQLite and PostgreSQL alike:
- a case has at most one open placement (a partial unique constraint, and the check below
  under the locked case row), and its stays never overlap: stays are half-open periods
  ``[admitted_on, discharged_on)``, so a transfer discharges and admits on the same day;
- a shelter never holds more open placements than its bed capacity, also when two
  caseworkers admit at the same moment: the shelter's organization row is locked
  (``select_for_update``) before its open placements are counted, so the second admission
  counts the first one and gets 409 ``shelter_full``;
- locks are always taken case → placement → shelter, and the audit events (whose chain lock
  is global) are written last, so two operations never wait on each other in a circle;
- a case holds at most ``REGISTRY_MAX_RECORDS_PER_KIND`` stays (409 ``too_many_records``).
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from inbox.shelters import shelter_nearly_full_notify
from registry.choices import Department
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction, Organization
from registry.operations import full_clean, require_room
from registry.policy import Section, require_write
from services.choices import DischargeReason
from services.models import ShelterPlacement
from services.operations.common import audit, is_minor, move_stage
from services.selectors import shelters_within_reach
from victims import validation
from victims.choices import Stage
from victims.models import Case
from victims.operations import lock_case, lock_record

AMENDABLE = frozenset({"admitted_on", "notes"})
# Stages in which the person may be admitted; only a registered case moves (to sheltered):
# a case whose return is being planned stays return_planned while the person waits in shelter.
ADMITTING_STAGES = (Stage.REGISTERED, Stage.SHELTERED, Stage.RETURN_PLANNED)


def _lock_shelter(actor, shelter: Organization, field: str) -> Organization:
    """The shelter's row, locked, if it is an active residential organization within the
    actor's reach (400 naming ``field`` otherwise). Only the organization's row is locked, not
    the jurisdiction joined to find it."""
    locked = shelters_within_reach(actor).select_for_update(of=("self",)).filter(pk=shelter.pk).first()
    if locked is None:
        raise RuleViolation(_("Choose an active shelter or welfare home within your jurisdiction."), field=field)
    return locked


def _check_capacity(shelter: Organization) -> None:
    """Call with the shelter's row locked: then no other admission can slip in between."""
    occupied = ShelterPlacement.objects.filter(shelter=shelter, discharged_on__isnull=True).count()
    if occupied >= shelter.capacity:
        raise Conflict(
            _("%(shelter)s is full (%(capacity)s beds).") % {"shelter": shelter.name, "capacity": shelter.capacity},
            field="shelter",
            code="shelter_full",
        )


def _check_no_overlap(case: Case, start: datetime.date, end: datetime.date | None, *, exclude=()) -> None:
    """No other stay of the case (a voided one is none) meets ``[start, end)`` (``end`` None: still open)."""
    meets = Q(discharged_on__isnull=True) | Q(discharged_on__gt=start)
    if end is not None:
        meets &= Q(admitted_on__lt=end)
    if ShelterPlacement.objects.current().filter(case=case).exclude(pk__in=exclude).filter(meets).exists():
        raise RuleViolation(
            _("This stay would overlap another stay of the person in a shelter."),
            field="admitted_on",
            code="placement_overlap",
        )


def _check_day(day: datetime.date, field: str, *, not_before: datetime.date | None = None) -> None:
    validation.check_not_future(day, field)
    if not_before is not None and day < not_before:
        raise RuleViolation(_("This date is before the admission."), field=field)


def _check_home_fits(case: Case, shelter: Organization, day: datetime.date) -> None:
    """A child (under 18 on ``day``, or of unknown age: the safe side, ``is_minor``) is never
    placed in a women's home — a residential unit of the women's federation — but in a relief
    station or a children's welfare institution of civil affairs."""
    if shelter.department == Department.WOMENS_FEDERATION and is_minor(case, day):
        raise RuleViolation(
            _("A child is not placed in a women's home: choose a relief station or a children's welfare institution."),
            field="shelter",
            code="child_in_womens_home",
        )


def _new_placement(case: Case, shelter: Organization, admitted_on, notes: str, transferred_from=None):
    if ShelterPlacement.objects.filter(case=case, discharged_on__isnull=True).exists():
        raise Conflict(
            _("The person is already in a shelter: transfer or discharge them instead."), code="placement_open"
        )
    require_room(ShelterPlacement, case)
    _check_home_fits(case, shelter, admitted_on)
    _check_no_overlap(case, admitted_on, None)
    placement = ShelterPlacement(
        case=case, shelter=shelter, admitted_on=admitted_on, notes=notes, transferred_from=transferred_from
    )
    validation.check_chronology(placement, case)
    full_clean(placement, exclude=["case", "shelter", "transferred_from"])
    try:
        with transaction.atomic():
            placement.save()
    except IntegrityError:  # the partial unique constraint: the case lock makes this unreachable
        raise Conflict(_("The person is already in a shelter."), code="placement_open") from None
    return placement


def discharge(placement: ShelterPlacement, *, on: datetime.date, reason: DischargeReason, field: str) -> None:
    """Close the locked, open ``placement`` on ``on`` (saved; no audit, no stage move)."""
    _check_day(on, field, not_before=placement.admitted_on)
    placement.discharged_on = on
    placement.discharge_reason = reason
    placement.version += 1
    validation.check_chronology(placement, placement.case)
    full_clean(placement, exclude=["case", "shelter", "transferred_from"])
    placement.save()


def placement_admit(
    *, actor, case: Case, shelter: Organization, admitted_on: datetime.date | None = None, notes: str = ""
) -> ShelterPlacement:
    """Admit the person of ``case`` to ``shelter`` (an active shelter, welfare home or
    children's welfare institution within the actor's jurisdiction).

    400 when the date is in the future or overlaps an earlier stay; 409 ``placement_open``
    when the person is in a shelter already, ``shelter_full`` when no bed is free (checked under
    the shelter's row lock), ``invalid_stage_transition`` for a returned, closed or transferred
    case. A registered case moves to ``sheltered``. History reason "admitted to shelter"; audit
    ``record_created`` (and ``case_stage_changed`` when the stage moves)."""
    require_write(actor, Section.SHELTER)
    admitted_on = admitted_on or validation.today()
    _check_day(admitted_on, "admitted_on")
    with transaction.atomic(), recorded_change(actor=actor, reason="admitted to shelter"):
        locked = lock_case(actor, case)
        if locked.stage not in ADMITTING_STAGES:
            raise Conflict(
                _("A case that is “%(stage)s” cannot be admitted to a shelter.") % {"stage": Stage(locked.stage).label},
                field="stage",
                code="invalid_stage_transition",
            )
        shelter = _lock_shelter(actor, shelter, "shelter")
        _check_capacity(shelter)
        placement = _new_placement(locked, shelter, admitted_on, notes)
        shelter_nearly_full_notify(shelter=shelter, actor=actor)
        audit(actor, AuditAction.RECORD_CREATED, placement, "admit", shelter=str(shelter.uuid))
        if locked.stage == Stage.REGISTERED:
            move_stage(actor, locked, Stage.SHELTERED)
    return placement


def placement_transfer(
    *,
    actor,
    placement: ShelterPlacement,
    expected_version: int,
    to_shelter: Organization,
    transferred_on: datetime.date | None = None,
    notes: str = "",
) -> ShelterPlacement:
    """Move the person from the shelter of the open ``placement`` to ``to_shelter`` on one day:
    the placement is discharged (reason ``transferred``) and a new one, linked to it, admitted
    on the same day, in one transaction. The case's stage does not change.

    409 ``placement_discharged`` when the placement is closed, ``shelter_full`` when the new
    shelter has no free bed; 400 for the same shelter, a future date or one before the
    admission; 412 when stale. Returns the new placement."""
    require_write(actor, Section.SHELTER)
    transferred_on = transferred_on or validation.today()
    with transaction.atomic(), recorded_change(actor=actor, reason="transferred to another shelter"):
        current = lock_record(actor, placement, expected_version)
        _require_open(current)
        if to_shelter.pk == current.shelter_id:
            raise RuleViolation(_("Choose another shelter than the present one."), field="to_shelter")
        shelter = _lock_shelter(actor, to_shelter, "to_shelter")
        discharge(current, on=transferred_on, reason=DischargeReason.TRANSFERRED, field="transferred_on")
        _check_capacity(shelter)
        new = _new_placement(current.case, shelter, transferred_on, notes, transferred_from=current)
        shelter_nearly_full_notify(shelter=shelter, actor=actor)
        audit(actor, AuditAction.RECORD_UPDATED, current, "transfer_out")
        audit(actor, AuditAction.RECORD_CREATED, new, "transfer_in", shelter=str(shelter.uuid))
    return new


def placement_discharge(
    *,
    actor,
    placement: ShelterPlacement,
    expected_version: int,
    discharged_on: datetime.date | None = None,
    reason: DischargeReason | str = DischargeReason.LEFT,
) -> ShelterPlacement:
    """Discharge the person from the shelter of the open ``placement``. A ``sheltered`` case
    moves back to ``registered``; a case whose return is planned stays ``return_planned`` (the
    plan holds it). Transfers go through :func:`placement_transfer`, returns home through
    ``return_plan_complete`` (which discharges by itself); ``reason`` is ``left``, ``returned``
    or ``other``.

    409 ``placement_discharged`` when already closed; 400 for a future date, a date before the
    admission or the reason ``transferred``; 412 when stale."""
    require_write(actor, Section.SHELTER)
    if reason not in (DischargeReason.LEFT, DischargeReason.RETURNED, DischargeReason.OTHER):
        raise RuleViolation(
            _("Give the reason: left, returned or other (a transfer has its own step)."), field="reason"
        )
    discharged_on = discharged_on or validation.today()
    with transaction.atomic(), recorded_change(actor=actor, reason="discharged from shelter"):
        locked = lock_record(actor, placement, expected_version)
        _require_open(locked)
        discharge(locked, on=discharged_on, reason=DischargeReason(reason), field="discharged_on")
        audit(actor, AuditAction.RECORD_UPDATED, locked, "discharge")
        if locked.case.stage == Stage.SHELTERED:
            move_stage(actor, locked.case, Stage.REGISTERED)
    return locked


def placement_amend(*, actor, placement: ShelterPlacement, expected_version: int, changes: dict) -> ShelterPlacement:
    """Correct the admission date or the notes of a placement (the shelter and the discharge
    are changed by transfer and discharge). A new admission date is checked like a new one:
    not in the future, not after the discharge, no overlap with another stay."""
    require_write(actor, Section.SHELTER)
    unknown = set(changes) - AMENDABLE
    if unknown:
        raise RuleViolation(_("This field cannot be changed here."), field=sorted(unknown)[0])
    with transaction.atomic(), recorded_change(actor=actor, reason="shelter placement amended"):
        locked = lock_record(actor, placement, expected_version)
        for name, value in changes.items():
            setattr(locked, name, value)
        if "admitted_on" in changes:
            _check_day(locked.admitted_on, "admitted_on")
            if locked.discharged_on and locked.discharged_on < locked.admitted_on:
                raise RuleViolation(_("The admission would fall after the discharge."), field="admitted_on")
            _check_no_overlap(locked.case, locked.admitted_on, locked.discharged_on, exclude=[locked.pk])
        validation.check_chronology(locked, locked.case)
        locked.version += 1
        full_clean(locked, exclude=["case", "shelter", "transferred_from"])
        locked.save()
        audit(actor, AuditAction.RECORD_UPDATED, locked, "amend", fields=sorted(changes))
    return locked


def _require_open(placement: ShelterPlacement) -> None:
    if placement.discharged_on is not None:
        raise Conflict(_("The person has already left this shelter."), code="placement_discharged")


def refuse_close_while_sheltered(case: Case) -> None:
    """Close check: 409 ``placement_open`` while the person still holds a bed (a closed case
    would keep it taken for ever)."""
    if ShelterPlacement.objects.filter(case=case, discharged_on__isnull=True).exists():
        raise Conflict(
            _("The person is still in a shelter: discharge them before closing the case."), code="placement_open"
        )
