"""The victim file's sections of the case file, declared once (``registry.casefile``): the
person, identity, contacts and family, rescue, health, DNA sample, consents and referrals.

Registered by ``VictimsConfig.ready``. Forms, serializers and pages read the kinds below (the
fields a record shows are the fields its form and the API take); nothing here imports a view.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from registry import policy
from registry.casefile import CaseSection, HistorySource, Panel, RecordKind
from registry.choices import Role
from registry.policy import Section
from victims.models import Case, Consent, DNASample, FamilyMember, HealthAssessment, Household, Referral, Rescue, Victim
from victims.operations import VICTIM_SECTION_FIELDS, victim_age


def _own_referrals(user, rows):
    """A receiving organization sees its own referrals only (records and their history)."""
    if policy.scope_of(user) is policy.Scope.REFERRAL:
        rows = rows.filter(to_organization_id=user.organization_id)
    return rows


def _consents_for_own_service(user, rows):
    """A receiving organization sees only the consents that cover a service the case is
    referred to it for — pending, accepted or completed — (records and their history): a
    consent to legal aid, and the guardian or statutory basis it names, is not the school's."""
    if policy.scope_of(user) is policy.Scope.REFERRAL:
        referred = Referral.objects.filter(
            case_id=OuterRef("case_id"),
            service=OuterRef("service"),
            to_organization_id=user.organization_id,
            visible_to_receiver=True,
        )
        rows = rows.filter(Exists(referred))
    return rows


RESCUE = RecordKind(
    Rescue,
    (
        "rescued_on",
        "place",
        "police_unit",
        "police_case_number",
        "exploitation",
        "identification_status",
        "identified_on",
        "identified_by",
        "identification_source",
        "circumstances",
    ),
    dates=(("rescued_on", _("Rescued")), ("identified_on", _("Identification decided"))),
    label=_("Rescue"),
    title=_("Rescue records"),
    form="rescue",
)
HEALTH_ASSESSMENT = RecordKind(
    HealthAssessment,
    ("assessed_on", "assessor", "physical", "psychological", "needs"),
    key="assessments",
    dates=(("assessed_on", _("Health assessed")),),
    label=_("Health assessment"),
    title=_("Health assessments"),
    form="healthassessment",
)
DNA_SAMPLE = RecordKind(
    DNASample,
    ("collected_on", "collected_by", "submitted_on", "database_reference", "match", "matched_on"),
    dates=(
        ("collected_on", _("DNA sample collected")),
        ("submitted_on", _("DNA sample submitted to the national database")),
        ("matched_on", _("DNA match confirmed")),
    ),
    label=_("DNA sample"),
    title=_("DNA samples"),
    form="dnasample",
)
HOUSEHOLD = RecordKind(
    Household,
    ("address", "jurisdiction_code", "is_purchaser", "notes"),
    key="households",
    label=_("Household"),
    title=_("Households"),
    form="household",
)
FAMILY_MEMBER = RecordKind(
    FamilyMember,
    ("relationship", "full_name", "phone", "is_guardian", "verified"),
    key="family_members",
    label=_("Family member or contact"),
    title=_("Family members and contacts"),
    layout="table",
    form="familymember",
)
CONSENT = RecordKind(
    Consent,
    ("service", "given_by", "guardian_name", "statutory_basis", "given_on", "withdrawn_on"),
    dates=(("given_on", _("Consent given")), ("withdrawn_on", _("Consent withdrawn"))),
    narrow=_consents_for_own_service,
    label=_("Consent"),
    title=_("Consents to share"),
    layout="table",
    form="consent",
)
REFERRAL = RecordKind(
    Referral,
    # decision_comment: civil affairs' reason for approving or rejecting, or why it was revoked.
    ("service", "to_organization", "status", "reason", "response_note", "decision_comment"),
    narrow=_own_referrals,
    label=_("Referral"),
    title=_("Referrals"),
)
# The kinds a caseworker adds and amends through the case file's record form, by URL name.
FORM_KINDS: dict[str, RecordKind] = {
    kind.form: kind for kind in (RESCUE, HEALTH_ASSESSMENT, DNA_SAMPLE, HOUSEHOLD, FAMILY_MEMBER, CONSENT)
}


def _case_history(case):
    return Case.history.filter(id=case.pk)


def _victim_history(case):
    return Victim.history.filter(id=case.victim_id)


def _victim_facts(section: Section):
    names = VICTIM_SECTION_FIELDS[section]
    return lambda case, user: {name: getattr(case.victim, name) for name in names}


def _victim_history_source(section: Section) -> HistorySource:
    return HistorySource(Victim, VICTIM_SECTION_FIELDS[section], _victim_history)


def _person(case, user) -> dict[str, Any]:
    """The person and the case's stage, with how a closed case ended. Civil affairs' comment on
    closing is free text about the person's fate: only the roles that read how the person leaves
    the registry's care (the ``return_home`` section, whose history shows its changes — see
    ``services/sections.py``) get it."""
    facts = {
        "case_number": case.number,
        "stage": case.stage,
        "ending": case.ending,
        "full_name": case.victim.full_name,
        "sex": case.victim.sex,
        "age": victim_age(case.victim),
        "age_band": case.age_band,
    }
    if policy.may_read(user, Section.RETURN_HOME):
        facts["closure_comment"] = case.closure_comment
    return facts


_DASHBOARD_WORK = "victims.views.dashboard.dashboard_work"
_PERSON_LABELS = {"case_number": _("Case number"), "stage": _("Stage"), "age": _("Age")}

SECTIONS = (
    CaseSection(
        Section.PERSON,
        facts=_person,
        facts_models=(Victim, Case),
        facts_labels=_PERSON_LABELS,
        history=(
            HistorySource(Case, ("number", "stage", "ending", "age_band"), _case_history),
            _victim_history_source(Section.PERSON),
        ),
        panels=(
            Panel("victims/dashboard/caseworker.html", _DASHBOARD_WORK, frozenset({Role.CASEWORKER})),
            Panel("victims/dashboard/civil_affairs.html", _DASHBOARD_WORK, frozenset({Role.CIVIL_AFFAIRS})),
        ),
    ),
    CaseSection(
        Section.IDENTITY,
        facts=_victim_facts(Section.IDENTITY),
        facts_models=(Victim,),
        history=(_victim_history_source(Section.IDENTITY),),
    ),
    CaseSection(
        Section.CONTACTS,
        facts=_victim_facts(Section.CONTACTS),
        facts_models=(Victim,),
        records=(HOUSEHOLD, FAMILY_MEMBER),
        history=(_victim_history_source(Section.CONTACTS),),
    ),
    CaseSection(Section.RESCUE, records=(RESCUE,)),
    CaseSection(
        Section.HEALTH,
        facts=_victim_facts(Section.HEALTH),
        facts_models=(Victim,),
        records=(HEALTH_ASSESSMENT,),
        history=(_victim_history_source(Section.HEALTH),),
    ),
    CaseSection(Section.DNA, records=(DNA_SAMPLE,)),
    CaseSection(Section.CONSENTS, records=(CONSENT,)),
    CaseSection(
        Section.REFERRALS,
        records=(REFERRAL,),
        panels=(
            Panel(
                "victims/dashboard/receiver.html",
                _DASHBOARD_WORK,
                frozenset({Role.EDUCATION, Role.LEGAL_AID, Role.LABOR}),
            ),
        ),
    ),
)
