"""The reports' API (issue 14 item 7): its shapes, its refusals naming the field, its audit, and
that no answer holds a name, an ID number or a case number of the fixture."""

from __future__ import annotations

import json

import pytest

from registry.models import AuditEvent
from reports.catalogue import CATALOGUE, Department
from tests.reports.fixture import journeys

DETAIL = "/api/v1/reports/{key}/"


@pytest.fixture
def data(settings, build):
    settings.REPORTS_MIN_CELL = 2
    return journeys(build)


def keys_of(response):
    return [entry["key"] for entry in response.json()]


def test_auditors_and_civil_affairs_see_the_whole_catalogue(cast, api_client_for):
    for user in (cast.grace, cast.dave):
        response = api_client_for(user).get("/api/v1/reports/")
        assert response.status_code == 200
        assert keys_of(response) == list(CATALOGUE)
        entry = response.json()[0]
        assert set(entry) == {"key", "title", "clause", "department", "dimensions"}
        assert entry["clause"] == "三.(三).3"


@pytest.mark.parametrize(
    ("member", "department"),
    [("bob", Department.EDUCATION), ("erin", Department.LEGAL_AID), ("frank", Department.LABOUR)],
)
def test_a_receiving_department_sees_its_own_indicators(cast, api_client_for, member, department):
    response = api_client_for(getattr(cast, member)).get("/api/v1/reports/")
    assert response.status_code == 200
    expected = [key for key, indicator in CATALOGUE.items() if indicator.department == department]
    assert expected and keys_of(response) == expected


@pytest.mark.parametrize("member", ["alice", "carol", "heidi"])
def test_caseworkers_and_sysadmins_are_refused(cast, api_client_for, member):
    client = api_client_for(getattr(cast, member))
    assert client.get("/api/v1/reports/").status_code == 403
    response = client.get(DETAIL.format(key="cases_registered"), {"period": "2026"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_report_has_the_shape_of_the_issue(data, cast, api_client_for):
    response = api_client_for(cast.grace).get(
        DETAIL.format(key="cases_registered"), {"period": "2026", "jurisdiction": "3501", "by": "jurisdiction,sex"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"indicator", "period", "jurisdiction", "min_cell", "cells", "total"}
    assert (body["indicator"], body["period"], body["jurisdiction"], body["min_cell"]) == (
        "cases_registered",
        "2026",
        "3501",
        2,
    )
    cells = {(cell["jurisdiction"], cell["sex"]): cell for cell in body["cells"]}
    assert cells[("350103", "male")] == {"jurisdiction": "350103", "sex": "male", "value": None, "suppressed": True}
    # Taijiang: one girl and one boy, each alone in a cell (primary). Gulou's 4 women go as the
    # complement in the women's column, and Gulou's 0 men with them, in Gulou's row: else Gulou's
    # 4 (its own total) minus 0 would give the 4 back, and the women's total minus 4 the one girl.
    assert cells[("350102", "female")] == {"jurisdiction": "350102", "sex": "female", "value": None, "suppressed": True}
    assert cells[("350102", "male")]["suppressed"] is True
    assert cells[("350103", "female")]["suppressed"] is True
    assert body["total"] == {"value": 6, "suppressed": False}


def test_age_bands_are_spelled_as_the_api_promises(data, cast, api_client_for):
    body = (
        api_client_for(cast.dave)
        .get(DETAIL.format(key="cases_registered"), {"period": "2026", "by": "age_band"})
        .json()
    )
    assert [cell["age_band"] for cell in body["cells"]] == ["under-6", "6-13", "14-15", "16-17", "18+", "unknown"]


def test_the_default_jurisdiction_is_the_readers(data, cast, api_client_for):
    assert (
        api_client_for(cast.dave).get(DETAIL.format(key="cases_registered"), {"period": "2026"}).json()["jurisdiction"]
        == "3501"
    )
    assert (
        api_client_for(cast.grace).get(DETAIL.format(key="cases_registered"), {"period": "2026"}).json()["jurisdiction"]
        == "35"
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "period"),
        ({"period": "2026-13"}, "period"),
        ({"period": "2026-01-01"}, "period"),
        ({"period": "2020-2031"}, "period"),
        ({"period": "2026", "by": "name"}, "by"),
        ({"period": "2026", "by": "pathway"}, "by"),
        ({"period": "2026", "by": "sex,sex"}, "by"),
        ({"period": "2026", "by": "sex,age_band,country,nationality"}, "by"),
        ({"period": "2026", "jurisdiction": "35x"}, "jurisdiction"),
        ({"period": "2026", "format": "docx"}, "format"),
    ],
)
def test_bad_input_answers_400_naming_the_field(cast, api_client_for, params, field):
    response = api_client_for(cast.grace).get(DETAIL.format(key="cases_registered"), params)
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]


