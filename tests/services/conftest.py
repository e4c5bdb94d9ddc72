"""Fixtures of the assistance services: cases, referrals, placements and plans built with the
real operations (synthetic people only).

The cast is the one of ``tests/conftest.py``; ``dora`` is a second civil affairs officer of
Fuzhou, for the four-eyes rule (Dave writes a plan, Dora approves it).
"""

from __future__ import annotations

import datetime
import itertools

import pytest

from registry.choices import Department, OrganizationKind, Role
from services import operations as services
from services.choices import Pathway, Wish
from tests.factories import OrganizationFactory, UserFactory
from tests.victims.conftest import RESCUE, TODAY, person
from victims import operations
from victims.choices import ConsentGiver, DNAMatch, Service

__all__ = ["TODAY", "days_ago"]

_SEEDS = itertools.count(1000)
RECEIVERS = {  # service -> (organization on ``places``, receiver in ``cast``)
    Service.SCHOOLING: ("fz_education", "bob"),
    Service.LEGAL_AID: ("fz_legal_aid", "erin"),
    Service.TRAINING: ("fz_labor", "frank"),
}


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


# The people of these tests were rescued long enough ago for every stay, term and visit the
# tests date (a record is never dated before the rescue: victims.validation.check_chronology).
RESCUED_ON = days_ago(400)


@pytest.fixture
def dora(places):
    return UserFactory(
        username="dora", role=Role.CIVIL_AFFAIRS, organization=places.fz_civil_affairs, jurisdiction=places.fuzhou
    )


@pytest.fixture
def make_case(places, cast):
    """``make_case(age=30, **victim_fields)``: a case Alice registers in Gulou (a new person each call)."""

    def make(*, age: int = 30, actor=None, jurisdiction=None, **overrides):
        return operations.case_register(
            actor=actor or cast.alice,
            victim=person(next(_SEEDS), age=age, **overrides),
            jurisdiction=jurisdiction or places.gulou,
            rescue=dict(RESCUE, rescued_on=RESCUED_ON),
        )

    return make


@pytest.fixture
def refer(places, cast):
    """``refer(case, service, status="accepted")``: a referral of ``service`` to the Fuzhou
    receiver, with the consent it needs (a guardian's under 14, then Dave's approval), left
    ``pending``, ``accepted`` or ``completed``."""

    def make(case, service=Service.SCHOOLING, status="accepted"):
        age = operations.victim_age(case.victim)
        child = age is None or age < operations.CHILD_CONSENT_AGE
        consent = {"service": service, "given_on": TODAY, "given_by": ConsentGiver.PERSON}
        if child:
            consent.update(given_by=ConsentGiver.GUARDIAN, guardian_name="监护人（虚构）")
        operations.record_add(actor=cast.alice, case=case, model="consent", data=consent)
        organization, receiver = RECEIVERS[service]
        referral = operations.referral_create(
            actor=cast.alice, case=case, service=service, to_organization=getattr(places, organization)
        )
        if child:
            referral = operations.referral_approve(actor=cast.dave, referral=referral)
        if status in ("accepted", "completed"):
            referral = operations.referral_respond(actor=getattr(cast, receiver), referral=referral, decision="accept")
        if status == "completed":
            referral = operations.referral_respond(
                actor=getattr(cast, receiver), referral=referral, decision="complete"
            )
        return referral

    return make


@pytest.fixture
def shelter(places):
    """``shelter(capacity=1, jurisdiction=places.fuzhou, …)``: another shelter."""
    names = itertools.count(1)

    def make(capacity=1, jurisdiction=None, **fields):
        return OrganizationFactory(
            name=f"福州市第{next(names)}救助站",
            department=Department.CIVIL_AFFAIRS,
            kind=fields.pop("kind", OrganizationKind.SHELTER),
            jurisdiction=jurisdiction or places.fuzhou,
            capacity=capacity,
            **fields,
        )

    return make


@pytest.fixture
def admit(places, cast):
    """``admit(case, shelter=Fuzhou relief station, admitted_on=today)`` as Alice."""

    def make(case, shelter=None, admitted_on=None, **extra):
        return services.placement_admit(
            actor=cast.alice, case=case, shelter=shelter or places.fz_shelter, admitted_on=admitted_on, **extra
        )

    return make


