"""The steps of one synthetic person's journey, as the benchmark generator records it.

A step is ``step(journey, writer, generation)``: it writes, through the
:class:`benchmarks.bulk.Writer`, the rows, history rows and audit events the operations of its
app would write for the person (``journey.plan``, drawn by ``victims.seed``), and may set
``journey.skipped`` to stop the person's journey (a registration the operations would refuse).
Steps run in the order of :data:`JOURNEY`, one person after the other.

Plugging in an app (services, legal aid …): write its steps in ``benchmarks/journeys/<app>.py``,
drawing its own plans from ``journey.rng(<part>)`` (repeatable per person), and add them to
:data:`JOURNEY` between the victim file and the case's ending — a case is closed or transferred
last, as a case is closed after its services. A step that needs state across people (counters,
indexes) keeps it in ``generation.state`` and can register a callable in ``generation.at_end``
(run once, after the last flush, with the writer). What its rows must equal is what its
operations write: add its tables to ``tests/benchmarks/test_generate.py``'s comparison.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from registry.models import Jurisdiction

# Dotted paths of the steps, in order.
JOURNEY: list[str] = [
    "benchmarks.journeys.victims.register",  # registration, rescue, health, DNA, family, consents, referrals
    "benchmarks.journeys.services.step",  # shelter, schooling, training, jobs, return plan, follow-up visits
    "benchmarks.journeys.legal_aid.step",  # the matter of an accepted legal aid referral, its steps and work
    "benchmarks.journeys.victims.ending",  # closure or transfer to another province
]


@dataclass
class Generation:
    """One run of the generator: what steps share across people."""

    seed: int
    today: datetime.date
    jurisdictions: dict[str, Jurisdiction]
    state: dict[str, Any] = field(default_factory=dict)
    at_end: list[Callable] = field(default_factory=list)


@dataclass
class Journey:
    """One person as the steps see them: the plan, the staff of their city, and the rows written
    so far (``victim``, ``case``; steps may add their own to ``rows``)."""

    index: int
    plan: Any  # victims.seed.PersonPlan
    staff: Any  # victims.seed.Staff
    seed: int
    victim: Any = None  # benchmarks.bulk.Row
    case: Any = None
    rows: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False

    def rng(self, part: str) -> random.Random:
        """A generator of its own for ``part`` of this person (repeatable across runs)."""
        return random.Random(f"bench:{self.seed}:{self.index}:{part}")  # noqa: S311 - synthetic data
