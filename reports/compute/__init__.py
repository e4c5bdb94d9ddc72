"""Computing a report: one indicator, one period, one jurisdiction, broken down by up to
:data:`MAX_BY` dimensions, small cells suppressed (``reports.suppression``).

Guarantees:

- **Aggregates only, in SQL.** Each report is a fixed number of grouped ``COUNT``/``SUM``
  queries over plain columns (``reports.compute.sources``): one on the small table of divisions,
  one grouped query (one per form of exploitation when broken down by it — a case may have
  several), and one for the total unless the groups add up to it. How many does not depend on the
  number of cases (a test counts them). Rows are filtered and grouped by their case's division id
  (no join for it); no row of a person is ever loaded, no encrypted column is read. Medians come
  from a histogram of whole days counted in SQL.
- **Suppressed before anyone sees it.** :func:`report` returns a :class:`Report` whose cells
  have already been through :func:`reports.suppression.suppress`: a suppressed cell's value
  is ``None``; the raw numbers stay inside this function. Pages, files and the API all build on
  :func:`report`.
- **No person-level data.** A cell is a combination of dimension codes and a number.

Access (who may ask for which indicator and jurisdiction) is ``reports.access``'s; auditing
the view, ``reports.operations.report_view``.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.errors import RegistryError
from registry.models import Jurisdiction
from registry.operations import has_void_fields
from registry.scope import code_within
from reports.catalogue import Indicator, Measure
from reports.compute.sources import SOURCES, Source
from reports.dimensions import AGE_BAND_CODES, DIMENSIONS
from reports.periods import Period
from reports.suppression import Raw, suppress
from victims.choices import ExploitationType
from victims.models import Rescue

MAX_BY = 3  # finer tables would be almost all suppressed, and easier to difference
UNKNOWN = "unknown"
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Cell:
    """One cell of a report: ``dims`` maps each dimension of the breakdown to a code (empty
    for the total); ``value`` is ``None`` when ``suppressed`` (or when there is nothing to
    measure: a rate of no one, a median of nothing)."""

    dims: dict[str, str]
    value: int | float | Decimal | None
    suppressed: bool = False


@dataclass(frozen=True)
class Report:
    indicator: Indicator
    period: Period
    jurisdiction: Jurisdiction
    by: tuple[str, ...]
    min_cell: int
    cells: list[Cell] = field(default_factory=list)
    total: Cell = field(default_factory=lambda: Cell({}, None))

    @property
    def target(self) -> float | None:
        """The indicator's target for the plan period the report's period lies in."""
        return self.indicator.target(self.period.plan_period)


def parse_by(indicator: Indicator, by: str | Iterable[str] | None) -> tuple[str, ...]:
    """The breakdown asked for, as a tuple of dimension keys: a comma-separated text or a list.
    ``RegistryError`` naming the field ``by`` for an unknown or repeated dimension, one the
    indicator does not offer, or more than :data:`MAX_BY`."""
    if by is None:
        return ()
    names = [name.strip() for name in (by.split(",") if isinstance(by, str) else by)]
    names = [name for name in names if name]
    for name in names:
        if name not in DIMENSIONS:
            raise RegistryError(_("Unknown dimension “%(name)s”.") % {"name": name[:40]}, field="by")
        if name not in indicator.dimensions:
            raise RegistryError(_("This indicator cannot be broken down by “%(name)s”.") % {"name": name}, field="by")
    if len(set(names)) != len(names):
        raise RegistryError(_("A dimension is named twice."), field="by")
    if len(names) > MAX_BY:
        raise RegistryError(_("Break a report down by at most %(max)d dimensions.") % {"max": MAX_BY}, field="by")
    return tuple(names)


def report(
    indicator: Indicator,
    *,
    period: Period,
    jurisdiction: Jurisdiction,
    by: str | Iterable[str] | None = (),
    today: date | None = None,
) -> Report:
    """The indicator for ``period`` over the cases of ``jurisdiction`` (their responsible
    jurisdiction lies within it), by the dimensions ``by`` (see :func:`parse_by`), suppressed.
    ``today`` (default: the registry's today) decides which follow-up visits are overdue.
    The caller has checked the reader may see it (``reports.access``)."""
    by = parse_by(indicator, by)
    source = SOURCES[indicator.key]
    k = settings.REPORTS_MIN_CELL
    today = today or timezone.localdate()
    divisions = _divisions(jurisdiction)
    rows = _rows(source, period=period, divisions=divisions, today=today)
    depth = _child_length(jurisdiction.code)
    expressions = {name: _expression(name, source, period=period, today=today) for name in by if name != "exploitation"}

    measure = Measure(indicator.measure)
    hits = source.numerator(period) if source.numerator else None

    groups: dict[tuple[str, ...], Tally] = {}
    if by:
        named = {f"d{index}": expressions[name] for index, name in enumerate(by) if name in expressions}
        for form, subset in _by_form(rows, source, by):
            for codes, tally in _tallies(subset, source, measure, named, hits):
                key = _codes(by, codes, form, divisions, depth)
                groups[key] = Tally.sum((groups[key], tally)) if key in groups else tally
    if by and _partitions(source, by):  # the groups add up to the total: no query for it
        total = Tally.sum(groups.values())
    else:
        total = Tally.sum(tally for _codes_, tally in _tallies(rows, source, measure, {}, hits))
    raw = {codes: Raw(codes, *tally.result(measure)) for codes, tally in groups.items()}
    total = Raw((), *total.result(measure))
    cells = _fill(raw, _code_lists(by, divisions, depth, raw), measure)
    cells, total = suppress(cells, total, measure=measure, k=k)
    return Report(
        indicator=indicator,
        period=period,
        jurisdiction=jurisdiction,
        by=by,
        min_cell=k,
        cells=[Cell(dict(zip(by, cell.dims, strict=True)), cell.value, cell.suppressed) for cell in cells],
        total=Cell({}, total.value, total.suppressed),
    )


# --- the queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Division:
    code: str
    is_current: bool


def _divisions(jurisdiction: Jurisdiction) -> dict[int, Division]:
    """The divisions within ``jurisdiction`` by id (one query on the small table of divisions):
    rows are filtered and grouped by their case's division id, which needs no join."""
    within = Jurisdiction.objects.filter(code_within("code", jurisdiction.code))
    return {pk: Division(code, current) for pk, code, current in within.values_list("pk", "code", "is_current")}


def _in_force(model):
    """The rows of ``model`` a report counts: a case's records only while not voided
    (``CaseRecordQuerySet.current``); the case itself, always."""
    return model.objects.current() if has_void_fields(model) else model._base_manager.all()


def _rows(source: Source, *, period: Period, divisions: dict[int, Division], today: date):
    rows = _in_force(source.model).filter(source.rows(period, today))
    rows = rows.filter(**{f"{source.case}jurisdiction_id__in": list(divisions)})
    if source.days is not None:  # rows without a number of days are left out when tallied
        rows = rows.annotate(report_days=source.days())
    return rows.order_by()


def _child_length(code: str) -> int:
    """The length of the codes one level below ``code`` (a county is its own drill-down)."""
    return min(len(code) + 2, 6)


def _expression(name: str, source: Source, *, period: Period, today: date):
    case = source.case
    if name in source.dimensions:
        return source.dimensions[name](period, today)
    if name == "jurisdiction":
        return F(f"{case}jurisdiction_id")  # a division's id, turned into its code by _codes
    if name == "sex":
        return F(f"{case}victim__sex")
    if name == "age_band":
        return F(f"{case}age_band")
    if name == "nationality":
        return Case(
            When(**{f"{case}victim__nationality": "CN"}, then=Value("chinese")),
            default=Value("foreign"),
            output_field=CharField(),
        )
    if name == "country":
        return F(f"{case}victim__nationality")
    raise KeyError(name)  # exploitation is a filter per form, not an expression (_by_form)


def _by_form(rows, source: Source, by: Sequence[str]):
    """``(form, rows)`` pairs: the rows of each form of exploitation (a case counts under each of
    its forms) when the breakdown has it, else ``(None, rows)`` once."""
    if "exploitation" not in by:
        yield None, rows
        return
    for form in ExploitationType.values:
        rescues = Rescue.objects.current().filter(case_id=OuterRef(source.case_key), exploitation__contains=f"|{form}|")
        yield form, rows.filter(Exists(rescues))


# Dimensions of the case (one value per case): a breakdown by them alone puts each case in one
# group, so the groups' tallies add up to the total even when cases are counted distinct.
CASE_DIMENSIONS = frozenset({"jurisdiction", "sex", "age_band", "nationality", "country"})


def _counts_cases(source: Source) -> bool:
    """Whether the source counts distinct cases over several rows per case (records)."""
    return source.per_case and bool(source.case)


def _partitions(source: Source, by: Sequence[str]) -> bool:
    """Whether every counted row (or case) falls in exactly one group of the breakdown."""
    if "exploitation" in by:  # a case with several forms is in several groups
        return False
    return not _counts_cases(source) or set(by) <= CASE_DIMENSIONS


@dataclass
class Tally:
    """What a group's value is made of, in a form that adds up: the count (the denominator of a
    rate, the number of non-zero amounts of money), a rate's hits, money's amount, a median's
    histogram of whole days."""

    n: int = 0
    hits: int = 0
    amount: Decimal = Decimal(0)
    days: dict[int, int] = field(default_factory=dict)

    @classmethod
    def sum(cls, tallies: Iterable[Tally]) -> Tally:
        total = cls()
        for tally in tallies:
            total.n += tally.n
            total.hits += tally.hits
            total.amount += tally.amount
            for days, count in tally.days.items():
                total.days[days] = total.days.get(days, 0) + count
        return total

    def result(self, measure: Measure) -> tuple[int | float | Decimal | None, int]:
        """``(value, weight)``: the value shown and the number the suppression rule counts."""
        if measure == Measure.RATE:
            return (round(self.hits / self.n, 4) if self.n else None), self.n
        if measure == Measure.MONEY:
            return self.amount.quantize(CENTS), self.n
        if measure == Measure.MEDIAN_DAYS:
            return _median(self.days), sum(self.days.values())
        return self.n, self.n


def _tallies(rows, source: Source, measure: Measure, named: dict, hits: Q | None):
    """``(codes, tally)`` per group of the ``named`` expressions (one group when none): one
    query. A rate also counts the rows meeting ``hits``."""
    if measure == Measure.MEDIAN_DAYS:
        tallies: dict[tuple, Tally] = defaultdict(Tally)
        for row in rows.annotate(**named).values(*named, "report_days").annotate(n=Count("pk")).order_by():
            if row["report_days"] is not None:
                tallies[tuple(row[name] for name in named)].days[int(row["report_days"])] = row["n"]
        yield from tallies.items()
        return
    # People (distinct cases) or rows; a row of the case model is one case already.
    unit, distinct = ("case", True) if _counts_cases(source) else ("pk", False)
    if measure == Measure.MONEY:
        aggregates = {"n": Count("pk", filter=Q(**{f"{source.amount}__gt": 0})), "amount": Sum(source.amount)}
    else:
        aggregates = {"n": Count(unit, distinct=distinct)}
    if measure == Measure.RATE:
        aggregates["hits"] = Count(unit, distinct=distinct, filter=hits)
    if named:
        results = rows.annotate(**named).values(*named).annotate(**aggregates).order_by()
    else:
        results = [rows.aggregate(**aggregates)]
    for row in results:
        yield (
            tuple(row[name] for name in named),
            Tally(n=row["n"], hits=row.get("hits") or 0, amount=row.get("amount") or Decimal(0)),
        )


def _median(counts: dict[int, int]) -> float | None:
    """The median of the values ``counts`` holds (value → how many times)."""
    total = sum(counts.values())
    if not total:
        return None
    low_rank, high_rank = (total - 1) // 2, total // 2
    seen, low = 0, None
    for value in sorted(counts):
        seen += counts[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            return (low + value) / 2
    raise AssertionError("unreachable")


def _empty(measure: Measure) -> tuple:
    """The value and weight of a cell with no rows."""
    return Tally().result(measure)


def _public(name: str, value) -> str:
    if value is None or value == "":
        return UNKNOWN
    if name == "age_band":
        return AGE_BAND_CODES.get(value, str(value))
    return str(value)


def _codes(
    by: Sequence[str], codes: tuple, form: str | None, divisions: dict[int, Division], depth: int
) -> tuple[str, ...]:
    """The public codes of a group: a division id becomes its code cut to the drill-down's
    level (a county's case counts in its city), a form of exploitation is the query's."""
    values = iter(codes)
    public = []
    for name in by:
        if name == "exploitation":
            public.append(form)
            continue
        value = next(values)
        if name == "jurisdiction":
            public.append(divisions[value].code[:depth])
        else:
            public.append(_public(name, value))
    return tuple(public)


def _code_lists(by: Sequence[str], divisions: dict[int, Division], depth: int, raw: dict) -> list[list[str]]:
    """Every code of each dimension, in display order: the known ones (the current divisions one
    level below the report's, the choices) and then any other that occurs."""
    lists = []
    for position, name in enumerate(by):
        if name == "jurisdiction":
            known = sorted(
                division.code for division in divisions.values() if division.is_current and len(division.code) == depth
            )
        else:
            known = list(DIMENSIONS[name].codes or ())
        seen = sorted({key[position] for key in raw} - set(known))
        lists.append(known + seen)
    return lists


def _fill(raw: dict, code_lists: list[list[str]], measure: str) -> list[Raw]:
    """Every combination of codes, in order, with zeros (or nothing to measure) where no row is."""
    if not code_lists:
        return []
    value, weight = _empty(measure)
    return [raw.get(codes) or Raw(codes, value, weight) for codes in itertools.product(*code_lists)]
