"""Cases closed, by how they ended (issue 16, item 2): the ``ending`` dimension of
``cases_closed``, counted by hand from the small fixture (tests/reports/fixture.py) plus the
closed cases below — with suppression off (a minimum cell of 1), so the raw numbers show."""

from __future__ import annotations

import datetime

import pytest

from registry.models import Jurisdiction
from reports.catalogue import CATALOGUE
from reports.compute import report
from reports.dimensions import DIMENSIONS, UNKNOWN_ENDING
from reports.periods import Period
from tests.reports.fixture import FUZHOU, TODAY, journeys
from victims.choices import Ending, Stage

D = datetime.date


@pytest.fixture
def closed(settings, build):
    """The fixture's journeys — c5, a woman of Gulou closed on 2026-10-01 before endings were
    recorded (``unknown``) — and five cases closed with an ending: in Fuzhou in 2026, one
    returned home (Taijiang), one died and two whose contact was lost (Gulou); one closed as a
    duplicate in Xiamen (outside Fuzhou), one declined in Gulou in 2025 (outside the year)."""
    settings.REPORTS_MIN_CELL = 1
    journeys(build)
    more = build.more

    def closed_case(ending, on, **where):
        return build.case(opened=D(2025, 6, 1), stage=Stage.CLOSED, closed=on, ending=ending, **where)

    closed_case(Ending.RETURNED_HOME, D(2026, 11, 2), where=more.taijiang)
    closed_case(Ending.DIED, D(2026, 3, 9))
    closed_case(Ending.CONTACT_LOST, D(2026, 5, 5))
    closed_case(Ending.CONTACT_LOST, D(2026, 12, 30))
    closed_case(Ending.DUPLICATE, D(2026, 4, 4), where=more.siming)
    closed_case(Ending.DECLINED_ASSISTANCE, D(2025, 12, 31))


def counted(period: str, by: tuple[str, ...], jurisdiction: str = FUZHOU):
    result = report(
        CATALOGUE["cases_closed"],
        period=Period.parse(period),
        jurisdiction=Jurisdiction.objects.get(code=jurisdiction),
        by=by,
        today=TODAY,
    )
    assert not any(cell.suppressed for cell in result.cells)
    return result.total.value, {tuple(cell.dims[name] for name in by): cell.value for cell in result.cells}


def test_cases_closed_may_be_broken_down_by_ending():
    assert "ending" in CATALOGUE["cases_closed"].dimensions
    assert DIMENSIONS["ending"].codes == (*Ending.values, UNKNOWN_ENDING)


def test_fuzhous_closed_cases_of_2026_by_ending(closed):
    total, cells = counted("2026", ("ending",))
    assert total == 5
    assert cells == {
        (Ending.RETURNED_HOME.value,): 1,
        (Ending.TRANSFERRED_OUT.value,): 0,
        (Ending.DIED.value,): 1,
        (Ending.CONTACT_LOST.value,): 2,
        (Ending.DUPLICATE.value,): 0,
        (Ending.DECLINED_ASSISTANCE.value,): 0,
        (UNKNOWN_ENDING,): 1,
    }


def test_the_ending_crosses_the_other_dimensions(closed):
    total, cells = counted("2026", ("jurisdiction", "ending"))
    assert total == 5
    assert {codes: value for codes, value in cells.items() if value} == {
        ("350102", "died"): 1,
        ("350102", "contact_lost"): 2,
        ("350102", UNKNOWN_ENDING): 1,
        ("350103", "returned_home"): 1,
    }


def test_other_periods_and_places_count_their_own(closed):
    assert counted("2026-Q4", ("ending",))[1][("contact_lost",)] == 1  # the one of 12-30
    assert counted("2025", ("ending",))[1][("declined_assistance",)] == 1
    total, cells = counted("2026", ("ending",), jurisdiction="35")
    assert total == 6 and cells[("duplicate",)] == 1


def test_the_api_spells_the_ending_codes(closed, cast, api_client_for):
    response = api_client_for(cast.dave).get("/api/v1/reports/cases_closed/", {"period": "2026", "by": "ending"})
    assert response.status_code == 200
    assert [cell["ending"] for cell in response.json()["cells"]] == [*Ending.values, UNKNOWN_ENDING]
    assert response.json()["total"]["value"] == 5
