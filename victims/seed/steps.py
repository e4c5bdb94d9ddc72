"""What every later step of the demonstration seed shares (services, care plans, notes, legal aid,
documents, transfers): the cases it may complete, and one case's work that a refusal skips.

Guarantees:

- :func:`synthetic_cases` holds only the cases the seed registered itself (``Case.synthetic``,
  set by :func:`victims.seed.seed_victims`): a case someone registered by hand in the demo is
  never given services, a plan, notes, documents or a transfer by the seed.
- :func:`attempt` holds one case's work in a transaction of its own: a refusal by an operation
  (a :class:`registry.errors.RegistryError`) rolls back that case's work alone, is recorded by
  the case's number and the error's code — never a name nor the error's message — and the step
  goes on with the next case. Any other exception is a bug and propagates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import models, transaction

from registry.errors import RegistryError
from victims.models import Case


@dataclass(frozen=True)
class SkippedCase:
    """A case a seed step left alone because an operation refused its work."""

    number: str
    code: str  # the error's stable code, and the field it names if any
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.number} ({self.code}{f': {self.field}' if self.field else ''})"


def synthetic_cases() -> models.QuerySet[Case]:
    """The cases the demonstration seed registered: the only ones its later steps complete."""
    return Case.objects.filter(synthetic=True)


@dataclass
class Attempt:
    """How one case's work under :func:`attempt` ended: ``done`` once its transaction committed."""

    done: bool = False


@contextmanager
def attempt(case: Case, skipped: list[SkippedCase]) -> Iterator[Attempt]:
    """``with attempt(case, skipped) as work: …``: the block's writes for ``case`` in one
    transaction. When an operation refuses them, the transaction is rolled back, the case
    appended to ``skipped``, the error goes no further and ``work.done`` stays False (the caller
    then counts nothing for the case and gives back what it took)."""
    work = Attempt()
    try:
        with transaction.atomic():
            yield work
    except RegistryError as refused:
        skipped.append(SkippedCase(case.number, refused.code, refused.field))
        return
    work.done = True
