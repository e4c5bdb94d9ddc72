"""The policy matrix of the reports' API routes: every member of the cast, against an answer
worked out from ``registry.policy`` alone (``VIEW_REPORTS``, ``REPORT_DEPARTMENT``) and the
catalogue — not from ``reports.access``.

A report is no record of a case, so the case-scope oracle of :class:`PolicyMatrix` does not
apply: these subclasses keep its hooks (and the anonymous test) and judge each member by the
reports' rule — no ``VIEW_REPORTS``, 403; another department's indicator, 403; a jurisdiction
outside the reader's (the organization's for a receiving department, the account's otherwise),
404; else 200.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from registry import policy
from registry.policy import Action
from reports.catalogue import CATALOGUE
from tests.policy_matrix import CAST, PolicyMatrix


def expected_report_status(user, key: str | None, code: str) -> int:
    if not policy.may(user, Action.VIEW_REPORTS):
        return 403
    department = policy.REPORT_DEPARTMENT[policy.role_of(user)]
    if key is not None and department is not None and CATALOGUE[key].department != department:
        return 403
    root = user.organization.jurisdiction if department is not None else user.jurisdiction
    return 200 if code.startswith(root.code) else 404


class ReportMatrix(PolicyMatrix):
    indicator: str | None = None
    jurisdiction: str = "350102"

    def make_record(self, places, cast):
        return SimpleNamespace(key=self.indicator, code=self.jurisdiction)

    def url(self, record) -> str:
        if record.key is None:
            return "/api/v1/reports/"
        return f"/api/v1/reports/{record.key}/?period=2026&jurisdiction={record.code}&by=jurisdiction"

    @pytest.mark.parametrize("member", CAST)
    def test_policy_matrix(self, member, places, cast, api_client_for):
        record = self.make_record(places, cast)
        user = getattr(cast, member)
        response = self._call(api_client_for(user), record)
        expected = expected_report_status(user, record.key, record.code if record.key else user.jurisdiction.code)
        assert response.status_code == expected, (member, response.status_code, response.json())
        if expected >= 400:
            assert set(response.json()) >= {"code", "message"}


class TestReportListMatrix(ReportMatrix):
    route_name = "report-list"


class TestJointOfficeReportMatrix(ReportMatrix):
    route_name = "report-detail"
    indicator = "cases_registered"


class TestEducationReportMatrix(ReportMatrix):
    route_name = "report-detail"
    indicator = "school_enrolled_within_30_days"


class TestLegalAidReportOfXiamenMatrix(ReportMatrix):
    route_name = "report-detail"
    indicator = "compensation_received"
    jurisdiction = "3502"


def test_every_role_with_view_reports_has_a_department_rule():
    """The receiving departments' keys in the policy are the catalogue's department values."""
    assert set(policy.REPORT_DEPARTMENT) == set(policy.ACTION_ROLES[Action.VIEW_REPORTS])
    departments = {indicator.department.value for indicator in CATALOGUE.values()}
    assert {value for value in policy.REPORT_DEPARTMENT.values() if value} <= departments
