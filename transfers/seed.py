"""Transfers for the demonstration registry (``manage.py seed_demo``, after the other seeds).

Between the two demo cities, open cases the seed registered (``victims.seed.synthetic_cases``:
never a case someone registered by hand in the demo) are offered to the other city's relief
station: ``PENDING`` requests each way (Fuzhou → Xiamen, Xiamen → Fuzhou) left for the receiving
caseworker and civil affairs officer to answer — items in their inboxes — and one request each
way that the receiver accepted (the case now led by the receiving station; the record stays in
the case). Hand-overs out of the province are seeded with the victims' journeys
(``victims.seed``).

Guarantees: every request and answer goes through ``transfers.operations`` as the demo user
whose job it is, so history, the audit log and the inbox hold what a real registry would;
deterministic (the oldest open cases of each city whose person holds no bed, in key order);
idempotent (a city that already sent transfers of the seed's cases is left alone); one
transaction per transfer (``victims.seed.attempt``): a transfer an operation refuses is rolled
back, its case listed by number in ``skipped`` and not counted, and the step goes on; counts
only are returned.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from registry.choices import OrganizationKind
from registry.models import Organization
from registry.policy import Section
from services.models import ShelterPlacement
from transfers import operations
from transfers.choices import TransferReason
from transfers.models import CaseTransfer
from victims.seed import CITIES, SkippedCase, Staff, attempt, synthetic_cases
from victims.stages import CLOSED_STAGES

PENDING = 2  # requests each way left awaiting an answer
ACCEPTED = 1  # requests each way the receiver accepted
REASONS = (TransferReason.NEARER_HOME, TransferReason.CAPACITY, TransferReason.SPECIALIZED_CARE)
COMMENT = "受援人户籍地在对方辖区，家属希望就近安置（演示数据，情节虚构）"


@dataclass(frozen=True)
class SeedResult:
    pending: int
    accepted: int
    skipped: tuple[SkippedCase, ...] = ()  # refused by an operation, rolled back


def _station(city) -> Organization | None:
    return Organization.objects.filter(
        kind=OrganizationKind.SHELTER, jurisdiction__code=city.code, is_active=True
    ).first()


def seed_transfers() -> SeedResult:
    """Send :data:`PENDING` + :data:`ACCEPTED` open cases the seed registered in each demo city to
    the other city's relief station; accept the first :data:`ACCEPTED` of them as the receiving
    caseworker."""
    pending = accepted = 0
    skipped: list[SkippedCase] = []
    for sender, receiver in ((CITIES[0], CITIES[1]), (CITIES[1], CITIES[0])):
        source, target = _station(sender), _station(receiver)
        sent = CaseTransfer.objects.filter(from_organization=source, case__in=synthetic_cases())
        if source is None or target is None or sent.exists():
            continue
        staff, receiving = Staff.of(sender), Staff.of(receiver)
        # Cases whose person holds no bed: a bed is given up before a transfer is accepted.
        in_a_bed = ShelterPlacement.objects.filter(case=OuterRef("pk"), discharged_on__isnull=True)
        cases = (
            synthetic_cases()
            .filter(lead_organization=source)
            .exclude(stage__in=CLOSED_STAGES)
            .exclude(Exists(in_a_bed))
            .order_by("pk")[: PENDING + ACCEPTED]
        )
        for index, case in enumerate(cases):
            with attempt(case, skipped) as work:
                transfer = operations.transfer_request(
                    actor=staff.caseworker, case=case, expected_version=case.version, to_organization=target,
                    reason=REASONS[index % len(REASONS)], comment=COMMENT,
                    sections_first=[Section.PERSON, Section.HEALTH, Section.SHELTER],
                )  # fmt: skip
                if index < ACCEPTED:
                    operations.transfer_accept(actor=receiving.caseworker, transfer=transfer)
            if work.done and index < ACCEPTED:
                accepted += 1
            elif work.done:
                pending += 1
    return SeedResult(pending=pending, accepted=accepted, skipped=tuple(skipped))
