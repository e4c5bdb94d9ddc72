"""A report as the table every face prints — the page, the chart, the CSV, the XLSX and the PDF.

:func:`table_of` turns a :class:`reports.compute.Report` (already suppressed by ``compute``)
into labelled rows of display text, so the five faces say the same thing in the same words:

- a suppressed cell's text is "<k" (``k`` = the report's ``min_cell``) and its value is
  ``None`` — the number never leaves ``compute``, so no face can print it;
- a value that does not exist (a median of nothing) is "—";
- rates are percentages, medians whole or tenths of days, money in yuan, counts integers.

Nothing here reads the database beyond the labels of jurisdictions and choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from reports import dimensions
from reports.catalogue import Measure

MISSING = "—"


@dataclass(frozen=True)
class Row:
    """One line of the table: the dimension codes and labels, the value (``None`` when
    suppressed or absent) and the text every face prints."""

    codes: tuple[str, ...]
    labels: tuple[str, ...]
    value: float | None
    text: str
    suppressed: bool


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    clause: str
    definition: str
    measure: str
    by: tuple[str, ...]
    by_label: str
    columns: tuple[str, ...]  # a heading per dimension, then the measure's
    rows: tuple[Row, ...]
    total: Row
    min_cell: int
    period_key: str
    period_label: str
    jurisdiction_code: str
    jurisdiction_name: str

    @property
    def suppressed_note(self) -> str:
        """The rule, said where a cell was suppressed (empty when none was)."""
        if not any(row.suppressed for row in (*self.rows, self.total)):
            return ""
        return suppression_rule(self.min_cell)

    def format(self, value) -> str:
        return format_value(self.measure, value)


def suppression_rule(min_cell: int) -> str:
    """The suppression rule in the words every page and file states it."""
    return _(
        "Counts from 1 to %(below)s are shown as <%(k)s; so are rates whose denominator, medians whose number of "
        "values and sums of money whose number of amounts is below %(k)s. Where a total is shown and one cell of a "
        "row or column is hidden, the next smallest is hidden too, so that no hidden cell can be worked out from "
        "the total and the others."
    ) % {"below": min_cell - 1, "k": min_cell}


def format_value(measure: str, value, *, grouping: bool = True) -> str:
    """``value`` as text in ``measure``'s unit ("—" when there is none); ``grouping=False``
    leaves out the thousands separators (for the CSV, which programs read back)."""
    if value is None:
        return MISSING
    if measure == "rate":
        return f"{float(value) * 100:.1f}%"
    if measure == "median_days":
        return f"{float(value):.1f}".removesuffix(".0")
    separator = "," if grouping else ""
    if measure == "money":
        return f"{Decimal(value):{separator}.2f}"
    return f"{int(value):{separator}}"


def _row(cell, by: tuple[str, ...], names: dict[str, dict[str, str]], measure: str, min_cell: int) -> Row:
    codes = tuple(str(cell.dims.get(key, "")) for key in by)
    labels = tuple(names[key].get(code, code) for key, code in zip(by, codes, strict=True))
    if cell.suppressed:
        return Row(codes, labels, None, f"<{min_cell}", True)
    value = None if cell.value is None else float(cell.value)
    return Row(codes, labels, value, format_value(measure, cell.value), False)


def table_of(report) -> Table:
    """The table of ``report`` (see module docs)."""
    indicator, by = report.indicator, tuple(report.by)
    measure = indicator.measure
    # One look-up per dimension (one query for divisions), not one per cell.
    names = {key: dimensions.labels(key, {str(cell.dims.get(key, "")) for cell in report.cells}) for key in by}
    return Table(
        key=indicator.key,
        title=str(indicator.title),
        clause=indicator.clause,
        definition=str(indicator.definition),
        measure=measure,
        by=by,
        by_label="、".join(str(dimensions.title(key)) for key in by) or _("Total"),
        columns=(*(str(dimensions.title(key)) for key in by), str(Measure(measure).label)),
        rows=tuple(_row(cell, by, names, measure, report.min_cell) for cell in report.cells),
        total=_row(report.total, (), {}, measure, report.min_cell),
        min_cell=report.min_cell,
        period_key=report.period.key,
        period_label=str(report.period.label),
        jurisdiction_code=report.jurisdiction.code,
        jurisdiction_name=report.jurisdiction.name,
    )
