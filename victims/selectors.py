"""Reads of the victim file — every one through ``Case.objects.visible_to(user)`` and the
section policy. What a case file shows of a case (its sections and history) is assembled by
``registry.casefile`` from the sections the apps declare; these are the lookups around it.

Guarantees: a case outside the user's scope is :class:`registry.errors.NotFound`, exactly like
an absent one; a section the user may not read is absent from what is returned (not empty);
values are decrypted only for sections that are returned; an exact search by a field of a
section the user may not read is refused (403), so no search confirms a value the role cannot
see. Callers log the read (``registry.audit.log_read``) with the sections these functions
report.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry import casefile, policy
from registry.choices import Role
from registry.errors import NotFound, PermissionDenied, RuleViolation
from registry.fields import BlindIndexField
from registry.policy import Section
from registry.scope import code_within
from victims import search, validation
from victims.models import (
    Case,
    Referral,
    Victim,
)

# The section that holds each exact-search field. A match confirms the value searched for, so
# searching by a field is reading it: only a role that may read the section may search by it.
SEARCH_SECTIONS = {"id_number": Section.IDENTITY, "name": Section.PERSON}


def may_search_by(user, field: str) -> bool:
    """Whether ``user``'s role may search exactly by ``field`` (``id_number`` or ``name``)."""
    return policy.may_read(user, SEARCH_SECTIONS[field])


def cases_for(user, *, stage=None, jurisdiction=None, organization=None, id_number=None, name=None):
    """The cases ``user`` may see, filtered; ``id_number`` and ``name`` match exactly through
    the blind indexes (never by decrypting), after the normalization a stored value gets
    (``validation.document_number_search_keys``, ``validation.check_name``: a term with an
    invisible character is refused, 400). Searching by a field of a section the role may not
    read is refused (403), so a search is never an oracle for a value the role cannot see."""
    for field, term in (("id_number", id_number), ("name", name)):
        if term and not may_search_by(user, field):
            raise PermissionDenied(_("Your role may not search by this field."))
    cases = Case.objects.visible_to(user).select_related("victim", "jurisdiction", "lead_organization")
    if stage:
        cases = cases.filter(stage=stage)
    if jurisdiction:
        cases = cases.filter(code_within("jurisdiction__code", jurisdiction))
    if organization:
        cases = cases.filter(lead_organization__uuid=organization)
    if id_number:
        cases = _blind_match(cases, "id_number_index", validation.document_number_search_keys(id_number))
    if name:
        cases = _blind_match(cases, "full_name_index", [validation.check_name(name, "name")])
    return cases


def search_cases(user, term: str | None, *, cases=None) -> search.Found:
    """One search box (``victims.search``): a case number, an ID number, part of a name or its
    pinyin, answered within ``cases`` (a queryset from :func:`cases_for` ``user``, e.g. a stage
    filter or the list's deferred columns; all the cases ``user`` sees when omitted), never
    beyond. The ID number is tried only for roles that read the identity section, names only
    for roles that read the person section: a term is never matched against a field the role
    cannot see, and such a term finds nothing rather than being refused (one box, no oracle).
    400 naming ``q`` for an empty, over-long or spiked term."""
    term = search.normalized_term(term)
    if cases is None:
        cases = cases_for(user)
    id_matches = None
    if may_search_by(user, "id_number"):
        try:
            keys = validation.document_number_search_keys(term)
        except RuleViolation:  # not shaped like a document number: no ID number matches it
            keys = None
        if keys:
            id_matches = _blind_match(cases, "id_number_index", keys)
    return search.find(cases, term, names=may_search_by(user, "name"), id_matches=id_matches)


def _blind_match(cases, index: str, values: list[str]):
    """``cases`` whose person matches one of ``values`` exactly through the blind index
    ``index`` (keyed digests compared in SQL on the person already joined in; nothing is
    decrypted)."""
    field = Victim._meta.get_field(index)
    if not isinstance(field, BlindIndexField):
        raise TypeError(f"{index} is not a blind index")
    digests = {digest for value in values if (digest := field.digest(value))}
    return cases.filter(**{f"victim__{index}__in": sorted(digests)}) if digests else cases.none()


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


# --- one kind of record, one record, one referral (the API's nested routes) ------------------


def case_records(user, case: Case, model) -> list[dict]:
    """The records of one kind on ``case`` (a case from :func:`case_for`), as the case file
    shows them to ``user``; NotFound when the role may not read the kind's section, exactly
    like a kind that does not exist."""
    try:
        return casefile.case_records(user, case, model)
    except KeyError:
        raise NotFound(_("No such kind of record.")) from None


def case_record(user, case: Case, model, record_id):
    """The record of kind ``model`` with UUID ``record_id`` on ``case`` (a case from
    :func:`case_for`) if ``user`` may read its section; NotFound otherwise (also for a UUID
    that is malformed or names a record of another case)."""
    if not policy.may_read(user, model.section):
        raise NotFound(_("No such kind of record."))
    rows = model.objects.filter(case=case)
    narrow = casefile.kind_of(model).narrow
    if narrow is not None:
        rows = narrow(user, rows)
    record = rows.one(record_id, missing=_("No such record."))
    record.case = case  # the caller's scoped copy; saves a query when the record is written
    return record


def referral_for(user, referral_id) -> Referral:
    """The referral with UUID ``referral_id`` if ``user`` sees its case and may read referrals
    (a receiving organization only its own referrals); NotFound otherwise."""
    if not policy.may_read(user, Section.REFERRALS):
        raise NotFound(_("No such referral."))
    rows = casefile.kind_of(Referral).narrow(user, Referral.objects.visible_to(user).select_related("case"))
    return rows.one(referral_id, missing=_("No such referral."))


def caseworkers_for(user):
    """The caseworkers whose assignments ``user`` may manage (``assign_caseworker``): a
    caseworker's colleagues of her organization, a civil affairs officer's caseworkers of the
    organizations within his jurisdiction; nobody for other roles. Disabled accounts included
    (their open cases are handed on after they leave); callers that assign filter active ones."""
    staff = get_user_model().objects.filter(role=Role.CASEWORKER).select_related("organization")
    if not policy.may(user, policy.Action.ASSIGN_CASEWORKER):
        return staff.none()
    if policy.role_of(user) == Role.CASEWORKER:
        return staff.filter(organization_id=user.organization_id)
    return staff.filter(code_within("organization__jurisdiction__code", user.jurisdiction.code))


def caseworker_for(user, caseworker_id, *, field: str = "caseworker"):
    """One of :func:`caseworkers_for` by UUID; 400 naming ``field`` for any other value (an
    account outside the reader's reach is not told apart from an unknown one)."""
    try:
        found = caseworkers_for(user).filter(uuid=caseworker_id).first()
    except ValidationError:
        found = None
    if found is None:
        raise RuleViolation(_("Choose a caseworker you may assign."), field=field)
    return found
