"""Records on a case — rescue, health assessment, DNA sample, household, family member,
consent — added and amended (the services' schooling, training and employment records go
through these too, from ``services.operations.assistance``).

Guarantees: a record is written only on a case the actor sees (404), in a section the actor may
write (403), with the case locked, then the record (``lock_record``), at the version the caller
read (412 when stale); dates of facts are never in the future and a consent is not withdrawn
before it was given (400); a case holds at most ``REGISTRY_MAX_RECORDS_PER_KIND`` records of a
kind (409 ``too_many_records``); free text is bounded by its field (400 naming it). A rescue's
identification is decided (confirmed, or not a victim) only with the date and the kind of unit
that decided (400 naming the field); adding or amending a rescue recomputes the case's first rescue
day and age band at rescue (``common.refresh_rescue_facts``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from registry.audit import record_event
from registry.errors import NotFound, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import full_clean, require_room
from registry.policy import require_write
from victims import validation
from victims.choices import DECIDED_IDENTIFICATION, STATUTORY_BASES, ConsentGiver
from victims.models import Case, CaseRecord, Consent, Referral, Rescue
from victims.operations.common import lock_case, lock_record, refresh_rescue_facts


def record_model(name: str) -> type[CaseRecord]:
    """The record model called ``name`` (``"rescue"``, ``"healthassessment"`` …)."""
    from django.apps import apps

    model = apps.get_model("victims", name)
    if not issubclass(model, CaseRecord) or model is Referral:
        raise NotFound(_("No such kind of record."))
    return model


def record_add(*, actor, case: Case, model: str | type[CaseRecord], data: dict) -> CaseRecord:
    """Add a record (rescue, health assessment, DNA sample, household, family member, consent)
    to a case the actor may see, in a section the actor may write."""
    model = record_model(model) if isinstance(model, str) else model
    require_write(actor, model.section)
    with transaction.atomic(), recorded_change(actor=actor, reason=f"{model._meta.model_name} added"):
        case = lock_case(actor, case)
        require_room(model, case)
        record = record_build(case, model, data)
        record.save()
        if isinstance(record, Rescue):
            refresh_rescue_facts(case, case.victim.birth_date)
        record_event(
            action=AuditAction.RECORD_CREATED, actor=actor, case_uuid=case.uuid, sections=[model.section],
            detail={"model": model._meta.model_name, "record": str(record.uuid)},
        )  # fmt: skip
    return record


def record_build(case: Case, model: type[CaseRecord], data: dict) -> CaseRecord:
    """A new record of ``model`` on ``case``, not saved, checked as :func:`record_add` checks it:
    the record's own rules and dates (:func:`_check_record`), a statutory basis from the list,
    ``full_clean``. ``case`` is locked by the caller, or not yet written (``case_register``
    checks the rescue before its transaction): its victim and dates are read, never its id."""
    record = model(case=case, **data)
    _check_record(record)
    _check_statutory_basis(record)
    full_clean(record, exclude=["case"])
    return record


def record_amend(*, actor, record: CaseRecord, expected_version: int, changes: dict) -> CaseRecord:
    """Change fields of a record at the version the caller read (412 when stale)."""
    model = type(record)
    require_write(actor, model.section)
    with transaction.atomic(), recorded_change(actor=actor, reason=f"{model._meta.model_name} amended"):
        locked = lock_record(actor, record, expected_version)
        for name, value in changes.items():
            if name in {"id", "uuid", "case", "case_id", "version", "created_at"}:
                raise RuleViolation(_("This field cannot be changed."), field=name)
            setattr(locked, name, value)
        _check_record(locked)
        if "statutory_basis" in changes:
            _check_statutory_basis(locked)
        full_clean(locked, exclude=["case"])
        locked.version += 1
        locked.save()
        if isinstance(locked, Rescue):
            refresh_rescue_facts(locked.case, locked.case.victim.birth_date)
        record_event(
            action=AuditAction.RECORD_UPDATED, actor=actor, case_uuid=locked.case.uuid, sections=[model.section],
            detail={"model": model._meta.model_name, "record": str(locked.uuid), "fields": sorted(changes)},
        )  # fmt: skip
    return locked


def _check_record(record: CaseRecord) -> None:
    """Rules of the plan that a single record must satisfy, its dates in the order life allows
    among them (``validation.check_chronology``: not before birth nor, for what follows a
    rescue, before it; no end before its start)."""
    for name in (
        "rescued_on",
        "identified_on",
        "assessed_on",
        "collected_on",
        "submitted_on",
        "matched_on",
        "given_on",
    ):
        validation.check_not_future(getattr(record, name, None), name)
    if isinstance(record, Rescue):
        check_identification(record)
    if isinstance(record, Consent) and record.withdrawn_on:
        validation.check_not_future(record.withdrawn_on, "withdrawn_on")
        if record.withdrawn_on < record.given_on:
            raise RuleViolation(_("Consent cannot be withdrawn before it was given."), field="withdrawn_on")
    validation.check_chronology(record, record.case)


def _check_statutory_basis(record: CaseRecord) -> None:
    """400 ``statutory_basis`` unless a consent given by statute cites one of
    :data:`~victims.choices.STATUTORY_BASES` — checked when the basis is written, so a citation
    typed before the list stays on its record until it is changed."""
    if isinstance(record, Consent) and record.given_by == ConsentGiver.STATUTORY:
        if record.statutory_basis not in STATUTORY_BASES:
            raise RuleViolation(_("Choose the statutory basis from the list."), field="statutory_basis")


def check_identification(rescue: Rescue) -> None:
    """A decided identification (confirmed, or not a victim) names its date and the kind of unit
    that decided (the status may be decided before the rescue, abroad: no order is imposed)."""
    if rescue.identification_status in DECIDED_IDENTIFICATION:
        if rescue.identified_on is None:
            raise RuleViolation(_("Give the date of the identification decision."), field="identified_on")
        if not rescue.identified_by:
            raise RuleViolation(_("Choose the kind of unit that decided."), field="identified_by")
