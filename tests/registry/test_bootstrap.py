"""``manage.py bootstrap``: the first administrator of an empty production database."""

import io

import pytest
from django.core.management import CommandError, call_command

from registry.choices import Role
from registry.models import AuditAction, AuditEvent, Jurisdiction, User

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-bootstrap-passphrase-2026"


def bootstrap(monkeypatch, password: str = PASSWORD, username: str = "root_admin") -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command("bootstrap", "--sysadmin", username, "--password-stdin", stdout=out)
    return out.getvalue()


def test_bootstrap_loads_the_divisions_and_creates_one_audited_sysadmin(monkeypatch):
    output = bootstrap(monkeypatch)
    assert Jurisdiction.objects.filter(code="350102").exists()
    admin = User.objects.get(username="root_admin")
    assert admin.role == Role.SYSADMIN and admin.jurisdiction.code == "35" and admin.check_password(PASSWORD)
    event = AuditEvent.objects.get(action=AuditAction.USER_CREATED)
    assert event.detail["user"] == str(admin.uuid)
    assert PASSWORD not in output


def test_a_second_run_creates_no_second_administrator(monkeypatch):
    bootstrap(monkeypatch)
    output = bootstrap(monkeypatch, username="another_admin")
    assert "none created" in output
    assert list(User.objects.filter(role=Role.SYSADMIN).values_list("username", flat=True)) == ["root_admin"]


def test_a_weak_password_is_refused_and_nothing_is_created(monkeypatch):
    with pytest.raises(CommandError):
        bootstrap(monkeypatch, password="short")
    assert not User.objects.filter(role=Role.SYSADMIN).exists()
