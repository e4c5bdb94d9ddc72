"""Synthetic victims for the demonstration registry (``manage.py seed_demo --victims N``).

Every person, place and number here is made up (``victims.synthetic``): names drawn from common
characters, resident ID numbers valid in form only, passports in the usual shape of Viet Nam's,
Myanmar's and Laos', addresses never finer than 某街道 / 某村. Mostly women and children (ages
3–39, about 40 % under 18), rescued in Fuzhou and Xiamen, each followed through the journey the
current code supports: rescue, health assessment, DNA sample for children, households (the
purchasing one marked), family, consents, referrals and their answers, and for some cases
closure or transfer to another province.

Split along the way a person is made: :mod:`.places` (the demo cities and provinces),
:mod:`.plans` (what a person's file will hold), :mod:`.people` (who they are, and the
deterministic drawing of the plans), :mod:`.journey` (what happened to them, and the words the
seed writes), :mod:`.recording` (a plan recorded through the operations, and the run), and
:mod:`.steps` (what the later seed steps of the other apps share: the seed's own cases, and one
case's work that a refusal skips instead of ending the run). Each
module states its guarantees — deterministic, idempotent, one transaction per person, every
write through ``victims.operations`` as the demo user whose job it is, nothing personal
returned. This package exports their public API, so callers import from ``victims.seed``.
"""

from victims.seed.journey import OUTCOME_STEPS, REFERRAL_REASONS, RESPONSE_NOTES
from victims.seed.people import MAX_AGE, MIN_AGE, REFERENCE_DAY, plan_people, plan_person
from victims.seed.places import CITIES, PROVINCES, City, District
from victims.seed.plans import HouseholdPlan, MemberPlan, PersonPlan, ReferralPlan
from victims.seed.recording import SeedResult, Staff, is_registered, record_person, seed_victims
from victims.seed.steps import SkippedCase, attempt, synthetic_cases

__all__ = [
    "CITIES",
    "MAX_AGE",
    "MIN_AGE",
    "OUTCOME_STEPS",
    "PROVINCES",
    "REFERENCE_DAY",
    "REFERRAL_REASONS",
    "RESPONSE_NOTES",
    "City",
    "District",
    "HouseholdPlan",
    "MemberPlan",
    "PersonPlan",
    "ReferralPlan",
    "SeedResult",
    "SkippedCase",
    "Staff",
    "attempt",
    "is_registered",
    "plan_people",
    "plan_person",
    "record_person",
    "seed_victims",
    "synthetic_cases",
]
