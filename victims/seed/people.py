"""Who the people are: each person's identity (name, sex, birth date, document) and the
deterministic drawing of the plans.

Guarantees: a plan is drawn from ``random.Random`` seeded by (seed, person index), so
``--victims 30`` seeds the first 30 people of ``--victims 200``. Identity is drawn against the
fixed :data:`REFERENCE_DAY` and before anything that depends on today, so it is the same
whichever day the command runs; the dates of the journey run from 1 January 2025
(``journey.FIRST_OPENING``) to today, as they must never be in the future. No two plans of a
run share a key (document number, or name and birth date): a person whose key an earlier one
took is redrawn, deterministically.
"""

from __future__ import annotations

import datetime
import random

from stdnum.cn import ric

from victims import synthetic, validation
from victims.choices import DocumentType, Sex
from victims.seed.journey import draw_journey
from victims.seed.plans import PersonPlan, weighted

# Identity is drawn against this day, not today, so ID numbers do not change from day to day
# (which would make a later run register everyone again). Ages are 3–38 on it, 3–39 a year on.
REFERENCE_DAY = datetime.date(2026, 1, 1)
MIN_AGE, MAX_AGE = 3, 38  # on REFERENCE_DAY; every origin region is valid from 1983 (synthetic)


def _identity(rng: random.Random, anchor: datetime.date) -> tuple[dict, tuple[str, object]]:
    """Who the person is, drawn from ``rng`` and ``anchor`` alone (never from today): the
    registration fields and the key that identifies them (blind index, value)."""
    child = rng.random() < 0.42
    if child:
        low, high = weighted(rng, {(MIN_AGE, 5): 15, (6, 13): 50, (14, 17): 35})
    else:
        low, high = weighted(rng, {(18, 25): 45, (26, 32): 35, (33, MAX_AGE): 20})
    age = rng.randint(low, high)
    female = rng.random() < (0.65 if child else 0.92)
    born = synthetic.birth_date(rng, today=anchor, min_age=age, max_age=age + 1)
    victim = {"sex": Sex.FEMALE if female else Sex.MALE}
    if not child and female and rng.random() < 0.15:
        country = weighted(rng, {"VN": 50, "MM": 30, "LA": 20})
        victim |= {
            "full_name": synthetic.foreign_name(rng, country, female=female),
            "nationality": country,
            "birth_date": born,
        }
        if rng.random() < 0.75:
            number = synthetic.passport_number(rng, country)
            victim |= {"document_type": DocumentType.PASSPORT, "document_country": country, "id_number": number}
        else:  # papers kept by the traffickers: age estimated
            victim |= {"document_type": DocumentType.NONE, "birth_date_estimated": True}
    else:
        region = rng.choice(sorted(synthetic.ORIGIN_PLACES))
        ethnicities = synthetic.ORIGIN_PLACES[region][1]
        victim |= {
            "full_name": synthetic.chinese_name(rng, surname=rng.choice(synthetic.SURNAMES), male=not female),
            "nationality": "CN",
            "native_place_code": region,
            "ethnicity": ethnicities[0] if rng.random() < 0.6 else rng.choice(ethnicities),
        }
        if child and rng.random() < 0.08:  # never registered (黑户): age estimated
            victim |= {"document_type": DocumentType.NONE, "birth_date": born, "birth_date_estimated": True}
        else:
            number = synthetic.resident_id(rng, region=region, birth_date=born, female=female)
            victim |= {"document_type": DocumentType.RESIDENT_ID, "id_number": number}
    if victim.get("id_number"):
        key = ("id_number_index", victim["id_number"])
    else:
        key = ("name_birth_index", (victim["full_name"], born))
    return victim, key


def _rng(seed: int, index: int, attempt: int, part: str) -> random.Random:
    """A generator of its own for each part of each person, so one part's draws never shift
    another's (a string seed is hashed the same in every process)."""
    return random.Random(f"seed_demo:{seed}:{index}:{attempt}:{part}")  # noqa: S311 - synthetic data, not secrets


def plan_person(seed: int, index: int, *, today: datetime.date, attempt: int = 0) -> PersonPlan:
    """The person ``index`` of ``seed`` (``attempt`` > 0 redraws one whose key was taken)."""
    anchor = min(REFERENCE_DAY, today)
    victim, key = _identity(_rng(seed, index, attempt, "identity"), anchor)
    born = victim.get("birth_date") or ric.get_birth_date(victim["id_number"])
    plan = PersonPlan(index=index, victim=victim, key=key, age=validation.age_on(born, today))
    draw_journey(plan, _rng(seed, index, attempt, "journey"), born=born, today=today)
    return plan


def plan_people(*, seed: int, count: int, today: datetime.date) -> list[PersonPlan]:
    """The first ``count`` people of ``seed``, each with a key no earlier one has."""
    plans, keys = [], set()
    for index in range(count):
        attempt = 0
        plan = plan_person(seed, index, today=today)
        while plan.key in keys:  # the same number drawn twice: redraw this person, deterministically
            attempt += 1
            plan = plan_person(seed, index, today=today, attempt=attempt)
        keys.add(plan.key)
        plans.append(plan)
    return plans
