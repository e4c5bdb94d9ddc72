"""``case_hand_over``: the rules of a hand-over out of the province or the country (五.2, 五.3),
the read-only ``transferred`` stage it leaves, and reopening."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from registry.errors import Conflict, NotFound, PermissionDenied, RuleViolation, StaleVersion
from registry.models import AuditAction, AuditEvent
from tests.victims.conftest import CLOSING, RESCUE, TODAY, person
from transfers.handover.operations import case_hand_over
from transfers.models import HandOver
from victims import operations
from victims.choices import Stage
from victims.models import Case

TRAVEL_DOCUMENT = "VN-TD-C7731902"  # a canary: never in an audit detail, a history reason, a log
CONSENT_NOTE = "本人昏迷无法表达意愿（虚构金丝雀）"


def body(**overrides) -> dict:
    """A valid hand-over to Yunnan."""
    values = {
        "destination": "province", "province_code": "53", "receiving_agency": "云南省民政厅",
        "contact_office": "社会救助处", "handed_over_on": TODAY, "legal_basis": "native_place",
        "consent": "person", "sections": ["person", "identity"],
    }  # fmt: skip
    values.update(overrides)
    return values


REPATRIATION = {
    "destination": "country", "province_code": "", "country": "VN", "embassy_contact": "越南驻广州总领事馆领事处",
    "travel_document": TRAVEL_DOCUMENT, "legal_basis": "repatriation",
}  # fmt: skip


@pytest.fixture
def case(places, cast):
    return operations.case_register(
        actor=cast.alice, victim=person(71), jurisdiction=places.gulou, rescue=dict(RESCUE), opened_on=TODAY
    )


def hand_over(case, actor, **overrides):
    return case_hand_over(actor=actor, case=case, expected_version=case.version, **body(**overrides))


@pytest.mark.django_db
def test_civil_affairs_hands_a_case_over_and_it_becomes_transferred(case, cast):
    handover = hand_over(case, cast.dave, sections=["identity"])
    case.refresh_from_db()
    assert (case.stage, case.version) == (Stage.TRANSFERRED, 2)
    assert (handover.province_code, handover.country, handover.recorded_by) == ("53", "", cast.dave)
    assert handover.sections == ["person", "identity"]  # the person's section always, in the policy's order
    event = AuditEvent.objects.get(action=AuditAction.CASE_HANDED_OVER)
    assert event.detail == {
        "handover": str(handover.uuid), "stage": "transferred", "destination": "province", "province_code": "53",
        "legal_basis": "native_place", "sections": ["person", "identity"],
    }  # fmt: skip
    assert Case.history.filter(id=case.pk).latest("history_id").history_change_reason == "case handed over"


@pytest.mark.django_db
def test_a_repatriation_records_the_embassy_and_the_travel_document_encrypted(case, cast):
    handover = hand_over(case, cast.dave, consent="not_obtainable", consent_note=CONSENT_NOTE, **REPATRIATION)
    assert HandOver.objects.get(pk=handover.pk).travel_document == TRAVEL_DOCUMENT
    with connection.cursor() as cursor:
        cursor.execute("SELECT travel_document, consent_note FROM transfers_handover WHERE id = %s", [handover.pk])
        stored = cursor.fetchone()
    assert TRAVEL_DOCUMENT not in str(stored) and CONSENT_NOTE not in str(stored)
    for event in AuditEvent.objects.all():
        assert TRAVEL_DOCUMENT not in str(event.detail) and CONSENT_NOTE not in str(event.detail)
        assert "越南驻广州" not in str(event.detail)
    reasons = [row.history_change_reason or "" for model in (Case, HandOver) for row in model.history.all()]
    assert all(TRAVEL_DOCUMENT not in reason and CONSENT_NOTE not in reason for reason in reasons)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"destination": "moon"}, "destination"),
        ({"province_code": "99"}, "province_code"),
        ({"province_code": "35"}, "province_code"),  # the case's own province: a transfer, not a hand-over
        ({"province_code": ""}, "province_code"),
        ({"country": "VN"}, "country"),  # a country given for a province
        ({"travel_document": "X1"}, "travel_document"),
        ({**REPATRIATION, "country": "ZZ"}, "country"),
        ({**REPATRIATION, "country": "CN"}, "country"),
        ({**REPATRIATION, "embassy_contact": " "}, "embassy_contact"),
        ({**REPATRIATION, "travel_document": ""}, "travel_document"),
        ({**REPATRIATION, "province_code": "53"}, "province_code"),
        ({"receiving_agency": " "}, "receiving_agency"),
        ({"contact_office": ""}, "contact_office"),
        ({"receiving_agency": "机" * 129}, "receiving_agency"),
        ({"handed_over_on": TODAY + datetime.timedelta(days=1)}, "handed_over_on"),
        ({"handed_over_on": TODAY - datetime.timedelta(days=1)}, "handed_over_on"),  # before the case opened
        ({"handed_over_on": "2026-01-01"}, "handed_over_on"),
        ({"legal_basis": "whim"}, "legal_basis"),
        ({"consent": "maybe"}, "consent"),
        ({"consent": "not_obtainable"}, "consent_note"),
        ({"consent_note": "注" * 2001}, "consent_note"),
        ({"sections": []}, "sections"),
        ({"sections": ["person", "nonsense"]}, "sections"),
    ],
)
def test_each_refusal_names_its_field_and_changes_nothing(case, cast, overrides, field):
    with pytest.raises(RuleViolation) as refused:
        hand_over(case, cast.dave, **overrides)
    assert refused.value.field == field
    case.refresh_from_db()
    assert (case.stage, case.version, HandOver.objects.count()) == (Stage.REGISTERED, 1, 0)


@pytest.mark.django_db
def test_only_civil_affairs_within_reach_hands_over_at_the_version_read(case, cast):
    with pytest.raises(PermissionDenied):
        hand_over(case, cast.alice)
    with pytest.raises(NotFound):
        hand_over(case, cast.xavier)  # civil affairs of Xiamen: the case is absent
    with pytest.raises(StaleVersion):
        case_hand_over(actor=cast.dave, case=case, expected_version=case.version + 1, **body())
    assert HandOver.objects.count() == 0


@pytest.mark.django_db
def test_a_closed_or_transferred_case_cannot_be_handed_over(case, cast):
    closed = operations.case_close(actor=cast.dave, case=case, expected_version=1, **CLOSING)
    with pytest.raises(Conflict) as refused:
        hand_over(closed, cast.dave)
    assert refused.value.code == "invalid_stage_transition"
    reopened = operations.case_reopen(
        actor=cast.dave, case=closed, expected_version=closed.version, comment="本人再次求助（虚构）"
    )
    hand_over(reopened, cast.dave)
    reopened.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        hand_over(reopened, cast.dave)
    assert refused.value.code == "case_transferred"


@pytest.mark.django_db
def test_a_transferred_case_is_read_only_until_civil_affairs_reopens_it(case, cast):
    hand_over(case, cast.dave)
    case.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        operations.record_add(actor=cast.alice, case=case, model="dnasample", data={"collected_on": TODAY})
    assert refused.value.code == "case_transferred"
    with pytest.raises(Conflict) as refused:
        operations.victim_update(
            actor=cast.alice, case=case, expected_version=case.version, section="contacts", changes={"phone": "1"}
        )
    assert refused.value.code == "case_transferred"
    with pytest.raises(Conflict):
        operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)
    with pytest.raises(PermissionDenied):
        operations.case_reopen(actor=cast.alice, case=case, expected_version=case.version, comment="移交未成（虚构）")
    reopened = operations.case_reopen(
        actor=cast.dave, case=case, expected_version=case.version, comment="移交未成（虚构）"
    )
    assert reopened.stage == Stage.REGISTERED
    operations.victim_update(
        actor=cast.alice, case=reopened, expected_version=reopened.version, section="contacts",
        changes={"phone": "13800000000"},
    )  # fmt: skip
    assert HandOver.objects.filter(case=case).count() == 1  # the hand-over stays among the case's records
