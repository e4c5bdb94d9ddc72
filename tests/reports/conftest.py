"""Fixtures of the reports' tests: a builder that writes cases and records with exactly the
dates a test needs (reports count by dates of the past, which the operations — checking dates
against today — would refuse to back-date), and the small fixture the by-hand tests count.

The builder writes through the models' own ``save`` (so encrypted fields are sealed and history
is kept, as the operations do); only ``created_at`` stamps are moved afterwards with a plain
update of the base manager, as nothing else can set an ``auto_now_add`` field.
"""

from __future__ import annotations

import datetime
import itertools
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from legal_aid.choices import MatterStatus, MatterType
from legal_aid.models import LegalAidMatter
from registry.choices import Department, OrganizationKind
from registry.history import recorded_change
from services.choices import DischargeReason, Pathway, ReturnPlanStatus
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from tests.factories import JurisdictionFactory, OrganizationFactory
from victims import synthetic
from victims.choices import DNAMatch, DocumentType, ReferralStatus, Service, Sex, Stage
from victims.models import Case, DNASample, Referral, Rescue, Victim

D = datetime.date
FEB_1 = D(2026, 2, 1)


def moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=timezone.get_current_timezone())


class Builder:
    """Writes one person's journey record by record; every value synthetic."""

    def __init__(self, places, cast):
        self.places = places
        self.cast = cast
        self.numbers = itertools.count(1)
        self.rng = random.Random(14)
        self.names: list[str] = []
        self.id_numbers: list[str] = []
        self.case_numbers: list[str] = []

    def case(
        self,
        *,
        where=None,
        opened: datetime.date = FEB_1,
        rescued: datetime.date | None = None,
        sex: str = Sex.FEMALE,
        age_band: str = "18_plus",
        nationality: str = "CN",
        forms: tuple[str, ...] = ("sexual",),
        stage: str = Stage.REGISTERED,
        closed: datetime.date | None = None,
        ending: str = "",
    ) -> Case:
        where = where or self.places.gulou
        serial = next(self.numbers)
        name = synthetic.chinese_name(self.rng) + f"测{serial}"
        id_number = synthetic.resident_id(
            self.rng, region="350102", birth_date=D(1990, 1, serial % 28 + 1), female=True
        )
        victim = Victim.objects.create(
            full_name=name,
            sex=sex,
            document_type=DocumentType.RESIDENT_ID,
            id_number=id_number,
            nationality=nationality,
        )
        number = f"FJ-{where.code}-2026-{serial:05d}"
        case = Case(
            number=number,
            victim=victim,
            jurisdiction=where,
            lead_organization=self.places.fz_shelter,
            stage=stage,
            opened_on=opened,
            closed_on=closed,
            ending=ending,
            created_by=self.cast.alice,
        )
        case.age_band = age_band
        case.rescued_on = rescued or opened  # as victims.operations.common.refresh_rescue_facts keeps it
        case.save()
        self.names.append(name)
        self.id_numbers.append(id_number)
        self.case_numbers.append(number)
        Rescue.objects.create(
            case=case,
            rescued_on=rescued or opened,
            place="某地（虚构）",
            police_unit="某公安分局（虚构）",
            exploitation=list(forms),
        )
        return case

    def admit(self, case, on, *, discharged=None, transferred_from=None) -> ShelterPlacement:
        return ShelterPlacement.objects.create(
            case=case,
            shelter=self.places.fz_shelter,
            admitted_on=on,
            discharged_on=discharged,
            discharge_reason=DischargeReason.OTHER if discharged else "",
            transferred_from=transferred_from,
        )

    def enrol(self, case, on, *, ended=None) -> SchoolEnrollment:
        return SchoolEnrollment.objects.create(case=case, school="某小学（虚构）", started_on=on, ended_on=ended)

    def train(self, case, on) -> VocationalTraining:
        return VocationalTraining.objects.create(case=case, provider="某培训机构", programme="电工", started_on=on)

    def employ(self, case, on) -> EmploymentPlacement:
        return EmploymentPlacement.objects.create(case=case, employer="某公司", job_title="工人", started_on=on)

    def plan(self, case, *, pathway=Pathway.FAMILY_REUNIFICATION, handover=None, created=None, status=None):
        status = status or (ReturnPlanStatus.COMPLETED if handover else ReturnPlanStatus.AWAITING_APPROVAL)
        approved = status in (ReturnPlanStatus.APPROVED, ReturnPlanStatus.COMPLETED)
        plan = ReturnPlan.objects.create(
            case=case,
            pathway=pathway,
            status=status,
            destination_country="CN" if pathway != Pathway.REPATRIATION else "VN",
            planned_on=handover or created or D(2026, 6, 1),
            created_by=self.cast.alice,
            approved_by=self.cast.dave if approved else None,
            approved_at=moment(handover or D(2026, 6, 1)) if approved else None,
            handover_on=handover,
        )
        ReturnPlan._base_manager.filter(pk=plan.pk).update(created_at=moment(created or handover or D(2026, 6, 1)))
        return plan

    def dna(self, case, *, submitted=None, matched=None) -> DNASample:
        return DNASample.objects.create(
            case=case,
            collected_on=submitted or D(2026, 1, 1),
            collected_by="某民警（虚构）",
            submitted_on=submitted,
            match=DNAMatch.CONFIRMED if matched else DNAMatch.PENDING,
            matched_on=matched,
        )

    def visit(self, case, due, *, visited=None, waived=None) -> FollowUpVisit:
        return FollowUpVisit.objects.create(
            case=case,
            due_on=due,
            visited_on=visited,
            waived_on=waived,
            waived_by=self.cast.dave if waived else None,
            waiver_reason="已迁居（虚构）" if waived else None,
        )

    def referral(self, case, service, *, sent, answered=None, status=ReferralStatus.PENDING) -> Referral:
        """A referral sent on ``sent``; answered (accepted) on ``answered`` when given — its
        ``answered_at`` and the answer's history row dated that day, as referral_respond would;
        one created already answered (``status``) was answered the day it was sent."""
        organization = {
            Service.SCHOOLING: self.places.fz_education,
            Service.TRAINING: self.places.fz_labor,
            Service.LEGAL_AID: self.places.fz_legal_aid,
        }[service]
        referral = Referral.objects.create(
            case=case, service=service, to_organization=organization, status=status, created_by=self.cast.dave
        )
        history = Referral.history.model.objects.filter(id=referral.pk)
        history.update(history_date=moment(sent))
        if answered:
            referral.status = ReferralStatus.ACCEPTED
            referral.answered_at = moment(answered)
            referral.save()
            history.filter(status=ReferralStatus.ACCEPTED).update(history_date=moment(answered))
        elif status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.COMPLETED):
            Referral._base_manager.filter(pk=referral.pk).update(answered_at=moment(sent))
        Referral._base_manager.filter(pk=referral.pk).update(created_at=moment(sent))
        return referral

    def matter(
        self,
        case,
        *,
        applied,
        status=MatterStatus.APPLIED,
        decided=None,
        concluded=None,
        outcome="",
        awarded=None,
        received=None,
    ) -> LegalAidMatter:
        referral = self.referral(case, Service.LEGAL_AID, sent=applied, status=ReferralStatus.ACCEPTED)
        return LegalAidMatter.objects.create(
            case=case,
            centre=self.places.fz_legal_aid,
            referral=referral,
            matter_type=MatterType.CRIMINAL_VICTIM,
            applied_on=applied,
            status=status,
            decided_on=decided,
            decision_reason="符合条件（虚构）" if decided else None,
            started_on=decided if status in (MatterStatus.IN_PROGRESS, MatterStatus.CONCLUDED) else None,
            concluded_on=concluded,
            outcome=outcome,
            compensation_awarded=Decimal(awarded) if awarded is not None else None,
            compensation_received=Decimal(received) if received is not None else None,
            opened_by=self.cast.erin,
        )


@pytest.fixture
def more_places(places):
    """Counties beyond the cast's Gulou: Taijiang (Fuzhou) and Siming (Xiamen), a Xiamen shelter."""
    return SimpleNamespace(
        taijiang=JurisdictionFactory(code="350103", name="台江区", parent=places.fuzhou),
        siming=JurisdictionFactory(code="350203", name="思明区", parent=places.xiamen),
        xm_school=OrganizationFactory(
            name="厦门市教育局",
            department=Department.EDUCATION,
            kind=OrganizationKind.BUREAU,
            jurisdiction=places.xiamen,
        ),
    )


@pytest.fixture
def build(places, cast, more_places):
    """The builder; its writes are recorded in history as the test fixture's (by Alice)."""
    builder = Builder(places, cast)
    builder.more = more_places
    with recorded_change(actor=cast.alice, reason="reports test fixture"):
        yield builder