@pytest.fixture
def household(cast):
    """``household(case, is_purchaser=False)``: a household recorded by Alice."""

    def make(case, is_purchaser=False, jurisdiction_code="530102"):
        data = {"address": "云南省昆明市五华区某村（虚构）", "jurisdiction_code": jurisdiction_code,
                "is_purchaser": is_purchaser}  # fmt: skip
        return operations.record_add(actor=cast.alice, case=case, model="household", data=data)

    return make


@pytest.fixture
def dna(cast):
    """``dna(case, match=DNAMatch.CONFIRMED, submitted=True)``: a DNA sample recorded by Alice."""

    def make(case, match=DNAMatch.CONFIRMED, submitted=True):
        data = {"collected_on": days_ago(20), "collected_by": "福州市公安局鼓楼分局"}
        if submitted:
            data.update(submitted_on=days_ago(19), database_reference="DNA-REF-0001（虚构）")
        if match == DNAMatch.CONFIRMED:
            data.update(match=match, matched_on=days_ago(5))
        elif match != DNAMatch.PENDING:
            data["match"] = match
        return operations.record_add(actor=cast.alice, case=case, model="dnasample", data=data)

    return make


# The person's voice a plan records before approval (issue 16): the wish, and the best-interests
# determination a child's plan needs (an adult's plan may carry one too; nothing refuses it).
VOICE = {
    "wish": Wish.AGREES,
    "wish_statement": "本人表示愿意返回（虚构）",
    "wish_recorded_on": TODAY,
    "bid_assessed_by": "福州市儿童福利院社工（虚构）",
    "bid_on": TODAY,
    "bid_child_heard": True,
    "bid_conclusion": "该安排符合儿童最大利益（虚构）",
}
NO_VOICE = {"wish": "", "wish_statement": "", "wish_recorded_on": None, "bid_assessed_by": "", "bid_on": None,
            "bid_child_heard": False, "bid_conclusion": ""}  # fmt: skip


def plan_data(pathway=Pathway.LOCAL_RESETTLEMENT, **extra) -> dict:
    """A valid plan of ``pathway`` for a case of Gulou (Fujian), with the person's voice that
    approval needs (:data:`VOICE`); ``extra`` overrides."""
    data = {"pathway": pathway, "planned_on": TODAY + datetime.timedelta(days=7), "escort": "福州市救助站 陈某（虚构）",
            **VOICE}  # fmt: skip
    if pathway in (Pathway.LOCAL_RESETTLEMENT, Pathway.INSTITUTIONAL_CARE):
        data["destination_code"] = "350102"
    if pathway == Pathway.INSTITUTIONAL_CARE:
        data["receiving_party"] = "福州市儿童福利院"
    if pathway in (Pathway.FAMILY_REUNIFICATION, Pathway.INTER_PROVINCIAL):
        data.update(destination_code="530102", receiving_party="昆明市救助管理站")
    if pathway == Pathway.REPATRIATION:
        data.update(police_unit="福州市公安局出入境管理支队", civil_affairs_unit="福建省民政厅",
                    receiving_party="越南谅山省劳动荣军社会厅")  # fmt: skip
    data.update(extra)
    return data


@pytest.fixture
def plan(cast):
    """``plan(case, pathway=…, actor=alice, **fields)``: a return plan created (awaiting approval)."""

    def make(case, pathway=Pathway.LOCAL_RESETTLEMENT, actor=None, **extra):
        return services.return_plan_create(actor=actor or cast.alice, case=case, data=plan_data(pathway, **extra))

    return make


@pytest.fixture
def approved_plan(plan, cast):
    """``approved_plan(case, …)``: created by Alice, approved by Dave."""

    def make(case, pathway=Pathway.LOCAL_RESETTLEMENT, **extra):
        created = plan(case, pathway, **extra)
        return services.return_plan_approve(actor=cast.dave, plan=created, expected_version=created.version)

    return make


@pytest.fixture
def returned(approved_plan, cast):
    """``returned(case)``: a local resettlement approved and completed today (visits scheduled)."""

    def make(case, **extra):
        approved = approved_plan(case, **extra)
        return services.return_plan_complete(
            actor=cast.alice, plan=approved, expected_version=approved.version, handover_on=TODAY,
            receiving_party="鼓楼区某社区居委会",
        )  # fmt: skip

    return make
