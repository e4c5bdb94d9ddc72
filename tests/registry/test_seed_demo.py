"""``manage.py seed_demo``: the demonstration registry other tools log in to (DESIGN §5 contract)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.choices import Department, OrganizationKind, Role
from registry.models import Jurisdiction, Organization, User
from victims.models import Case, Victim

PASSWORD = "demo-password-123"

# username: (role, jurisdiction code, department of the organization)
CONTRACT = {
    "caseworker_fz": (Role.CASEWORKER, "3501", Department.CIVIL_AFFAIRS),
    "civil_affairs_fz": (Role.CIVIL_AFFAIRS, "3501", Department.CIVIL_AFFAIRS),
    "education_fz": (Role.EDUCATION, "3501", Department.EDUCATION),
    "legal_aid_fz": (Role.LEGAL_AID, "3501", Department.JUSTICE),
    "labor_fz": (Role.LABOR, "3501", Department.LABOR),
    "caseworker_xm": (Role.CASEWORKER, "3502", Department.CIVIL_AFFAIRS),
    "civil_affairs_xm": (Role.CIVIL_AFFAIRS, "3502", Department.CIVIL_AFFAIRS),
    "education_xm": (Role.EDUCATION, "3502", Department.EDUCATION),
    "legal_aid_xm": (Role.LEGAL_AID, "3502", Department.JUSTICE),
    "labor_xm": (Role.LABOR, "3502", Department.LABOR),
    "auditor": (Role.AUDITOR, "35", Department.PUBLIC_SECURITY),
    "sysadmin": (Role.SYSADMIN, "35", Department.PUBLIC_SECURITY),
}


def seed(**options) -> str:
    """Run the command; no synthetic victims unless asked (tests/victims/test_seed.py covers them)."""
    out = StringIO()
    call_command("seed_demo", stdout=out, **{"victims": 0, **options})
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Organization.objects.count(), Jurisdiction.objects.count()


def snapshot() -> list[tuple]:
    users = list(User.objects.order_by("username").values_list())
    organizations = list(Organization.objects.order_by("pk").values_list())
    jurisdictions = list(Jurisdiction.objects.order_by("pk").values_list())
    return [users, organizations, jurisdictions]


@pytest.mark.django_db
def test_every_contract_account_exists_with_its_role_city_and_department():
    seed(password=PASSWORD)
    for username, (role, code, department) in CONTRACT.items():
        user = User.objects.select_related("organization", "jurisdiction").get(username=username)
        assert (user.role, user.jurisdiction.code, user.organization.department) == (role, code, department), username
        assert user.is_active and not user.is_superuser
        assert user.first_name and user.last_name


@pytest.mark.django_db
def test_case_roles_belong_to_the_unit_they_work_in():
    seed(password=PASSWORD)
    kinds = {
        username: User.objects.get(username=username).organization
        for username in ("caseworker_fz", "civil_affairs_xm", "education_fz", "legal_aid_xm", "labor_fz")
    }
    assert kinds["caseworker_fz"].kind == OrganizationKind.SHELTER
    assert kinds["caseworker_fz"].capacity > 0
    assert kinds["civil_affairs_xm"].kind == OrganizationKind.BUREAU
    assert kinds["education_fz"].kind == OrganizationKind.BUREAU
    assert kinds["legal_aid_xm"].kind == OrganizationKind.LEGAL_AID_CENTRE
    assert kinds["labor_fz"].kind == OrganizationKind.BUREAU
    for username in ("caseworker_xm", "civil_affairs_fz"):
        user = User.objects.get(username=username)
        assert user.organization.jurisdiction == user.jurisdiction


@pytest.mark.django_db
def test_provincial_accounts_work_in_the_joint_conference_office():
    seed(password=PASSWORD)
    office = Organization.objects.get(name="福建省反对拐卖人口工作联席会议办公室")
    assert office.jurisdiction.code == "35"
    assert User.objects.get(username="auditor").organization == office
    assert User.objects.get(username="sysadmin").jurisdiction.code == "35"


@pytest.mark.django_db
def test_each_city_has_every_kind_of_unit_a_victim_meets():
    seed(password=PASSWORD)
    for code in ("3501", "3502"):
        units = Organization.objects.filter(jurisdiction__code__startswith=code)
        assert {(unit.department, unit.kind) for unit in units} >= {
            (Department.CIVIL_AFFAIRS, OrganizationKind.SHELTER),
            (Department.CIVIL_AFFAIRS, OrganizationKind.CHILDREN_WELFARE),
            (Department.CIVIL_AFFAIRS, OrganizationKind.BUREAU),
            (Department.EDUCATION, OrganizationKind.BUREAU),
            (Department.EDUCATION, OrganizationKind.SCHOOL),
            (Department.JUSTICE, OrganizationKind.LEGAL_AID_CENTRE),
            (Department.LABOR, OrganizationKind.BUREAU),
            (Department.LABOR, OrganizationKind.TRAINING_PROVIDER),
            (Department.PUBLIC_SECURITY, OrganizationKind.POLICE_UNIT),
        }
        assert units.filter(kind=OrganizationKind.WELFARE_HOME).exists()
    school = Organization.objects.get(name="福州市鼓楼区第一中心小学")
    assert school.jurisdiction.code == "350102"


@pytest.mark.django_db
def test_the_given_password_logs_every_account_in():
    seed(password=PASSWORD)
    for username in CONTRACT:
        assert User.objects.get(username=username).check_password(PASSWORD), username


@pytest.mark.django_db
def test_seeding_loads_the_province_divisions():
    seed(password=PASSWORD)
    assert Jurisdiction.objects.get(code="350102").name == "鼓楼区"
    assert Jurisdiction.objects.filter(code__startswith="35", level="county").count() > 100


@pytest.mark.django_db
def test_a_second_run_creates_and_changes_nothing():
    seed(password=PASSWORD)
    before_counts, before = counts(), snapshot()
    output = seed(password=PASSWORD)
    assert counts() == before_counts
    assert snapshot() == before  # not even a password rehash
    assert "0 created, 0 updated" in output


@pytest.mark.django_db
def test_a_run_without_password_keeps_existing_passwords():
    seed(password=PASSWORD)
    output = seed()
    assert User.objects.get(username="caseworker_fz").check_password(PASSWORD)
    assert PASSWORD not in output
    assert "(unchanged)" in output


@pytest.mark.django_db
def test_password_option_resets_every_demo_password():
    seed(password=PASSWORD)
    seed(password="another-demo-password-456")
    for username in CONTRACT:
        user = User.objects.get(username=username)
        assert user.check_password("another-demo-password-456") and not user.check_password(PASSWORD)


@pytest.mark.django_db
def test_without_password_one_strong_password_is_generated_printed_and_works():
    output = seed()
    match = re.search(r"Generated password, shown only this once: (\S+)", output)
    assert match, output
    generated = match.group(1)
    assert len(generated) >= 20
    for username in CONTRACT:
        assert User.objects.get(username=username).check_password(generated), username
    assert output.count(generated) == len(CONTRACT) + 1  # the notice and one row per account


@pytest.mark.django_db
def test_generated_passwords_differ_between_databases():
    first = re.search(r"shown only this once: (\S+)", seed()).group(1)
    User.objects.all().delete()
    second = re.search(r"shown only this once: (\S+)", seed()).group(1)
    assert first != second


@pytest.mark.django_db
def test_output_lists_every_username_with_role_organization_and_password():
    output = seed(password=PASSWORD)
    for username, (role, _code, _department) in CONTRACT.items():
        line = next(line for line in output.splitlines() if line.startswith(username + " "))
        organization = User.objects.get(username=username).organization.name
        assert role.value in line and organization in line and PASSWORD in line, line


@pytest.mark.django_db
def test_a_weak_password_is_refused_and_nothing_is_written():
    with pytest.raises(CommandError, match="too short"):
        seed(password="short")
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_seeding_repairs_a_demo_account_that_drifted():
    seed(password=PASSWORD)
    user = User.objects.get(username="labor_xm")
    user.is_active = False
    user.organization = Organization.objects.get(name="福州市救助管理站")
    user.save()
    seed(password=PASSWORD)
    user.refresh_from_db()
    assert user.is_active
    assert user.organization.name == "厦门市人力资源和社会保障局"


@pytest.mark.django_db
def test_seeding_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        seed(password=PASSWORD)
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_victims_zero_seeds_the_registry_without_any_victim():
    output = seed(password=PASSWORD, victims=0)
    assert not Victim.objects.exists() and not Case.objects.exists()
    assert "Victims" not in output


@pytest.mark.django_db
def test_a_negative_number_of_victims_is_refused_before_anything_is_written():
    with pytest.raises(CommandError, match="--victims"):
        seed(password=PASSWORD, victims=-1)
    assert counts() == (0, 0, 0)