def test_an_unknown_indicator_answers_404_naming_it(cast, api_client_for):
    response = api_client_for(cast.grace).get(DETAIL.format(key="victims_named"), {"period": "2026"})
    assert response.status_code == 404
    assert "indicator" in response.json()["fields"]


def test_another_departments_indicator_answers_403(cast, api_client_for):
    response = api_client_for(cast.bob).get(DETAIL.format(key="legal_aid_opened"), {"period": "2026"})
    assert response.status_code == 403


def test_a_jurisdiction_outside_the_readers_answers_404_as_for_none_and_is_recorded(cast, api_client_for):
    client = api_client_for(cast.dave)  # Fuzhou
    outside = client.get(DETAIL.format(key="cases_registered"), {"period": "2026", "jurisdiction": "3502"})
    absent = client.get(DETAIL.format(key="cases_registered"), {"period": "2026", "jurisdiction": "350199"})
    assert outside.status_code == absent.status_code == 404
    assert outside.json() == absent.json()
    assert "jurisdiction" in outside.json()["fields"]
    assert AuditEvent.objects.filter(action="access_denied", actor_username="dave").count() == 2


def test_a_receiving_department_reads_its_organizations_jurisdiction(data, cast, api_client_for):
    client = api_client_for(cast.bob)  # the Fuzhou education bureau
    key = DETAIL.format(key="school_age_sheltered_30_days")
    assert client.get(key, {"period": "2026"}).json()["jurisdiction"] == "3501"
    assert client.get(key, {"period": "2026", "jurisdiction": "350103"}).status_code == 200
    assert client.get(key, {"period": "2026", "jurisdiction": "35"}).status_code == 404


def test_every_report_read_is_an_audit_event_without_a_number(data, cast, api_client_for):
    api_client_for(cast.grace).get(
        DETAIL.format(key="returns_home"), {"period": "2026-Q2", "jurisdiction": "3501", "by": "pathway"}
    )
    event = AuditEvent.objects.filter(action="report_viewed").get()
    assert event.actor_username == "grace"
    assert event.detail == {
        "indicators": ["returns_home"],
        "period": "2026-Q2",
        "jurisdiction": "3501",
        "by": ["pathway"],
        "format": "json",
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_files_are_answered_and_audited(data, cast, api_client_for, fmt):
    response = api_client_for(cast.dave).get(
        DETAIL.format(key="cases_registered"), {"period": "2026", "by": "jurisdiction", "format": fmt}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="report_viewed").get().detail["format"] == fmt


def test_no_answer_holds_a_name_an_id_number_or_a_case_number(data, build, cast, api_client_for):
    client = api_client_for(cast.grace)
    secrets = [*build.names, *build.id_numbers, *build.case_numbers]
    catalogue = client.get("/api/v1/reports/").content.decode()
    assert not [secret for secret in secrets if secret in catalogue]
    for key, indicator in CATALOGUE.items():
        for by in ((), *((name,) for name in indicator.dimensions)):
            response = client.get(DETAIL.format(key=key), {"period": "2026", "by": ",".join(by)})
            assert response.status_code == 200, (key, by)
            text = json.dumps(response.json(), ensure_ascii=False)
            assert not [secret for secret in secrets if secret in text], (key, by)
