"""Synthetic registry at scale for the benchmarks (DESIGN §8): ``BENCH_CASES`` cases (default
100,000), each with the journey ``victims.seed`` draws for the demo — rescue, health, DNA for
children, households (the purchasing one marked), family, consents, referrals and their answers,
closure or transfer — written in bulk, yet leaving exactly the rows the operations write:
encrypted by the field classes, blind indexes computed, one history row per save with its actor
and reason, and the audit events, hash-chained (``benchmarks/bulk.py`` says how;
``tests/benchmarks/test_generate.py`` compares with the operations table by table).

Run it on its own against an empty, migrated database (``benchmarks/run.py`` does all of it)::

    BENCH_CASES=2000 .venv/bin/python benchmarks/generate.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/generate.py --cases 2000

It seeds the demo's divisions, organizations and accounts first (``seed_demo``'s code), whose
staff then act in history and the audit log. People are drawn from ``--seed`` one by one
(``victims.seed.plan_person``), their journeys written by the steps of
``benchmarks.journeys.JOURNEY`` (where services, legal aid and others plug in), and flushed
every ``--batch`` people in one transaction. Prints counts and speed, nothing personal.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__":  # run as a script: the repository on the path, the bench settings
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

DEFAULT_CASES = 100_000
DEFAULT_SEED = 8  # not the demo's seed (1): other people
DEMO_PASSWORD = "bench-password-2026"  # noqa: S105 - synthetic accounts of a throwaway database


def cases_wanted(default: int = DEFAULT_CASES) -> int:
    value = os.environ.get("BENCH_CASES")
    return int(value.replace("_", "").replace(",", "")) if value else default


@dataclass(frozen=True)
class GenerationReport:
    people: int  # people drawn
    cases: int  # cases written (a person the operations would refuse as a duplicate is skipped)
    rows: int  # rows of the models (victims, cases, records, links)
    history: int  # history rows
    events: int  # audit events
    seconds: float
    by_table: dict[str, int]

    @property
    def total(self) -> int:
        return self.rows + self.history + self.events

    @property
    def rows_per_second(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0


def seed_reference_data() -> None:
    """Divisions, organizations and one account per role, as ``seed_demo`` writes them."""
    from django.core.management import call_command

    call_command("seed_demo", password=DEMO_PASSWORD, victims=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def generate(
    count: int,
    *,
    seed: int = DEFAULT_SEED,
    batch: int = 500,
    progress: Callable[[int], object] | None = None,
) -> GenerationReport:
    """Write ``count`` synthetic people with their cases into an empty registry (the reference
    data seeded). Deterministic for a seed and a day; refuses a registry that holds cases."""
    from django.utils.module_loading import import_string

    from benchmarks.bulk import Writer, reset_sequences
    from benchmarks.journeys import JOURNEY, Generation, Journey
    from registry.models import AuditEvent, Jurisdiction
    from victims import validation
    from victims.models import Case
    from victims.seed import CITIES, Staff, plan_person

    if Case.objects.exists():
        raise RuntimeError("the registry already holds cases; generate into an empty one")
    started = time.perf_counter()
    today = validation.today()
    staff = {city.suffix: Staff.of(city) for city in CITIES}
    codes = {district.code for city in CITIES for district in city.districts}
    generation = Generation(
        seed=seed, today=today, jurisdictions={j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
    )
    steps = [import_string(path) for path in JOURNEY]
    writer = Writer()
    keys: set = set()
    cases = 0
    for index in range(count):
        # As victims.seed.plan_people: a person whose key an earlier one took is redrawn.
        attempt = 0
        plan = plan_person(seed, index, today=today)
        while plan.key in keys:
            attempt += 1
            plan = plan_person(seed, index, today=today, attempt=attempt)
        keys.add(plan.key)
        journey = Journey(index=index, plan=plan, staff=staff[plan.city.suffix], seed=seed)
        for step in steps:
            step(journey, writer, generation)
            if journey.skipped:
                break
        cases += not journey.skipped
        if (index + 1) % batch == 0:
            writer.flush()
            if progress is not None:
                progress(batch)
    counts = writer.flush()
    if progress is not None and count % batch:
        progress(count % batch)
    for finish in generation.at_end:
        finish(writer)
    reset_sequences([*writer.written_models, AuditEvent])
    return GenerationReport(
        people=count,
        cases=cases,
        rows=counts.rows,
        history=counts.history,
        events=counts.events,
        seconds=time.perf_counter() - started,
        by_table=dict(counts.by_table),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", type=int, default=None, help=f"people to write (BENCH_CASES, default {DEFAULT_CASES:,})"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--batch", type=int, default=500, help="people per transaction")
    arguments = parser.parse_args()
    count = arguments.cases if arguments.cases is not None else cases_wanted()

    import django

    django.setup()
    from django.core.management import call_command
    from tqdm import tqdm

    call_command("migrate", verbosity=0)
    seed_reference_data()
    with tqdm(total=count, unit="person", disable=None) as bar:
        report = generate(count, seed=arguments.seed, batch=arguments.batch, progress=bar.update)
    sys.stdout.write(describe(report) + "\n")


def describe(report: GenerationReport) -> str:
    return (
        f"generated {report.cases:,} cases ({report.people:,} people drawn): {report.rows:,} rows, "
        f"{report.history:,} history rows, {report.events:,} audit events in {report.seconds:.1f} s "
        f"({report.rows_per_second:,.0f} rows per second)"
    )


if __name__ == "__main__":
    main()
