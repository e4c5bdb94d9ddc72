"""Voiding a record entered by mistake (issue 18 item 4): with a reason kept in history and an
audit event, by whoever may write the section, never a record in force, never again, never
edited afterwards; greyed in the case file, out of the dossier's current view and of the rules
that count records."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse

from registry import casefile
from registry.decisions import MARKER
from registry.errors import Conflict, NotFound, RuleViolation
from registry.models import AuditAction, AuditEvent
from registry.policy import Section
from registry.presentation import case_url
from services import operations as services
from tests.victims.conftest import RESCUE, TODAY
from tests.victims.test_api_matrix import RecordMatrix, if_match
from victims import operations
from victims.choices import ConsentGiver, Service
from victims.models import HealthAssessment, Rescue

pytestmark = pytest.mark.django_db

REASON = "录入错误：重复录入了同一次评估（虚构）"


def _assessment(alice, case, assessor="福州市第一医院（虚构）"):
    data = {"assessed_on": TODAY, "assessor": assessor, "physical": "良好（虚构）"}
    return operations.record_add(actor=alice, case=case, model="healthassessment", data=data)


def _void_url(case, record, kind="healthassessment"):
    return reverse("victims:record-void", args=[case.uuid, kind, record.uuid])


def _api_void_url(case, record, kind="healthassessment"):
    return f"/api/v1/cases/{case.uuid}/records/{kind}/{record.uuid}/void/"


def _confirm(reason, version=1):
    """The confirmation page's POST (``registry.decisions``): the reason, the version, the marker."""
    return {"comment": reason, "version": version, MARKER: "1"}


@pytest.fixture
def signed_in(client, cast):
    def sign_in(name):
        client.force_login(getattr(cast, name))
        return client

    return sign_in


# --- voiding -----------------------------------------------------------------------------------


def test_a_caseworker_voids_a_record_with_its_reason_kept_in_history_and_audited(signed_in, cast, register):
    case = register(seed=801)
    record = _assessment(cast.alice, case)

    response = signed_in("alice").post(_void_url(case, record), _confirm(REASON))

    assert response.status_code == 302 and response.url == case_url(case, "health")
    record.refresh_from_db()
    assert record.voided_at is not None and record.voided_by == cast.alice
    assert record.void_reason == REASON and record.version == 2
    latest = record.history.order_by("-history_id").first()
    assert latest.void_reason == REASON and latest.history_change_reason == "healthassessment voided"
    assert latest.history_user == cast.alice
    event = AuditEvent.objects.get(action=AuditAction.RECORD_VOIDED)
    assert event.detail == {"model": "healthassessment", "record": str(record.uuid)}
    assert event.case_uuid == case.uuid and REASON not in json.dumps(event.detail, ensure_ascii=False)
    shown = [entry for entry in casefile.case_history(cast.dave, case) if entry["record"] == str(record.uuid)]
    assert shown[0]["changes"]["void_reason"] == REASON and shown[0]["action"] == "changed"
    assert "void_reason" not in shown[-1]["changes"]  # the creation shows no empty voiding


def test_the_confirmation_page_changes_nothing_on_get_nor_without_the_confirmation(signed_in, cast, register):
    case = register(seed=802)
    record = _assessment(cast.alice, case)

    response = signed_in("alice").get(_void_url(case, record))
    unconfirmed = signed_in("alice").post(_void_url(case, record), {"comment": REASON, "version": 1})

    assert response.status_code == 200 and unconfirmed.status_code == 200
    assert 'id="decision-void"' in response.content.decode() and "福州市第一医院（虚构）" in response.content.decode()
    record.refresh_from_db()
    assert record.voided_at is None and record.version == 1


def test_voiding_without_a_reason_is_refused_and_changes_nothing(signed_in, api_client_for, cast, register):
    case = register(seed=803)
    record = _assessment(cast.alice, case)

    page = signed_in("alice").post(_void_url(case, record), _confirm("  "))
    api = api_client_for(cast.alice).post(
        _api_void_url(case, record), {"reason": ""}, format="json", headers={"If-Match": '"1"'}
    )

    assert page.status_code == 400 and 'id="decision-form"' in page.content.decode()
    assert api.status_code == 400 and "reason" in json.dumps(api.json())
    with pytest.raises(RuleViolation) as refused:
        operations.record_void(actor=cast.alice, record=record, expected_version=1, reason=" ")
    assert refused.value.field == "reason"
    record.refresh_from_db()
    assert record.voided_at is None and record.version == 1
    assert not AuditEvent.objects.filter(action=AuditAction.RECORD_VOIDED).exists()


