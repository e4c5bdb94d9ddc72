"""Review of issue 18's finished areas: regressions for what the review fixed."""

import pytest
from django.urls import reverse

from registry.models import AuditAction, AuditEvent
from tests.victims.test_decisions import act_url, child_referral  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _reads(case, view: str) -> list[AuditEvent]:
    return [
        event
        for event in AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED, case_uuid=case.uuid)
        if (event.detail or {}).get("view") == view
    ]


@pytest.mark.parametrize("verb", ["approve", "reject", "revoke"])
def test_a_decision_page_showing_a_referral_is_an_audited_read(client, cast, child_referral, verb):  # noqa: F811
    client.force_login(cast.alice if verb == "revoke" else cast.dave)
    response = client.get(act_url(child_referral, verb))
    assert response.status_code == 200 and 'id="decision-record"' in response.content.decode()
    (event,) = _reads(child_referral.case, f"decision-{verb}")
    assert event.sections == ["referrals"] and event.detail["record"] == str(child_referral.uuid)


def test_the_void_page_is_read_once_per_page_shown(client, cast, register):
    case = register()
    rescue = case.rescues.get()
    client.force_login(cast.alice)
    client.get(reverse("victims:record-void", args=[case.uuid, "rescue", rescue.uuid]))
    assert len(_reads(case, "decision-void")) == 1


@pytest.mark.parametrize("params", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}])
def test_an_audit_filter_date_past_what_the_time_zone_holds_is_a_400(client, api_client_for, params):
    from registry.choices import Role
    from tests.factories import UserFactory

    auditor = UserFactory(username="auditor18", role=Role.AUDITOR)
    client.force_login(auditor)
    for url in (reverse("audit-log"), reverse("audit-export")):
        response = client.get(url, params)
        assert response.status_code == 400
        assert 'id="field-' in response.content.decode() or "1900" in response.content.decode()
    assert api_client_for(auditor).get(reverse("audit-event-list"), params).status_code == 400
