"""Registering a rescued person (``case_register``) and changing the victim's fields
(``victim_update``).

Guarantees: case numbers are allocated race-free and without gaps (the counter row is locked
for the rest of the transaction, which rolls the number back if the registration fails); a
person already registered within the actor's scope is refused (409 naming that case), one
registered outside it is registered again and flagged as a possible duplicate — the actor
learns nothing of the other case; the new case is within the actor's reach when the
transaction commits. Duplicate detection holds under concurrency on SQLite and PostgreSQL:
registrations that share an ID-number or name-and-birth-date digest are serialized
(``registry.locks.lock_keys`` on the digests), so of twenty simultaneous registrations of one
person exactly one creates a case in each scope. A case holds the band of the person's age at
its earliest rescue (``Case.age_band``), recomputed when the birth date changes (registration
makes a new person for each case, so a person has one case).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from registry.audit import record_event
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.locks import lock_keys
from registry.models import AuditAction, Jurisdiction
from registry.operations import full_clean
from registry.policy import Section, require_write
from victims import validation
from victims.models import Case, CaseNumberCounter, Rescue, Victim
from victims.operations.common import (
    REGISTRATION_SECTIONS,
    VICTIM_SECTION_FIELDS,
    age_band_of,
    check_aliases,
    lock_case,
    still_visible,
)
from victims.operations.records import record_add_locked

PROVINCE_ABBREVIATIONS = {  # ISO 3166-2:CN, by the GB/T 2260 province code
    "11": "BJ", "12": "TJ", "13": "HE", "14": "SX", "15": "NM", "21": "LN", "22": "JL", "23": "HL",
    "31": "SH", "32": "JS", "33": "ZJ", "34": "AH", "35": "FJ", "36": "JX", "37": "SD", "41": "HA",
    "42": "HB", "43": "HN", "44": "GD", "45": "GX", "46": "HI", "50": "CQ", "51": "SC", "52": "GZ",
    "53": "YN", "54": "XZ", "61": "SN", "62": "GS", "63": "QH", "64": "NX", "65": "XJ",
}  # fmt: skip


def _allocate_number(jurisdiction: Jurisdiction, year: int) -> str:
    """The next case number for the jurisdiction and year, e.g. ``FJ-350102-2026-00042``.

    Race-free: the counter row is locked for the rest of the transaction, so two registrations
    at the same moment get consecutive numbers, never the same one."""
    code = jurisdiction.code.ljust(6, "0")
    prefix = f"{PROVINCE_ABBREVIATIONS.get(code[:2], code[:2])}-{code}-{year}"
    counter = CaseNumberCounter.objects.select_for_update().filter(prefix=prefix).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = CaseNumberCounter.objects.create(prefix=prefix)
        except IntegrityError:  # created by a concurrent registration a moment ago
            counter = CaseNumberCounter.objects.select_for_update().get(prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{counter.last:05d}"


# Blind indexes by which a person registered twice is recognised (DESIGN §2 rule 10).
DUPLICATE_INDEXES = ("id_number_index", "name_birth_index")
DUPLICATE_LOCK = "victims.person"  # the ``registry.locks`` namespace of their digests


def _identity_digests(victim: Victim) -> dict[str, str]:
    """The victim's digest in each of :data:`DUPLICATE_INDEXES` that it has (an index is empty
    when a part of it is: no ID number, no birth date) — computed by the field's own
    ``pre_save``, so exactly the value the insert will store."""
    digests = {name: Victim._meta.get_field(name).pre_save(victim, add=True) for name in DUPLICATE_INDEXES}
    return {name: digest for name, digest in digests.items() if digest}


def _earlier_cases(digests: dict[str, str]) -> list[int]:
    """Ids of the cases, newest first, of a person with the same ID number, or the same name and
    birth date (every case, in scope or not: the caller narrows). Usually none."""
    if not digests:
        return []
    same_person = Q()
    for name, digest in digests.items():
        same_person |= Q(**{f"victim__{name}": digest})
    return list(Case._base_manager.filter(same_person).order_by("-id").values_list("pk", flat=True))


def _rescue_day(rescue: dict | None) -> datetime.date | None:
    """The day of the rescue given with a registration, if it reads as one (a malformed one is
    refused by the rescue's own checks when it is added)."""
    try:
        return Rescue._meta.get_field("rescued_on").to_python((rescue or {}).get("rescued_on"))
    except ValidationError:
        return None


class DuplicateVictim(Conflict):
    """409 ``duplicate_victim``: the person is already registered in ``case``, a case within the
    actor's reach (pages link to it)."""

    def __init__(self, case: Case) -> None:
        message = _("This person is already registered in case %(number)s.") % {"number": case.number}
        super().__init__(message, code="duplicate_victim")
        self.case = case


def case_register(
    *,
    actor,
    victim: dict,
    jurisdiction: Jurisdiction,
    opened_on: datetime.date | None = None,
    rescue: dict | None = None,
) -> Case:
    """Register a rescued person and open their case in the actor's organization.

    A person already registered (same ID number, or same name and birth date) inside the
    actor's scope is refused with 409 naming that case; outside it, the case is registered and
    flagged as a possible duplicate for civil affairs to resolve — the actor learns nothing of
    the other case. Registrations of the same person wait for each other (see the module), so
    this holds for simultaneous ones too.
    """
    for section in REGISTRATION_SECTIONS:
        require_write(actor, section)
    organization = actor.organization
    if organization is None or not jurisdiction.code.startswith(organization.jurisdiction.code):
        raise RuleViolation(_("Choose a jurisdiction within your organization's."), field="jurisdiction")
    allowed = {name for section in REGISTRATION_SECTIONS for name in VICTIM_SECTION_FIELDS[section]}
    unknown = set(victim) - allowed
    if unknown:
        raise RuleViolation(_("Unknown field."), field=sorted(unknown)[0])
    opened_on = opened_on or validation.today()
    validation.check_opened_on(opened_on)
    validation.check_reference_codes(victim)
    person = Victim(**validation.clean_victim(victim))
    check_aliases(person.aliases)
    # clean_victim has just enforced the victim's one constraint (a document has a number).
    full_clean(person, exclude=["full_name_index", "name_birth_index", "id_number_index"], constraints=False)
    digests = _identity_digests(person)
    with transaction.atomic(), recorded_change(actor=actor, reason="registration"):
        # Registrations of the same person queue here until the first commits, so the next one
        # finds its case: the check below and the insert after it are one step.
        lock_keys(DUPLICATE_LOCK, *digests.values())
        earlier = _earlier_cases(digests)
        if earlier:
            # A case within the actor's reach is named even when a newer one lies outside it.
            within_reach = Case.objects.visible_to(actor).filter(pk__in=earlier).order_by("-id").first()
            if within_reach is not None:
                raise DuplicateVictim(within_reach)
        person.save()
        case = Case(
            victim=person,
            jurisdiction=jurisdiction,
            lead_organization=organization,
            number=_allocate_number(jurisdiction, opened_on.year),
            opened_on=opened_on,
            created_by=actor,
            possible_duplicate=bool(earlier),
            duplicate_of_id=earlier[0] if earlier else None,
            # The day of the rescue added below and the band of the age then (else at opening):
            # what refresh_rescue_facts would set, so adding the rescue changes no case row.
            rescued_on=_rescue_day(rescue),
            age_band=validation.age_band(person.birth_date, _rescue_day(rescue) or opened_on),
        )
        # The lead organization and the creator are the actor's own (the database holds them);
        # the jurisdiction is the caller's choice and is checked.
        full_clean(case, exclude=["victim", "duplicate_of", "lead_organization", "created_by"])
        case.save()
        case.assigned_caseworkers.add(actor)
        # Every fact scope depends on is set now (a rescue changes none): the actor must see it.
        still_visible(actor, case)
        record_event(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            case_uuid=case.uuid,
            sections=REGISTRATION_SECTIONS,
            detail={"model": "case"},
        )
        if rescue:
            # record_add without its lock_case: the case row was inserted by this transaction, so
            # no one else can see or lock it, and it was just checked to be within reach.
            require_write(actor, Rescue.section)
            with recorded_change(actor=actor, reason="rescue added"):
                record_add_locked(actor, case, Rescue, rescue)
    return case


def victim_update(*, actor, case: Case, expected_version: int, section: Section, changes: dict) -> Case:
    """Change the victim's fields of one section (person, identity, contacts, health) and bump
    the case version. A change of the person or identity section re-validates both as a whole
    (``validation.clean_victim``: names, document number, sex against the resident ID)."""
    section = Section(section)
    require_write(actor, section)
    fields = VICTIM_SECTION_FIELDS.get(section, ())
    unknown = set(changes) - set(fields)
    if unknown:
        raise RuleViolation(_("Unknown field."), field=sorted(unknown)[0])
    with transaction.atomic(), recorded_change(actor=actor, reason=f"{section.value} updated"):
        case = lock_case(actor, case, expected_version)
        person = Victim.objects.get(pk=case.victim_id)
        validation.check_reference_codes({name: new for name, new in changes.items() if getattr(person, name) != new})
        for name, value in changes.items():
            setattr(person, name, value)
        if section in (Section.PERSON, Section.IDENTITY):
            names = (*VICTIM_SECTION_FIELDS[Section.PERSON], *VICTIM_SECTION_FIELDS[Section.IDENTITY])
            for name, value in validation.clean_victim({name: getattr(person, name) for name in names}).items():
                setattr(person, name, value)
        check_aliases(person.aliases)
        full_clean(person, exclude=["full_name_index", "name_birth_index", "id_number_index"])
        person.save()
        if section is Section.IDENTITY:  # the birth date may have changed: so may the age band
            case.age_band = age_band_of(case, person.birth_date)
        case.version += 1
        case.save()
        record_event(
            action=AuditAction.RECORD_UPDATED, actor=actor, case_uuid=case.uuid, sections=[section],
            detail={"model": "victim", "fields": sorted(changes)},
        )  # fmt: skip
    return case
