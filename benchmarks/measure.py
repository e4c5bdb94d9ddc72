"""What a measurement is, and what every measurement gets (the runner's half of the contract).

A measurement is a function ``fn(bench) -> list[Result]`` registered with
:func:`measurement`; ``benchmarks/run.py`` runs every registered one, in ``order``, on each
database, and prints one table with a row per :class:`Result` key. ``benchmarks/measurements.py``
holds the registry's own; another module plugs in by registering its functions when imported
and being named in ``benchmarks.run.PLUGINS`` (e.g. the dossier measurement, which needs the
exports app).

:class:`Bench` gives a measurement the demo accounts, an API client signed in with a token,
samples of the data, the repeat count, and the timing helpers. Measurements never print or
return a personal value: results are timings, counts and ratios.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cached_property


@dataclass
class Result:
    """One row of the table. ``median`` and ``p95`` are milliseconds; a figure that is not a
    timing (a rate, a ratio, query counts) goes in ``value`` as the text to show."""

    key: str
    label: str
    target: str = ""
    median: float | None = None
    p95: float | None = None
    value: str | None = None
    note: str = ""
    samples: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Measurement:
    order: int
    name: str
    function: Callable[[Bench], list[Result]]


MEASUREMENTS: list[Measurement] = []


def measurement(order: int, name: str | None = None):
    """Register ``fn(bench) -> list[Result]`` to run at position ``order`` (lower first)."""

    def register(function):
        MEASUREMENTS.append(Measurement(order, name or function.__name__, function))
        MEASUREMENTS.sort(key=lambda item: item.order)
        return function

    return register


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value.replace("_", "")) if value else default


def summary(seconds: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank), in milliseconds."""
    ordered = sorted(seconds)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(function: Callable[[], object], repeat: int, *, warmup: int = 3) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls, after ``warmup`` calls that are not counted."""
    for _ in range(warmup):
        function()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return seconds


def timing(key: str, label: str, seconds: list[float], *, target: str = "", note: str = "") -> Result:
    median, p95 = summary(seconds)
    return Result(key=key, label=label, target=target, median=median, p95=p95, note=note, samples=len(seconds))


@dataclass
class Bench:
    """What measurements share on one database."""

    repeat: int = field(default_factory=lambda: env_int("BENCH_REPEAT", 50))
    seed: int = 8

    @cached_property
    def caseworker(self):
        from registry.models import User

        return User.objects.select_related("organization__jurisdiction", "jurisdiction").get(username="caseworker_fz")

    @cached_property
    def civil_affairs(self):
        from registry.models import User

        return User.objects.select_related("organization__jurisdiction", "jurisdiction").get(
            username="civil_affairs_fz"
        )

    def api_client(self, user):
        """A client of the in-process API, authenticated like a real one: ``Authorization:
        Token …`` issued by ``registry.accounts.credentials`` (so the token lookup is measured too)."""
        from django.test import Client

        from registry.accounts.credentials import api_token_issue

        _token, raw = api_token_issue(user=user)
        return Client(HTTP_AUTHORIZATION=f"Token {raw}")
