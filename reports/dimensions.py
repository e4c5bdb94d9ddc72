"""The dimensions a report may be broken down by (issue 14 item 2), their codes and labels.

A dimension's *code* is what every face shows (the API's cell keys, the CSV's code columns):
jurisdiction codes (GB/T 2260), ``female``/``male``, the age bands ``under-6``, ``6-13``,
``14-15``, ``16-17``, ``18+`` and ``unknown``, ``chinese``/``foreign``, ISO 3166 country codes,
and the values of the choices of exploitation, pathway, legal aid outcome, visit status, stage,
receiving department and ending (``unknown`` for a case closed before endings were recorded).
How each is read from the database is ``reports.compute``'s business; this module only names
and labels them. Nothing here reads a person's data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from legal_aid.choices import Outcome
from registry import presentation
from registry.models import Jurisdiction
from reports.catalogue import Department
from services.choices import Pathway
from victims.choices import AgeBand, Ending, ExploitationType, Sex, Stage


@dataclass(frozen=True)
class Dimension:
    """``codes`` lists every code in display order, or is ``None`` for an open set (divisions,
    countries: only those that occur, or the divisions below the report's)."""

    key: str
    title: Promise
    codes: tuple[str, ...] | None = None
    labels: Mapping[str, Promise] = field(default_factory=dict)


# The age bands as the API spells them (issue 14), from the stored values of victims.AgeBand.
AGE_BAND_CODES: dict[str, str] = {
    AgeBand.UNDER_6: "under-6",
    AgeBand.AGE_6_13: "6-13",
    AgeBand.AGE_14_15: "14-15",
    AgeBand.AGE_16_17: "16-17",
    AgeBand.ADULT: "18+",
    AgeBand.UNKNOWN: "unknown",
}
VISIT_STATUS_LABELS = {
    "on_time": _("Done on time"),
    "late": _("Done late"),
    "waived": _("Waived"),
    "overdue": _("Overdue"),
    "not_yet_due": _("Not yet due"),
}
# The stages an open case can be in at a period's end (closed and transferred cases are not open).
OPEN_STAGES = (Stage.REGISTERED, Stage.SHELTERED, Stage.RETURN_PLANNED, Stage.RETURNED)
RECEIVING_DEPARTMENTS = (Department.EDUCATION, Department.LABOUR, Department.LEGAL_AID)
# The code of a case closed before its ending was recorded (issue 16), after the endings.
UNKNOWN_ENDING = "unknown"


def _choices(choices, values: Iterable | None = None, codes: Mapping | None = None) -> dict:
    """{code: label} of ``choices`` (TextChoices), limited to ``values``, codes renamed by ``codes``."""
    wanted = list(values) if values is not None else list(choices)
    return {(codes or {}).get(member, member.value): member.label for member in wanted}


def _dimension(key: str, title, labels: Mapping[str, Promise] | None) -> Dimension:
    if labels is None:
        return Dimension(key, title)
    return Dimension(key, title, tuple(labels), MappingProxyType(dict(labels)))


DIMENSIONS: dict[str, Dimension] = {
    dimension.key: dimension
    for dimension in (
        _dimension("jurisdiction", _("Jurisdiction"), None),
        _dimension("sex", _("Sex"), _choices(Sex)),
        _dimension("age_band", _("Age at rescue"), _choices(AgeBand, codes=AGE_BAND_CODES)),
        _dimension("nationality", _("Nationality"), {"chinese": _("Chinese"), "foreign": _("Foreign")}),
        _dimension("country", _("Country of nationality"), None),
        _dimension("exploitation", _("Form of exploitation"), _choices(ExploitationType)),
        _dimension("pathway", _("Pathway"), _choices(Pathway)),
        _dimension("outcome", _("Outcome"), _choices(Outcome)),
        _dimension("visit_status", _("Visit status"), VISIT_STATUS_LABELS),
        _dimension("stage", _("Stage"), _choices(Stage, OPEN_STAGES)),
        _dimension("ending", _("How the case ended"), {**_choices(Ending), UNKNOWN_ENDING: _("Not recorded")}),
        _dimension("receiving_department", _("Receiving department"), _choices(Department, RECEIVING_DEPARTMENTS)),
    )
}


def title(dimension: str) -> str:
    """The name of ``dimension`` ("Sex") in the reader's language."""
    return str(DIMENSIONS[dimension].title)


def labels(dimension: str, codes: Iterable[str]) -> dict[str, str]:
    """{code: label} for many codes at once: one query for divisions, none otherwise."""
    codes = list(codes)
    if dimension == "jurisdiction":
        names = dict(Jurisdiction.objects.filter(code__in=codes).values_list("code", "name"))
        return {code: names.get(code, code) for code in codes}
    if dimension == "country":
        return {code: presentation.country(code) for code in codes}
    known = DIMENSIONS[dimension].labels
    return {code: str(known.get(code, code)) for code in codes}


def label(dimension: str, code: str) -> str:
    """The label of one code of ``dimension`` in the reader's language (a division's name, a
    country's code and name, a choice's label); the code itself when it has none."""
    return labels(dimension, [code])[code]
