"""Reads of the victim file — every one through ``Case.objects.visible_to(user)`` and the
section policy, so the API, the HTML pages, history and (later) dossiers show the same thing.

Guarantees: a case outside the user's scope is :class:`registry.errors.NotFound`, exactly like
an absent one; a section the user may not read is absent from what is returned (not empty);
values are decrypted only for sections that are returned. Callers log the read
(``registry.audit.log_read``) with the sections these functions report.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry import policy
from registry.errors import NotFound, RuleViolation
from registry.fields import BlindIndexField
from registry.policy import Section
from registry.scope import code_within
from victims import validation
from victims.models import (
    Case,
    Consent,
    DNASample,
    FamilyMember,
    HealthAssessment,
    Household,
    Referral,
    Rescue,
    Victim,
)
from victims.operations import VICTIM_SECTION_FIELDS, victim_age

# The fields of each record model that the file shows, in order.
RECORD_FIELDS: dict[type, tuple[str, ...]] = {
    Rescue: ("rescued_on", "place", "police_unit", "police_case_number", "exploitation", "circumstances"),
    HealthAssessment: ("assessed_on", "assessor", "physical", "psychological", "needs"),
    DNASample: ("collected_on", "collected_by", "submitted_on", "database_reference", "match", "matched_on"),
    Household: ("address", "jurisdiction_code", "is_purchaser", "notes"),
    FamilyMember: ("relationship", "full_name", "phone", "is_guardian", "verified"),
    Consent: ("service", "given_by", "guardian_name", "statutory_basis", "given_on", "withdrawn_on"),
    Referral: ("service", "to_organization", "status", "reason", "response_note"),
}


def cases_for(user, *, stage=None, jurisdiction=None, organization=None, id_number=None, name=None):
    """The cases ``user`` may see, filtered; ``id_number`` and ``name`` match exactly through
    the blind indexes (never by decrypting)."""
    cases = Case.objects.visible_to(user).select_related("victim", "jurisdiction", "lead_organization")
    if stage:
        cases = cases.filter(stage=stage)
    if jurisdiction:
        cases = cases.filter(code_within("jurisdiction__code", jurisdiction))
    if organization:
        cases = cases.filter(lead_organization__uuid=organization)
    if id_number:
        cases = _blind_match(cases, "id_number_index", _normalized_id(id_number))
    if name:
        cases = _blind_match(cases, "full_name_index", name)
    return cases


def _blind_match(cases, index: str, value: str):
    """``cases`` whose person's ``value`` matches exactly through the blind index ``index`` (a
    keyed digest compared in SQL on the person already joined in; nothing is decrypted)."""
    field = Victim._meta.get_field(index)
    if not isinstance(field, BlindIndexField):
        raise TypeError(f"{index} is not a blind index")
    digest = field.digest(value)
    return cases.filter(**{f"victim__{index}": digest}) if digest else cases.none()


def _normalized_id(value: str) -> str:
    """A resident ID as stored (15-digit legacy numbers upconverted); other numbers unchanged."""
    try:
        return validation.normalize_resident_id(value)
    except RuleViolation:
        return value


def case_for(user, case_id) -> Case:
    """The case with UUID ``case_id`` if ``user`` may see it; otherwise NotFound."""
    try:
        # At most one row (the UUID is unique): no ORDER BY, which costs the ORM more than the
        # database here (it hashes every selected column to match ORDER BY terms against them).
        case = next(iter(cases_for(user).filter(uuid=case_id).order_by()[:1]), None)
    except ValidationError:  # not a UUID
        case = None
    if case is None:
        raise NotFound(_("No such case."))
    return case


def record_dict(record, fields: tuple[str, ...]) -> dict[str, Any]:
    data = {"id": str(record.uuid), "version": record.version}
    for name in fields:
        value = getattr(record, name)
        data[name] = str(value.uuid) if hasattr(value, "uuid") else value
    return data


def by_key(rows, *names: str) -> list:
    """The rows of one case, sorted by ``names`` here rather than by the database: a case holds
    a handful of records of a kind, and an ORDER BY costs the ORM more than sorting them (it
    hashes every selected column to match ORDER BY terms against them)."""
    return sorted(rows, key=attrgetter(*names))


def _records(model, case: Case, user) -> list[dict]:
    # The related rows shown (a referral's organization) come in the same query: one query per
    # kind of record, however many records the case holds.
    related = [name for name in RECORD_FIELDS[model] if model._meta.get_field(name).many_to_one]
    rows = model.objects.filter(case=case).order_by()
    if related:  # select_related() with no names would follow every foreign key, the case's too
        rows = rows.select_related(*related)
    if model is Referral and policy.scope_of(user) is policy.Scope.REFERRAL:
        rows = rows.filter(to_organization=user.organization_id)  # a receiver sees its own referrals
    return [record_dict(row, RECORD_FIELDS[model]) for row in by_key(rows, "pk")]


def _victim_fields(case: Case, section: Section) -> dict[str, Any]:
    return {name: getattr(case.victim, name) for name in VICTIM_SECTION_FIELDS[section]}


SectionBuilder = Callable[[Case, Any], Any]
SECTION_BUILDERS: dict[Section, SectionBuilder] = {
    Section.PERSON: lambda case, user: {
        "case_number": case.number,
        "stage": case.stage,
        "full_name": case.victim.full_name,
        "sex": case.victim.sex,
        "age": victim_age(case.victim),
    },
    Section.IDENTITY: lambda case, user: _victim_fields(case, Section.IDENTITY),
    Section.CONTACTS: lambda case, user: {
        **_victim_fields(case, Section.CONTACTS),
        "households": _records(Household, case, user),
        "family_members": _records(FamilyMember, case, user),
    },
    Section.RESCUE: lambda case, user: _records(Rescue, case, user),
    Section.HEALTH: lambda case, user: {
        **_victim_fields(case, Section.HEALTH),
        "assessments": _records(HealthAssessment, case, user),
    },
    Section.DNA: lambda case, user: _records(DNASample, case, user),
    Section.CONSENTS: lambda case, user: _records(Consent, case, user),
    Section.REFERRALS: lambda case, user: _records(Referral, case, user),
}


def register_section(section: Section, builder: SectionBuilder) -> None:
    """Let another app (services, legal aid) provide the content of its section."""
    SECTION_BUILDERS[Section(section)] = builder


def _own_referrals(user, rows):
    """A receiving organization sees the history of its own referrals only."""
    if policy.scope_of(user) is policy.Scope.REFERRAL:
        rows = rows.filter(to_organization_id=user.organization_id)
    return rows


# Models whose history the case shows, with the fields shown (the victim file's records, and
# what other apps add through :func:`register_history`), and how a user's rows are narrowed
# within the case where the records themselves are (e.g. to the reader's own organization).
HISTORY_FIELDS: dict[type, tuple[str, ...]] = dict(RECORD_FIELDS)
HistoryRows = Callable[[Any, Any], Any]
HISTORY_ROWS: dict[type, HistoryRows] = {Referral: _own_referrals}


def register_history(model, fields: tuple[str, ...], *, rows: HistoryRows | None = None) -> None:
    """Let another app show the changes of ``model`` — a record with a ``case`` foreign key and a
    ``section`` — in :func:`case_history`, limited to ``fields`` and to readers of its section;
    ``rows(user, history_rows)`` narrows the rows further, as the model's ``visible_to`` does."""
    HISTORY_FIELDS[model] = tuple(fields)
    if rows is not None:
        HISTORY_ROWS[model] = rows


