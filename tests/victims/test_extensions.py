"""The case-file registry (``registry.casefile``): close checks, tabs, header links and panels
come from the sections' declarations, and nothing can be declared once the apps are loaded."""

import dataclasses

import pytest

from registry import casefile
from registry.casefile import CaseSection
from registry.errors import Conflict
from registry.policy import Section
from tests.transfers.test_handover_operations import body as handover_body
from tests.victims.conftest import CLOSING
from transfers.handover.operations import case_hand_over
from victims import operations
from victims.choices import Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def redeclared(monkeypatch):
    """Replace one section's declaration for the test (the registry is frozen after start-up)."""

    def redeclare(key, **changes):
        sections = dict(casefile._SECTIONS)
        sections[key] = dataclasses.replace(sections[key], **changes)
        monkeypatch.setattr(casefile, "_SECTIONS", sections)

    return redeclare


def test_declaring_a_section_after_start_up_is_refused():
    with pytest.raises(RuntimeError):
        casefile.register(CaseSection(Section.RESCUE))
    with pytest.raises(RuntimeError):
        casefile.register_case_links(lambda user, case: [])


def test_every_section_of_the_policy_is_declared_by_one_app():
    assert [declared.key for declared in casefile.sections()][: len(Section)] == list(Section)


def test_a_declared_close_check_refuses_closing_and_leaves_the_case_unchanged(register, cast, redeclared):
    case = register()

    def refuse(locked):
        assert locked.pk == case.pk
        raise Conflict("a follow-up visit is outstanding", code="follow_ups_outstanding")

    redeclared(Section.RESCUE, close_checks=(refuse,))
    assert refuse in casefile.close_checks()
    with pytest.raises(Conflict) as refused:
        operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)
    assert refused.value.code == "follow_ups_outstanding"
    case.refresh_from_db()
    assert case.stage == Stage.REGISTERED
    assert case.history.count() == 1


def test_close_checks_are_asked_only_when_closing(register, cast, redeclared):
    case = register()
    calls = []
    redeclared(Section.RESCUE, close_checks=(calls.append,))
    case_hand_over(actor=cast.dave, case=case, expected_version=case.version, **handover_body(province_code="33"))
    assert calls == []


seen = {}


def hook_tab(request, tab_case, data):
    seen.update(case=tab_case.pk, data=data)
    return "victims/_facts.html", {"facts": [{"name": "n", "label": "Hook label", "value": "hook value"}]}


def test_a_declared_tab_renders_its_own_template_with_the_sections_data(register, cast, client, redeclared):
    case = register()
    redeclared(Section.RESCUE, tab=f"{__name__}.hook_tab")
    client.force_login(cast.alice)
    response = client.get(f"/cases/{case.uuid}/?tab=rescue")
    assert response.status_code == 200
    assert "hook value" in response.content.decode()
    assert seen["case"] == case.pk
    assert seen["data"] == casefile.case_sections(cast.alice, case, only=[Section.RESCUE])["rescue"]


def test_case_links_come_from_the_providers_for_each_user(register, cast, client, monkeypatch):
    case = register()
    monkeypatch.setattr(
        casefile,
        "_CASE_LINKS",
        [lambda user, c: [{"id": "hook", "label": "Hook link", "url": "/x/"}] if user.role == "civil_affairs" else []],
    )
    client.force_login(cast.dave)
    assert 'id="case-link-hook"' in client.get(f"/cases/{case.uuid}/").content.decode()
    client.force_login(cast.alice)
    assert "case-link-hook" not in client.get(f"/cases/{case.uuid}/").content.decode()


def test_dashboard_panels_follow_the_roles_they_are_declared_for(cast):
    templates = {user: [panel.template for panel in casefile.panels_for(user)] for user in (cast.alice, cast.bob)}
    assert templates[cast.alice] == [
        "victims/dashboard/caseworker.html", "services/dashboard.html", "care/plan/dashboard.html",
        "care/notes/dashboard.html", "transfers/dashboard.html",
    ]  # fmt: skip
    assert templates[cast.bob] == ["victims/dashboard/receiver.html", "services/dashboard.html"]
    assert casefile.panels_for(cast.grace) == []
