"""Registering a rescued person (``case_register``) and changing the victim's fields
(``victim_update``).

Guarantees: case numbers are allocated race-free and without gaps (the counter row is locked
for the rest of the transaction, which rolls the number back if the registration fails); a
person already registered within the actor's scope is refused (409 naming that case), one
registered outside it is registered again and flagged as a possible duplicate — the actor
learns nothing of the other case; the new case is within the actor's reach when the
transaction commits (``registry.scope.sees_new_case``, asked before anything is written: a
case the actor would not see is never opened). Duplicate detection holds under concurrency
on SQLite and PostgreSQL: registrations that share an ID-number or name-and-birth-date digest
are serialized (``registry.locks.lock_keys`` on the digests), so of twenty simultaneous
registrations of one person exactly one creates a case in each scope. A case holds the band of the person's age at
its earliest rescue (``Case.age_band``), recomputed when the birth date changes (registration
makes a new person for each case, so a person has one case).

A registration costs a fixed number of queries (``tests/victims/test_registration_queries.py``):
everything is checked before the transaction, which then takes the person's locks, looks for
earlier cases in one query (a second asks which are within reach, when there are some), writes
the rows with their history rows batched (``registry.history.batched_history``) and one audit
event naming every section written.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from registry.audit import record_event
from registry.errors import Conflict, PermissionDenied, RuleViolation
from registry.history import batched_history, recorded_change
from registry.locks import lock_keys
from registry.models import AuditAction, Jurisdiction
from registry.operations import full_clean
from registry.policy import Section, require_write
from registry.scope import sees_new_case
from victims import validation
from victims.models import Case, CaseNumberCounter, Rescue, Victim
from victims.operations.common import (
    REGISTRATION_SECTIONS,
    VICTIM_SECTION_FIELDS,
    age_band_of,
    check_aliases,
    lock_case,
)
from victims.operations.records import record_build

PROVINCE_ABBREVIATIONS = {  # ISO 3166-2:CN, by the GB/T 2260 province code
    "11": "BJ", "12": "TJ", "13": "HE", "14": "SX", "15": "NM", "21": "LN", "22": "JL", "23": "HL",
    "31": "SH", "32": "JS", "33": "ZJ", "34": "AH", "35": "FJ", "36": "JX", "37": "SD", "41": "HA",
    "42": "HB", "43": "HN", "44": "GD", "45": "GX", "46": "HI", "50": "CQ", "51": "SC", "52": "GZ",
    "53": "YN", "54": "XZ", "61": "SN", "62": "GS", "63": "QH", "64": "NX", "65": "XJ",
}  # fmt: skip


def _allocate_number(jurisdiction: Jurisdiction, year: int) -> str:
    """The next case number for the jurisdiction and year, e.g. ``FJ-350102-2026-00042``.

    Race-free: the counter row is incremented in place and so locked for the rest of the
    transaction, so two registrations at the same moment get consecutive numbers, never the
    same one. One query, but the first of a prefix (which creates the counter)."""
    code = jurisdiction.code.ljust(6, "0")
    prefix = f"{PROVINCE_ABBREVIATIONS.get(code[:2], code[:2])}-{code}-{year}"
    last = _next_in_counter(prefix)
    if last is None:
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(prefix=prefix)
        except IntegrityError:  # created by a concurrent registration a moment ago
            pass
        last = _next_in_counter(prefix)
    return f"{prefix}-{last:05d}"


def _next_in_counter(prefix: str) -> int | None:
    """Add one to the counter of ``prefix`` and return it (``None`` when there is no such
    counter): ``UPDATE … RETURNING``, which the ORM does not offer, on SQLite and PostgreSQL."""
    quote = connection.ops.quote_name
    table, last, key = quote(CaseNumberCounter._meta.db_table), quote("last"), quote("prefix")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {last} = {last} + 1 WHERE {key} = %s RETURNING {last}", [prefix])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


# Blind indexes by which a person registered twice is recognised (DESIGN §2 rule 10).
DUPLICATE_INDEXES = ("id_number_index", "name_birth_index")
DUPLICATE_LOCK = "victims.person"  # the ``registry.locks`` namespace of their digests


def _identity_digests(victim: Victim) -> dict[str, str]:
    """The victim's digest in each of :data:`DUPLICATE_INDEXES` that it has (an index is empty
    when a part of it is: no ID number, no birth date) — computed by the field's own
    ``pre_save``, so exactly the value the insert will store."""
    digests = {name: Victim._meta.get_field(name).pre_save(victim, add=True) for name in DUPLICATE_INDEXES}
    return {name: digest for name, digest in digests.items() if digest}


def _earlier_cases(actor, digests: dict[str, str]) -> list[tuple[int, bool]]:
    """``(id, within the actor's reach)`` of the cases, newest first, of a person with the same
    ID number, or the same name and birth date — every case, in scope or not. Usually none,
    found by one fixed statement on the blind indexes (every registration runs it: no ORM
    compiling, planned once per connection); only when there are some does a second query ask
    which of them the actor's scope (``visible_to``) reaches."""
    if not digests:
        return []
    quote = connection.ops.quote_name
    cases, people = quote(Case._meta.db_table), quote(Victim._meta.db_table)
    person_key = quote(Case._meta.get_field("victim").column)
    same_person = " OR ".join(f"v.{quote(Victim._meta.get_field(name).column)} = %s" for name in digests)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id FROM {cases} c JOIN {people} v ON v.id = c.{person_key} "  # noqa: S608
            f"WHERE {same_person} ORDER BY c.id DESC",
            list(digests.values()),
        )
        found = [pk for (pk,) in cursor.fetchall()]
    if not found:
        return []
    reachable = set(Case.objects.visible_to(actor).filter(pk__in=found).values_list("pk", flat=True))
    return [(pk, pk in reachable) for pk in found]


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
    """Register a rescued person and open their case in the actor's organization, with the
    rescue when one is given.

    A person already registered (same ID number, or same name and birth date) inside the
    actor's scope is refused with 409 naming that case; outside it, the case is registered and
    flagged as a possible duplicate for civil affairs to resolve — the actor learns nothing of
    the other case. Registrations of the same person wait for each other (see the module), so
    this holds for simultaneous ones too. Every field is checked before anything is locked: the
    person's, then the case's, then the rescue's (400 naming the first wrong one). History says
    ``registration`` for the person and the case, ``rescue added`` for the rescue; one audit
    event (``record_created``, model ``case``) names the sections written and the rescue.
    """
    sections = (*REGISTRATION_SECTIONS, Rescue.section) if rescue else REGISTRATION_SECTIONS
    for section in sections:
        require_write(actor, section)
    organization = actor.organization
    if organization is None or not jurisdiction.code.startswith(organization.jurisdiction.code):
        raise RuleViolation(_("Choose a jurisdiction within your organization's."), field="jurisdiction")
    if not sees_new_case(actor, jurisdiction_code=jurisdiction.code):
        raise PermissionDenied(_("This change would put the case outside your reach."))
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
    rescued_on = _rescue_day(rescue)
    case = Case(
        victim=person,
        jurisdiction=jurisdiction,
        lead_organization=organization,
        opened_on=opened_on,
        created_by=actor,
        # The day of the rescue registered with it and the band of the age then (else at
        # opening): what refresh_rescue_facts would set, so the rescue changes no case row.
        rescued_on=rescued_on,
        age_band=validation.age_band(person.birth_date, rescued_on or opened_on),
    )
    # The number and the duplicate mark are the registry's, set below; the victim, organization
    # and creator are rows in hand; the jurisdiction was checked above (the database's foreign
    # key refuses one that is gone); the case's one constraint (an ending only when closed)
    # holds for a new case.
    full_clean(
        case,
        exclude=["number", "duplicate_of", "victim", "jurisdiction", "lead_organization", "created_by"],
        constraints=False,
    )
    rescue_record = record_build(case, Rescue, rescue) if rescue else None
    digests = _identity_digests(person)
    with transaction.atomic(), recorded_change(actor=actor, reason="registration"):
        with batched_history():
            # Registrations of the same person queue here until the first commits, so the next
            # one finds its case: the check below and the inserts after it are one step.
            lock_keys(DUPLICATE_LOCK, *digests.values())
            earlier = _earlier_cases(actor, digests)
            within_reach = [pk for pk, reachable in earlier if reachable]
            if within_reach:  # named even when a newer case lies outside the actor's reach
                raise DuplicateVictim(Case.objects.get(pk=within_reach[0]))
            person.save()
            case.number = _allocate_number(jurisdiction, opened_on.year)
            case.possible_duplicate = bool(earlier)
            case.duplicate_of_id = earlier[0][0] if earlier else None
            case.save()
            case.assigned_caseworkers.add(actor)
            if rescue_record is not None:
                # No require_room: a new case holds no record yet, and the bound is at least one.
                with recorded_change(actor=actor, reason="rescue added"):
                    rescue_record.save()
        record_event(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            case_uuid=case.uuid,
            sections=sections,
            detail={"model": "case", **({"records": {"rescue": str(rescue_record.uuid)}} if rescue_record else {})},
        )
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
