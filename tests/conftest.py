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

from contextlib import ExitStack
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from rest_framework.test import APIClient

from registry.choices import Department, OrganizationKind, Role
from registry.management.commands.seed_demo import DEFAULT_SEED, DEFAULT_VICTIMS
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


# --- the demo of ``make run``, seeded once for every module that only reads it ---------------------

DEMO_GROUP = "seed-demo"  # the xdist group of the tests that read it: one worker seeds it, once
DEMO_PASSWORD = "demo-password-123"


class SharedDemo:
    """``seed_demo`` as ``make run`` runs it (its default victims and seed), in an open
    transaction that the tests asking for ``seeded_demo`` read, each in a savepoint of it.

    Guarantees: seeded once for a run of consecutive readers (collection puts the readers
    together, in one xdist group); rolled back, never committed, as soon as the next test does
    not read it, so no other test sees a row of it; seeded again, never stale, if a reader
    comes after that."""

    def __init__(self, blocker):
        self._blocker = blocker
        self._open: ExitStack | None = None
        self._output = ""

    def open(self) -> str:
        """The demo in the database (seeded now unless it is already); ``seed_demo``'s output."""
        if self._open is None:
            with ExitStack() as stack:
                stack.enter_context(self._blocker.unblock())
                stack.enter_context(transaction.atomic())
                stack.callback(transaction.set_rollback, True)
                out = StringIO()
                call_command(
                    "seed_demo", password=DEMO_PASSWORD, victims=DEFAULT_VICTIMS, seed=DEFAULT_SEED,
                    stdout=out, stderr=StringIO(),
                )  # fmt: skip
                self._open = stack.pop_all()
            self._output = out.getvalue()
        return self._output

    def close(self) -> None:
        """Roll the demo back (nothing to do when it is not seeded)."""
        if self._open is not None:
            self._open.close()
            self._open = None


_SHARED_DEMO = pytest.StashKey[SharedDemo]()


@pytest.fixture(scope="session")
def _shared_demo(request, django_db_setup, django_db_blocker):
    demo = SharedDemo(django_db_blocker)
    request.config.stash[_SHARED_DEMO] = demo
    yield demo
    demo.close()


@pytest.fixture
def seeded_demo(_shared_demo) -> str:
    """The demo of ``make run`` in the database (shared by every test that asks for it; see
    :class:`SharedDemo`) — a test reading it also asks for ``db``; ``seed_demo``'s output.
    Function-scoped, so each reader finds it open, whatever ran before."""
    return _shared_demo.open()


def _reads_demo(item) -> bool:
    return "seeded_demo" in getattr(item, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """The tests that read the shared demo run one after another, where the first of them was
    collected, and in one xdist group, so one worker seeds the demo, once."""
    readers = [item for item in items if _reads_demo(item)]
    if not readers:
        return
    for item in readers:
        item.add_marker(pytest.mark.xdist_group(DEMO_GROUP))
    first = items.index(readers[0])
    others = [item for item in items if not _reads_demo(item)]
    items[:] = [*others[:first], *readers, *others[first:]]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last of consecutive readers of the shared demo, the demo is rolled back."""
    try:
        return (yield)
    finally:
        demo = item.config.stash.get(_SHARED_DEMO, None)
        if demo is not None and _reads_demo(item) and (nextitem is None or not _reads_demo(nextitem)):
            demo.close()
