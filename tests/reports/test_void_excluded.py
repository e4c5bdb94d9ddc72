"""A record voided as entered by mistake counts in no report (issue 18 item 4): the reports read
the records in force only (``CaseRecordQuerySet.current``)."""

from __future__ import annotations

import datetime

import pytest

from reports.catalogue import CATALOGUE
from reports.compute import report
from reports.periods import Period
from services import operations as services
from tests.victims.conftest import RESCUE, TODAY, person
from victims import operations

pytestmark = pytest.mark.django_db


def _admissions(places) -> int:
    year = Period.parse(str(TODAY.year))
    return report(CATALOGUE["shelter_admissions"], period=year, jurisdiction=places.fuzhou).total.value


def test_a_voided_shelter_stay_leaves_the_admissions_count(settings, places, cast):
    settings.REPORTS_MIN_CELL = 1
    case = operations.case_register(actor=cast.alice, victim=person(901), jurisdiction=places.gulou, rescue=RESCUE)
    start = TODAY - datetime.timedelta(days=2) if TODAY.timetuple().tm_yday > 2 else TODAY
    stay = services.placement_admit(actor=cast.alice, case=case, shelter=places.fz_shelter, admitted_on=start)
    stay = services.placement_discharge(actor=cast.alice, placement=stay, expected_version=stay.version)
    assert _admissions(places) == 1

    operations.record_void(actor=cast.alice, record=stay, expected_version=stay.version, reason="录入错误（虚构）")

    assert _admissions(places) == 0