def shown_sections(user) -> tuple[Section, ...]:
    """The sections a case file shows ``user``: readable and provided by some app."""
    return tuple(section for section in policy.readable_sections(user) if section in SECTION_BUILDERS)


def case_sections(user, case: Case, only=None) -> dict[str, Any]:
    """One entry per section ``user`` may read, in the policy's order (narrowed to the sections
    in ``only`` when given); nothing else is built."""
    wanted = shown_sections(user)
    if only is not None:
        only = {Section(section) for section in only}
        wanted = tuple(section for section in wanted if section in only)
    return {section.value: SECTION_BUILDERS[section](case, user) for section in wanted}


_CASE_FIELDS = {Section.PERSON: ("number", "stage")}
_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _field_sections(model) -> dict[str, Section]:
    if model is Victim:
        return {name: section for section, names in VICTIM_SECTION_FIELDS.items() for name in names}
    if model is Case:
        return {name: section for section, names in _CASE_FIELDS.items() for name in names}
    return {name: model.section for name in HISTORY_FIELDS[model]}


def _history_entries(user, model, rows) -> list[dict]:
    readable = set(policy.readable_sections(user))
    sections_of = {name: section for name, section in _field_sections(model).items() if section in readable}
    entries, previous = [], {}
    # The acting user and the related rows shown come in the same query (one per model).
    related = [name for name in sections_of if rows.model._meta.get_field(name).many_to_one]
    for row in rows.select_related("history_user", *related).order_by("history_date", "history_id"):
        before = previous.get(row.id)
        changes = {
            name: getattr(row, name)
            for name in sections_of
            if before is None or getattr(before, name) != getattr(row, name)
        }
        previous[row.id] = row
        if not changes and row.history_type == "~":
            continue
        entries.append(
            {
                "at": row.history_date,
                "actor": row.history_user.username if row.history_user_id else None,
                "reason": row.history_change_reason,
                "kind": model._meta.model_name,
                "record": str(row.uuid),
                "action": _HISTORY_TYPES[row.history_type],
                "sections": sorted({sections_of[name].value for name in changes}),
                "changes": {
                    name: str(value.uuid) if hasattr(value, "uuid") else value for name, value in changes.items()
                },
            }
        )
    return entries


