"""Each indicator computed by hand from the small fixture (tests/reports/fixture.py) and
compared with ``reports.compute.report`` — with suppression off (a minimum cell of 1), so the
raw numbers show; suppression has its own tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry.models import Jurisdiction
from reports.catalogue import CATALOGUE
from reports.compute import report
from reports.compute.sources import SOURCES
from reports.periods import Period
from tests.reports.fixture import EXPECTED, FUZHOU, TODAY, journeys


@pytest.fixture
def raw(settings, build):
    settings.REPORTS_MIN_CELL = 1
    return journeys(build)


def _value(expected):
    return Decimal(expected) if isinstance(expected, str) else expected


def test_every_indicator_has_a_source_and_a_hand_count():
    assert set(SOURCES) == set(CATALOGUE)
    assert {row[0] for row in EXPECTED} == set(CATALOGUE)


@pytest.mark.parametrize(("key", "period", "by", "total", "cells"), EXPECTED, ids=lambda value: str(value)[:40])
def test_indicator_matches_the_hand_count(raw, key, period, by, total, cells):
    result = report(
        CATALOGUE[key],
        period=Period.parse(period),
        jurisdiction=Jurisdiction.objects.get(code=FUZHOU),
        by=by,
        today=TODAY,
    )
    assert result.total.value == _value(total)
    got = {tuple(cell.dims[name] for name in by): cell.value for cell in result.cells}
    for codes, value in cells.items():
        assert got[codes] == _value(value), codes
    for codes, value in got.items():
        if codes not in cells:
            assert value in (0, None, Decimal("0.00")), codes
    assert not any(cell.suppressed for cell in result.cells)


def test_the_province_counts_xiamen_too(raw):
    result = report(
        CATALOGUE["cases_registered"],
        period=Period.parse("2026"),
        jurisdiction=Jurisdiction.objects.get(code="35"),
        by="jurisdiction",
    )
    assert result.total.value == 7
    assert {cell.dims["jurisdiction"]: cell.value for cell in result.cells} == {"3501": 6, "3502": 1}


def test_a_county_drills_down_to_itself(raw):
    result = report(
        CATALOGUE["cases_registered"],
        period=Period.parse("2026"),
        jurisdiction=Jurisdiction.objects.get(code="350103"),
        by="jurisdiction",
    )
    assert [(cell.dims, cell.value) for cell in result.cells] == [({"jurisdiction": "350103"}, 2)]
