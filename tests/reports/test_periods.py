"""Report periods: whole months, quarters, years and the plan period, nothing else."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from reports.catalogue import CATALOGUE, PLAN_2021_2030
from reports.periods import Period

D = datetime.date


@pytest.mark.parametrize(
    ("text", "start", "end", "kind"),
    [
        ("2026", D(2026, 1, 1), D(2026, 12, 31), "year"),
        ("2026-Q3", D(2026, 7, 1), D(2026, 9, 30), "quarter"),
        ("2024-Q1", D(2024, 1, 1), D(2024, 3, 31), "quarter"),
        ("2026-09", D(2026, 9, 1), D(2026, 9, 30), "month"),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29), "month"),
        ("2021-2030", D(2021, 1, 1), D(2030, 12, 31), "plan"),
    ],
)
def test_periods_parse_to_whole_days(text, start, end, kind):
    period = Period.parse(text)
    assert (period.start, period.end, period.kind, period.key) == (start, end, kind, text)


@pytest.mark.parametrize(
    "text", ["", "26", "2026-Q5", "2026-Q0", "2026-00", "2026-13", "2026-9", "2026-01-01", "2026-01..03", "2020-2031"]
)
def test_anything_else_is_refused_saying_what_to_give(text):
    with pytest.raises(ValueError, match="2026-Q3"):
        Period.parse(text)


def test_years_are_bounded():
    with pytest.raises(ValueError, match="2000"):
        Period.parse("1999")


def test_labels_are_chinese_in_chinese():
    with translation.override("zh-hans"):
        assert Period.parse("2026-Q3").label == "2026年第三季度"
        assert Period.parse("2026-09").label == "2026年9月"
        assert Period.parse("2026").label == "2026年"


def test_targets_follow_the_plan_period():
    assert Period.parse("2026-Q3").plan_period == PLAN_2021_2030
    assert Period.parse("2031").plan_period is None
    assert CATALOGUE["children_reunified_dna_matched"].target(Period.parse("2026").plan_period) == 1.0
    assert CATALOGUE["cases_registered"].target(PLAN_2021_2030) is None
