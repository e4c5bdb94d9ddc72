"""The hooks other apps plug into: close checks, case-file tabs and header links, history."""

import pytest

from registry.errors import Conflict
from registry.policy import Section
from victims import operations, selectors
from victims.choices import Stage
from victims.views import extensions

pytestmark = pytest.mark.django_db


def test_a_registered_close_check_refuses_closing_and_leaves_the_case_unchanged(register, cast, monkeypatch):
    case = register()

    def refuse(locked):
        assert locked.pk == case.pk
        raise Conflict("a follow-up visit is outstanding", code="follow_ups_outstanding")

    monkeypatch.setattr(operations, "CLOSE_CHECKS", [])
    operations.register_close_check(refuse)
    operations.register_close_check(refuse)  # registering twice runs it once
    assert operations.CLOSE_CHECKS == [refuse]
    with pytest.raises(Conflict) as refused:
        operations.case_close(actor=cast.dave, case=case, expected_version=case.version)
    assert refused.value.code == "follow_ups_outstanding"
    case.refresh_from_db()
    assert case.stage == Stage.REGISTERED
    assert case.history.count() == 1


def test_close_checks_are_asked_only_when_closing(register, cast, monkeypatch):
    case = register()
    calls = []
    monkeypatch.setattr(operations, "CLOSE_CHECKS", [calls.append])
    operations.case_transfer(actor=cast.dave, case=case, expected_version=case.version, reason="移交浙江省")
    assert calls == []


def test_a_registered_tab_renders_its_own_template_with_the_sections_data(register, cast, client, monkeypatch):
    case = register()
    seen = {}

    def tab(request, tab_case, data):
        seen.update(case=tab_case.pk, data=data)
        return "victims/_facts.html", {"facts": [{"name": "n", "label": "Hook label", "value": "hook value"}]}

    monkeypatch.setitem(extensions.TAB_VIEWS, Section.RESCUE, tab)
    client.force_login(cast.alice)
    response = client.get(f"/cases/{case.uuid}/?tab=rescue")
    assert response.status_code == 200
    assert "hook value" in response.content.decode()
    assert seen["case"] == case.pk
    assert seen["data"] == selectors.case_sections(cast.alice, case, only=[Section.RESCUE])["rescue"]


def test_case_links_come_from_the_providers_for_each_user(register, cast, client, monkeypatch):
    case = register()
    monkeypatch.setattr(extensions, "CASE_LINK_PROVIDERS", [])
    extensions.register_case_links(
        lambda user, c: [{"id": "dossiers", "label": "Hook link", "url": "/x/"}] if user.role == "civil_affairs" else []
    )
    client.force_login(cast.dave)
    assert 'id="case-link-dossiers"' in client.get(f"/cases/{case.uuid}/").content.decode()
    client.force_login(cast.alice)
    assert "case-link-dossiers" not in client.get(f"/cases/{case.uuid}/").content.decode()