def case_history(user, case: Case) -> list[dict]:
    """The changes of the case, its person and its records, newest first, showing only fields
    of sections ``user`` may read (a change touching none of them is left out)."""
    readable = set(policy.readable_sections(user))
    entries = _history_entries(user, Case, Case.history.filter(id=case.pk))
    entries += _history_entries(user, Victim, Victim.history.filter(id=case.victim_id))
    for model in HISTORY_FIELDS:
        if model.section in readable:
            rows = model.history.filter(case_id=case.pk)
            if model in HISTORY_ROWS:
                rows = HISTORY_ROWS[model](user, rows)
            entries += _history_entries(user, model, rows)
    return sorted(entries, key=lambda entry: entry["at"], reverse=True)


# --- one kind of record, one record, one referral (the API's nested routes) ------------------


def case_records(user, case: Case, model) -> list[dict]:
    """The records of one kind on ``case`` (a case from :func:`case_for`), as the case file
    shows them to ``user``; NotFound when the role may not read the kind's section, exactly
    like a kind that does not exist."""
    if not policy.may_read(user, model.section):
        raise NotFound(_("No such kind of record."))
    return _records(model, case, user)


def case_record(user, case: Case, model, record_id):
    """The record of kind ``model`` with UUID ``record_id`` on ``case`` (a case from
    :func:`case_for`) if ``user`` may read its section; NotFound otherwise (also for a UUID
    that is malformed or names a record of another case)."""
    if not policy.may_read(user, model.section):
        raise NotFound(_("No such kind of record."))
    rows = model.objects.filter(case=case)
    if model is Referral and policy.scope_of(user) is policy.Scope.REFERRAL:
        rows = rows.filter(to_organization=user.organization_id)
    try:
        record = rows.filter(uuid=record_id).first()
    except ValidationError:  # not a UUID
        record = None
    if record is None:
        raise NotFound(_("No such record."))
    record.case = case  # the caller's scoped copy; saves a query when the record is written
    return record


def referral_for(user, referral_id) -> Referral:
    """The referral with UUID ``referral_id`` if ``user`` sees its case and may read referrals
    (a receiving organization only its own referrals); NotFound otherwise."""
    if not policy.may_read(user, Section.REFERRALS):
        raise NotFound(_("No such referral."))
    rows = Referral.objects.visible_to(user).select_related("case")
    if policy.scope_of(user) is policy.Scope.REFERRAL:
        rows = rows.filter(to_organization=user.organization_id)
    try:
        referral = rows.filter(uuid=referral_id).first()
    except ValidationError:  # not a UUID
        referral = None
    if referral is None:
        raise NotFound(_("No such referral."))
    return referral
