"""The plans: what a person's file will hold, drawn without touching the database — the
registration fields, the rescue, health, DNA, households, consents and referrals, and how the
case ends — as the operations will be asked to record them (``victims.seed.recording``); and
:func:`weighted`, the weighted draw the drawing modules share.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from victims.choices import DisabilityCategory, Relationship, Service, Stage
from victims.seed.places import City, District


@dataclass(frozen=True)
class MemberPlan:
    relationship: Relationship
    full_name: str
    phone: str | None
    is_guardian: bool
    verified: bool


@dataclass(frozen=True)
class HouseholdPlan:
    address: str
    jurisdiction_code: str
    is_purchaser: bool
    notes: str
    members: tuple[MemberPlan, ...]


@dataclass(frozen=True)
class ReferralPlan:
    service: Service
    consent: dict
    outcome: str  # a key of OUTCOME_STEPS


@dataclass
class PersonPlan:
    """One synthetic person and their case, as the operations will be asked to record them."""

    index: int
    victim: dict  # the registration fields, as ``case_register`` takes them
    key: tuple[str, object]  # (blind index, value) that identifies the person
    age: int  # today
    city: City | None = None
    district: District | None = None
    opened_on: datetime.date | None = None
    rescue: dict = field(default_factory=dict)
    disability: DisabilityCategory | None = None
    health: dict = field(default_factory=dict)
    dna: dict | None = None
    households: list[HouseholdPlan] = field(default_factory=list)
    referrals: list[ReferralPlan] = field(default_factory=list)
    ending: Stage | None = None  # CLOSED or TRANSFERRED; None leaves the case registered
    transfer_reason: str = ""


def weighted(rng: random.Random, weights: dict):
    """A key of ``weights`` drawn from ``rng`` with the odds its value gives it."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]
