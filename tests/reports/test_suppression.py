"""Suppression against adversarial tables: what a reader could otherwise work out from a table
and its totals (reports.suppression), on the rule alone and through ``compute.report``."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from registry.models import Jurisdiction
from reports.catalogue import CATALOGUE
from reports.compute import report
from reports.periods import Period
from reports.suppression import Raw, suppress

K = 5


def cells(*values, dims=None):
    return [Raw(dims[index] if dims else (str(index),), value, value) for index, value in enumerate(values)]


def shown(result):
    return [cell.value for cell in result]


def test_counts_from_1_to_k_minus_1_are_suppressed_zero_and_k_are_not():
    result, total = suppress(cells(0, 1, 4, 5, 30), Raw((), 40, 40), measure="count", k=K)
    assert [cell.suppressed for cell in result] == [False, True, True, False, False]
    assert shown(result) == [0, None, None, 5, 30]
    assert total.value == 40


def test_a_lone_small_cell_takes_the_next_smallest_with_it():
    """A county with 1 case next to one with 30 and one with 7: the 1 alone would be the total
    minus the others; the 7 is suppressed too."""
    result, total = suppress(cells(1, 30, 7), Raw((), 38, 38), measure="count", k=K)
    assert shown(result) == [None, 30, None]
    assert total.value == 38 and not total.suppressed


def test_a_county_with_one_case_next_to_one_with_thirty():
    """Two cells only: both are hidden, though the total is shown — neither can be recovered."""
    result, total = suppress(cells(1, 30), Raw((), 31, 31), measure="count", k=K)
    assert shown(result) == [None, None]
    assert total.value == 31


def test_the_complement_is_never_a_zero_cell():
    result, _ = suppress(cells(0, 2, 9, 12), Raw((), 23, 23), measure="count", k=K)
    assert shown(result) == [0, None, None, 12]


def test_two_small_cells_protect_each_other():
    result, _ = suppress(cells(2, 3, 30), Raw((), 35, 35), measure="count", k=K)
    assert shown(result) == [None, None, 30]


def test_a_row_with_one_small_cell_in_a_two_way_table():
    """sex × county, the female row with one small cell (2): the rule hides complements until no
    row, no column and not the whole table has exactly one hidden cell — each hidden cell then
    shares every line with another hidden cell, so no margin gives it away."""
    dims = [("female", "gulou"), ("female", "taijiang"), ("female", "cangshan"),
            ("male", "gulou"), ("male", "taijiang"), ("male", "cangshan")]  # fmt: skip
    result, total = suppress(cells(2, 8, 20, 7, 6, 30, dims=dims), Raw((), 73, 73), measure="count", k=K)
    hidden = {cell.dims for cell in result if cell.suppressed}
    for position in (0, 1):
        for code in {dim[position] for dim in dims}:
            line = [cell for cell in result if cell.dims[position] == code]
            assert sum(cell.suppressed for cell in line) != 1, (position, code)
    assert ("female", "gulou") in hidden
    assert len(hidden) >= 4
    assert total.value == 73


def test_a_small_total_is_suppressed():
    result, total = suppress(cells(3, 0), Raw((), 3, 3), measure="count", k=K)
    assert total.value is None and total.suppressed
    assert shown(result) == [None, None]  # the 0 too: the total is published elsewhere (the parent's drill-down)


def test_a_rate_with_a_small_denominator_is_suppressed_and_needs_no_complement():
    rates = [Raw(("a",), 0.5, 4), Raw(("b",), 0.9, 40), Raw(("c",), None, 0)]
    result, total = suppress(rates, Raw((), 0.86, 44), measure="rate", k=K)
    assert shown(result) == [None, 0.9, None]
    assert [cell.suppressed for cell in result] == [True, False, False]
    assert total.value == 0.86


def test_a_median_of_fewer_than_k_values_is_suppressed():
    result, total = suppress(
        [Raw(("a",), 12.0, 1), Raw(("b",), 30.0, 9)], Raw((), 29.0, 10), measure="median_days", k=K
    )
    assert shown(result) == [None, 30.0]
    assert total.value == 29.0


def test_money_with_a_small_count_is_suppressed_with_its_complement():
    money = [
        Raw(("a",), Decimal("50000.00"), 1),
        Raw(("b",), Decimal("9000.00"), 6),
        Raw(("c",), Decimal("80000.00"), 9),
    ]
    result, total = suppress(money, Raw((), Decimal("139000.00"), 16), measure="money", k=K)
    assert shown(result) == [None, None, Decimal("80000.00")]
    assert total.value == Decimal("139000.00")


@pytest.fixture
def counties(settings, build):
    """Gulou with 1 case, Taijiang with 30, in 2026."""
    settings.REPORTS_MIN_CELL = K
    build.case(opened=datetime.date(2026, 3, 1))
    for day in range(30):
        build.case(where=build.more.taijiang, opened=datetime.date(2026, 1, 1) + datetime.timedelta(days=day))


def test_report_of_a_county_with_1_case_next_to_one_with_30(counties):
    result = report(
        CATALOGUE["cases_registered"],
        period=Period.parse("2026"),
        jurisdiction=Jurisdiction.objects.get(code="3501"),
        by="jurisdiction",
    )
    assert result.min_cell == K
    assert {cell.dims["jurisdiction"]: (cell.value, cell.suppressed) for cell in result.cells} == {
        "350102": (None, True),
        "350103": (None, True),
    }
    assert (result.total.value, result.total.suppressed) == (31, False)


def test_report_rate_with_a_small_denominator(settings, build):
    """Two school-age children 30 days in a shelter: the share enrolled is hidden."""
    settings.REPORTS_MIN_CELL = K
    for _ in range(2):
        child = build.case(opened=datetime.date(2026, 3, 1), age_band="6_13")
        build.admit(child, datetime.date(2026, 3, 1))
    result = report(
        CATALOGUE["school_enrolled_within_30_days"],
        period=Period.parse("2026"),
        jurisdiction=Jurisdiction.objects.get(code="3501"),
    )
    assert (result.total.value, result.total.suppressed) == (None, True)


def test_a_complement_whose_line_has_only_zeros_left_hides_a_zero():
    """Gulou 4 women, 0 men; Taijiang 1 and 1. The 1s are primary; Gulou's 4 is the women's
    complement; Gulou's row would then give the 4 back (its total minus the 0 men) and with it the
    Taijiang girl — so Gulou's 0 is hidden too."""
    dims = [("gulou", "female"), ("gulou", "male"), ("taijiang", "female"), ("taijiang", "male")]
    result, _ = suppress(cells(4, 0, 1, 1, dims=dims), Raw((), 6, 6), measure="count", k=2)
    assert [cell.suppressed for cell in result] == [True, True, True, True]