def test_a_reader_who_may_not_write_the_section_is_refused(signed_in, api_client_for, cast, register):
    case = register(seed=804)
    record = _assessment(cast.alice, case)

    # Civil affairs read the health section but do not write it: 403; education do not read it: 404.
    assert signed_in("dave").post(_void_url(case, record), _confirm(REASON)).status_code == 403
    api = api_client_for(cast.dave).post(
        _api_void_url(case, record), {"reason": REASON}, format="json", headers={"If-Match": '"1"'}
    )
    assert api.status_code == 403
    assert signed_in("carol").get(_void_url(case, record)).status_code == 404  # another city's caseworker
    record.refresh_from_db()
    assert record.voided_at is None


def test_the_api_voids_with_the_version_read(api_client_for, cast, register):
    case = register(seed=805)
    record = _assessment(cast.alice, case)
    alice = api_client_for(cast.alice)

    missing = alice.post(_api_void_url(case, record), {"reason": REASON}, format="json")
    stale = alice.post(_api_void_url(case, record), {"reason": REASON}, format="json", headers={"If-Match": '"7"'})
    done = alice.post(_api_void_url(case, record), {"reason": REASON}, format="json", headers={"If-Match": '"1"'})

    assert missing.status_code == 428 and stale.status_code == 412
    assert done.status_code == 200 and done["ETag"] == '"2"'
    assert done.json()["void_reason"] == REASON and done.json()["voided_at"]


def test_a_kind_that_cannot_be_voided_or_does_not_exist_answers_404(signed_in, api_client_for, cast, register):
    case = register(seed=806)
    record = _assessment(cast.alice, case)

    assert signed_in("alice").get(_void_url(case, record, kind="nosuchkind")).status_code == 404
    assert signed_in("alice").get(_void_url(case, record, kind="careplan")).status_code == 404
    response = api_client_for(cast.alice).post(
        _api_void_url(case, record, kind="careplan"), {"reason": REASON}, format="json", headers={"If-Match": '"1"'}
    )
    assert response.status_code == 404


# --- after voiding -----------------------------------------------------------------------------


def test_a_voided_record_is_not_voided_again_nor_edited(signed_in, api_client_for, cast, register):
    case = register(seed=807)
    record = _assessment(cast.alice, case)
    voided = operations.record_void(actor=cast.alice, record=record, expected_version=1, reason=REASON)

    with pytest.raises(Conflict) as again:
        operations.record_void(actor=cast.alice, record=voided, expected_version=2, reason=REASON)
    with pytest.raises(Conflict) as edit:
        operations.record_amend(actor=cast.alice, record=voided, expected_version=2, changes={"assessor": "改"})
    api = api_client_for(cast.alice).patch(
        f"/api/v1/cases/{case.uuid}/records/healthassessment/{record.uuid}/",
        {"assessor": "改"},
        format="json",
        headers={"If-Match": '"2"'},
    )
    page = signed_in("alice").post(_void_url(case, record), _confirm(REASON, version=2))

    assert again.value.code == edit.value.code == "record_voided"
    assert api.status_code == 409 and api.json()["code"] == "record_voided"
    assert page.status_code == 409
    record.refresh_from_db()
    assert record.assessor == "福州市第一医院（虚构）" and record.version == 2


def test_a_voided_record_is_greyed_with_its_reason_in_the_case_file(signed_in, cast, register):
    case = register(seed=808)
    kept = _assessment(cast.alice, case, assessor="保留的评估（虚构）")
    wrong = _assessment(cast.alice, case, assessor="错录的评估（虚构）")
    operations.record_void(actor=cast.alice, record=wrong, expected_version=1, reason=REASON)

    for reader in ("alice", "dave"):
        html = signed_in(reader).get(case_url(case, "health")).content.decode()
        card = html.split(f'id="record-{wrong.uuid}"')[0].rsplit("<article", 1)[1]
        assert "record-card--voided" in card
        after = html.split(f'id="record-{wrong.uuid}"')[1].split("</article>")[0]
        assert REASON in after and "badge--voided" in after
        assert reverse("victims:record-edit", args=[case.uuid, "healthassessment", wrong.uuid]) not in html
        assert str(kept.uuid) in html
    alice_html = signed_in("alice").get(case_url(case, "health")).content.decode()
    assert f'id="void-{kept.uuid}"' in alice_html and f'id="void-{wrong.uuid}"' not in alice_html


def test_a_voided_record_leaves_the_dossier_but_not_its_history(cast, register):
    from exports.dossier.content import build

    case = register(seed=809)
    kept = _assessment(cast.alice, case, assessor="保留的评估（虚构）")
    wrong = _assessment(cast.alice, case, assessor="错录的评估（虚构）")
    operations.record_void(actor=cast.alice, record=wrong, expected_version=1, reason=REASON)

    content = build(cast.dave, case, language="zh-hans")

    shown = json.dumps(content.sections, ensure_ascii=False, default=str)
    assert str(kept.uuid) in shown and str(wrong.uuid) not in shown and "错录的评估" not in shown
    printed = json.dumps(content.parts, ensure_ascii=False, default=str)
    assert "保留的评估" in printed and "错录的评估" not in printed
    assert any(entry["record"] == str(wrong.uuid) for entry in content.history)


