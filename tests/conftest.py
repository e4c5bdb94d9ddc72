"""The fixed cast every test speaks of (STYLE.md), and clients logged in as each of them.

Fuzhou (3501):
- **alice** — caseworker of the Fuzhou relief station; owns the sample cases.
- **dave** — civil affairs officer of Fuzhou; sees every case in 3501.
- **bob** — education officer of the Fuzhou education bureau; sees a case once it is referred.
- **erin** — legal aid worker of the Fuzhou legal aid centre.
- **frank** — labour officer of the Fuzhou human resources bureau.
Xiamen (3502):
- **carol** — caseworker of the Xiamen relief station; must see nothing of Alice's cases.
- **xavier** — civil affairs officer of Xiamen; likewise.
Province (35):
- **grace** — auditor of the joint conference office; reads no case.
- **heidi** — system administrator; reads no case.
"""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from registry.choices import Department, OrganizationKind, Role
from tests.factories import TEST_PASSWORD, JurisdictionFactory, OrganizationFactory, UserFactory

JOINT_OFFICE = "福建省反对拐卖人口工作联席会议办公室"


@pytest.fixture
def places(db):
    province = JurisdictionFactory(code="35", name="福建省")
    fuzhou = JurisdictionFactory(code="3501", name="福州市", parent=province)
    gulou = JurisdictionFactory(code="350102", name="鼓楼区", parent=fuzhou)
    xiamen = JurisdictionFactory(code="3502", name="厦门市", parent=province)

    def org(name, department, kind, where):
        return OrganizationFactory(name=name, department=department, kind=kind, jurisdiction=where)

    return SimpleNamespace(
        province=province,
        fuzhou=fuzhou,
        gulou=gulou,
        xiamen=xiamen,
        fz_shelter=org("福州市救助管理站", Department.CIVIL_AFFAIRS, OrganizationKind.SHELTER, fuzhou),
        fz_civil_affairs=org("福州市民政局", Department.CIVIL_AFFAIRS, OrganizationKind.BUREAU, fuzhou),
        fz_education=org("福州市教育局", Department.EDUCATION, OrganizationKind.BUREAU, fuzhou),
        fz_legal_aid=org("福州市法律援助中心", Department.JUSTICE, OrganizationKind.LEGAL_AID_CENTRE, fuzhou),
        fz_labor=org("福州市人力资源和社会保障局", Department.LABOR, OrganizationKind.BUREAU, fuzhou),
        xm_shelter=org("厦门市救助管理站", Department.CIVIL_AFFAIRS, OrganizationKind.SHELTER, xiamen),
        xm_civil_affairs=org("厦门市民政局", Department.CIVIL_AFFAIRS, OrganizationKind.BUREAU, xiamen),
        office=org(JOINT_OFFICE, Department.PUBLIC_SECURITY, OrganizationKind.BUREAU, province),
    )


@pytest.fixture
def cast(places):
    def user(username, role, organization, jurisdiction=None):
        return UserFactory(
            username=username,
            role=role,
            organization=organization,
            jurisdiction=jurisdiction or organization.jurisdiction,
        )

    return SimpleNamespace(
        alice=user("alice", Role.CASEWORKER, places.fz_shelter),
        dave=user("dave", Role.CIVIL_AFFAIRS, places.fz_civil_affairs),
        bob=user("bob", Role.EDUCATION, places.fz_education),
        erin=user("erin", Role.LEGAL_AID, places.fz_legal_aid),
        frank=user("frank", Role.LABOR, places.fz_labor),
        carol=user("carol", Role.CASEWORKER, places.xm_shelter),
        xavier=user("xavier", Role.CIVIL_AFFAIRS, places.xm_civil_affairs),
        grace=user("grace", Role.AUDITOR, places.office),
        heidi=user("heidi", Role.SYSADMIN, places.office),
    )


# The Fuzhou member of the cast for each role; the policy matrix runs every endpoint as each.
FUZHOU_BY_ROLE = {
    Role.CASEWORKER: "alice",
    Role.CIVIL_AFFAIRS: "dave",
    Role.EDUCATION: "bob",
    Role.LEGAL_AID: "erin",
    Role.LABOR: "frank",
    Role.AUDITOR: "grace",
    Role.SYSADMIN: "heidi",
}


@pytest.fixture
def api_client_for():
    """``api_client_for(user)``: an API client authenticated as ``user`` (session auth)."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture(autouse=True, scope="session")
def _flush_lifts_audit_triggers():
    """pytest-django empties every table after a ``transaction=True`` test (``flush``), which the
    audit log's append-only triggers refuse. For the test harness only, each flush lifts the
    triggers, empties the tables and puts the production triggers back, in one transaction."""
    from django.core.management.commands import flush

    from tests.helpers import audit_trigger_statements

    original = flush.sql_flush

    def sql_flush(style, connection, *args, **kwargs):
        statements = original(style, connection, *args, **kwargs)
        if not statements:
            return statements
        lift, restore = audit_trigger_statements(connection.vendor)
        return [*lift, *statements, *restore]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flush, "sql_flush", sql_flush)
        yield
