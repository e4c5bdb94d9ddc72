"""The number of queries of a report does not depend on the number of cases (issue 14, speed):
every indicator, with and without a breakdown, counted on a few cases and on many more."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import Jurisdiction
from reports.catalogue import CATALOGUE
from reports.compute import report
from reports.periods import Period
from tests.reports.fixture import TODAY, journeys

BREAKDOWNS = ((), ("jurisdiction", "sex"), ("exploitation",))


def queries_of_every_report() -> dict:
    fuzhou = Jurisdiction.objects.get(code="3501")
    counts = {}
    for key, indicator in CATALOGUE.items():
        for by in BREAKDOWNS:
            with CaptureQueriesContext(connection) as captured:
                report(indicator, period=Period.parse("2026"), jurisdiction=fuzhou, by=by, today=TODAY)
            counts[key, by] = len(captured.captured_queries)
    return counts


def more_journeys(build, count: int) -> None:
    for day in range(count):
        case = build.case(
            where=build.more.taijiang if day % 2 else build.places.gulou,
            opened=datetime.date(2026, 1, 1) + datetime.timedelta(days=day),
            age_band="6_13" if day % 3 else "18_plus",
            forms=("labour", "sexual"),
        )
        build.admit(case, datetime.date(2026, 2, 1) + datetime.timedelta(days=day))


@pytest.mark.django_db
def test_the_query_count_of_each_report_does_not_grow_with_the_cases(build, settings):
    journeys(build)
    few = queries_of_every_report()
    more_journeys(build, 40)
    many = queries_of_every_report()
    assert many == few
    # A report is a handful of grouped queries: the divisions, the groups and the total; one
    # group query per form of exploitation when broken down by it.
    assert max(count for (key, by), count in few.items() if "exploitation" not in by) <= 3
