"""Bounds on the work of one dossier: how much of a case it may hold, and how long it may take.

A case with a thousand large records once took minutes to lay out. Before anything is rendered,
:func:`check_size` counts what the dossier would hold — with SQL counts and sums of the stored
columns' lengths, so nothing is decrypted — and refuses a case beyond the limits with 409
``dossier_too_large``, naming the limit and its setting:

- ``EXPORTS_DOSSIER_MAX_SECTION_RECORDS``: records of one section (its record kinds and their
  nested lists, as the reader sees them);
- ``EXPORTS_DOSSIER_MAX_HISTORY``: recorded changes (one line of the timeline each);
- ``EXPORTS_DOSSIER_MAX_TEXT``: characters stored in the text columns of those records and
  changes. Stored, so encrypted: about 4 per Chinese character, 4/3 per Latin one, plus some 50
  per value. An upper bound of what the dossier prints and attaches, not an exact count.

A :class:`Deadline` is the time a dossier job may take (``exports.jobs``): the renderer checks it
between its stages and stops with :class:`DossierTimedOut` once it has passed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import CharField, Count, Sum, TextField, Value
from django.db.models.functions import Coalesce, Length
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import casefile
from registry.errors import Conflict, RegistryError


class DossierTooLarge(Conflict):
    """The case holds more than one dossier may (409, names the limit)."""

    code = "dossier_too_large"


class DossierTimedOut(RegistryError):
    """A dossier job ran past its time limit (503: the server could not make it in time)."""

    status = 503
    code = "dossier_timed_out"

    def __init__(self) -> None:
        super().__init__(_("Generating the dossier took longer than its time limit."))


class TooManyDossierJobs(RegistryError):
    """The user already has as many unfinished dossier jobs as allowed (429)."""

    status = 429
    code = "too_many_dossier_jobs"


@dataclass(frozen=True)
class DossierSize:
    """What the dossier of a case would hold for one reader."""

    records: dict[str, int] = field(default_factory=dict)  # per section key
    history: int = 0
    text: int = 0  # characters stored in the text columns of those records and changes


def _tally(rows) -> tuple[int, int]:
    """``(rows, characters stored in their text columns)`` in one query, nothing decrypted."""
    columns = [
        column.attname for column in rows.model._meta.concrete_fields if isinstance(column, CharField | TextField)
    ]
    text = sum((Coalesce(Length(name), 0) for name in columns), Value(0))
    totals = rows.order_by().aggregate(count=Count("pk"), text=Coalesce(Sum(text), 0))
    return totals["count"], totals["text"]


def _kinds(kinds):
    pending = list(kinds)
    while pending:
        kind = pending.pop(0)
        pending.extend(kind.children)
        yield kind


def measure(user, case) -> DossierSize:
    """What the dossier of ``case`` would hold for ``user``: per readable section its records
    (narrowed as the reader's are), and the changes and stored text of everything it shows.
    Counts and sums in SQL, a query per kind of record and per history table."""
    records: dict[str, int] = {}
    history = text = 0
    seen = set()
    for key in casefile.shown_sections(user):
        declared = casefile.declared(key)
        count = 0
        for kind in _kinds(declared.records):
            rows = kind.model.objects.filter(case=case)
            changes = kind.model.history.filter(case_id=case.pk)
            if kind.narrow is not None:
                rows, changes = kind.narrow(user, rows), kind.narrow(user, changes)
            rows_count, rows_text = _tally(rows)
            count += rows_count
            text += rows_text
            if kind.model not in seen:
                seen.add(kind.model)
                changes_count, changes_text = _tally(changes)
                history += changes_count
                text += changes_text
        for source in declared.history:
            if source.model not in seen:
                seen.add(source.model)
                changes_count, changes_text = _tally(source.rows(case))
                history += changes_count
                text += changes_text
        records[key.value] = count
    return DossierSize(records=records, history=history, text=text)


def check_size(user, case) -> DossierSize:
    """:func:`measure`, refusing a case beyond the limits with :class:`DossierTooLarge`."""
    size = measure(user, case)
    most = settings.EXPORTS_DOSSIER_MAX_SECTION_RECORDS
    for key, count in size.records.items():
        if count > most:
            raise DossierTooLarge(
                _(
                    "The section “%(section)s” of this case holds %(count)d records; a dossier holds at most "
                    "%(limit)d per section (setting EXPORTS_DOSSIER_MAX_SECTION_RECORDS)."
                )
                % {"section": casefile.declared(key).section.label, "count": count, "limit": most}
            )
    if size.history > settings.EXPORTS_DOSSIER_MAX_HISTORY:
        raise DossierTooLarge(
            _(
                "This case has %(count)d recorded changes; a dossier holds at most %(limit)d "
                "(setting EXPORTS_DOSSIER_MAX_HISTORY)."
            )
            % {"count": size.history, "limit": settings.EXPORTS_DOSSIER_MAX_HISTORY}
        )
    if size.text > settings.EXPORTS_DOSSIER_MAX_TEXT:
        raise DossierTooLarge(
            _(
                "The records and changes of this case hold %(count)d stored characters of text; a dossier "
                "holds at most %(limit)d (setting EXPORTS_DOSSIER_MAX_TEXT)."
            )
            % {"count": size.text, "limit": settings.EXPORTS_DOSSIER_MAX_TEXT}
        )
    return size


@dataclass(frozen=True)
class Deadline:
    """The moment a dossier job must be done by (wall-clock time, shared by every process)."""

    at: datetime.datetime

    def check(self) -> None:
        """Raise :class:`DossierTimedOut` once the deadline has passed."""
        if timezone.now() >= self.at:
            raise DossierTimedOut