# --- records in force, and the rules that count records ----------------------------------------


def test_a_record_in_force_is_not_voided(signed_in, cast, register, places):
    case = register(seed=810)
    placement = services.placement_admit(actor=cast.alice, case=case, shelter=places.fz_shelter)
    consent = {"service": Service.LEGAL_AID, "given_on": TODAY, "given_by": ConsentGiver.PERSON}
    operations.record_add(actor=cast.alice, case=case, model="consent", data=consent)
    referral = operations.referral_create(
        actor=cast.alice, case=case, service=Service.LEGAL_AID, to_organization=places.fz_legal_aid
    )

    for record in (placement, referral, case.consents.get()):
        with pytest.raises(Conflict) as refused:
            operations.record_void(actor=cast.alice, record=record, expected_version=record.version, reason=REASON)
        assert refused.value.code == "record_in_force"
        record.refresh_from_db()
        assert record.voided_at is None
    url = _void_url(case, placement, kind="shelterplacement")
    assert signed_in("alice").post(url, _confirm(REASON, version=placement.version)).status_code == 409
    placement.refresh_from_db()
    assert placement.voided_at is None


def test_a_discharged_stay_voided_is_greyed_on_its_tab_and_leaves_no_overlap(signed_in, cast, register, places):
    case = register(seed=811)
    start = TODAY - datetime.timedelta(days=2)
    stay = services.placement_admit(actor=cast.alice, case=case, shelter=places.fz_shelter, admitted_on=start)
    stay = services.placement_discharge(actor=cast.alice, placement=stay, expected_version=stay.version)
    operations.record_void(actor=cast.alice, record=stay, expected_version=stay.version, reason=REASON)

    again = services.placement_admit(actor=cast.alice, case=case, shelter=places.fz_shelter, admitted_on=start)

    assert again.admitted_on == start
    html = signed_in("alice").get(case_url(case, "shelter")).content.decode()
    card = html.split(f'id="record-{stay.uuid}"')[1].split("</article>")[0]
    assert "record-card--voided" in html.split(f'id="record-{stay.uuid}"')[0].rsplit("<article", 1)[1]
    assert REASON in card and f"edit-{stay.uuid}" not in card and f"void-{stay.uuid}" not in card
    assert f'id="void-{again.uuid}"' in html  # the stay in force offers the link (the operation refuses it)


def test_voided_records_leave_room_for_the_right_ones(settings, cast, register):
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 1
    case = register(seed=812)
    wrong = _assessment(cast.alice, case)
    with pytest.raises(Conflict):
        _assessment(cast.alice, case)

    operations.record_void(actor=cast.alice, record=wrong, expected_version=1, reason=REASON)

    assert _assessment(cast.alice, case).voided_at is None


def test_voiding_a_rescue_recomputes_the_first_rescue_day(cast, register):
    case = register(seed=813)
    earlier = TODAY - datetime.timedelta(days=40)
    wrong = operations.record_add(
        actor=cast.alice,
        case=case,
        model="rescue",
        data={**RESCUE, "rescued_on": earlier},
    )
    case.refresh_from_db()
    assert case.rescued_on == earlier

    operations.record_void(actor=cast.alice, record=wrong, expected_version=1, reason=REASON)

    case.refresh_from_db()
    assert case.rescued_on == Rescue.objects.current().get(case=case).rescued_on != earlier


def test_a_record_out_of_the_readers_reach_is_absent(cast, register):
    case = register(seed=814)
    record = _assessment(cast.alice, case)

    with pytest.raises(NotFound):
        operations.record_void(actor=cast.carol, record=record, expected_version=1, reason=REASON)
    assert HealthAssessment.objects.current().filter(pk=record.pk).exists()


# --- the API route under the policy matrix -----------------------------------------------------


@pytest.mark.django_db
class TestRecordVoidMatrix(RecordMatrix):
    route_name = "case-record-void"
    record_kind = "healthassessment"
    kind = "write"
    method = "post"
    write_section = Section.HEALTH

    def url(self, record):
        kwargs = {"id": record.uuid, "kind": self.record_kind, "record_id": self.target(record).uuid}
        return reverse(self.route_name, kwargs=kwargs)

    def body(self, record):
        return {"reason": REASON}

    def headers(self, record):
        return if_match(self.target(record).version)
