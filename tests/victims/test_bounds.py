"""Bounds of the victim file (issue 13 item 9): a case holds at most
``REGISTRY_MAX_RECORDS_PER_KIND`` records of each kind (409 ``too_many_records``, whichever way
the record comes), and every free text is bounded by its model field — through the API, the
pages, the operations and a bare save alike (400 naming the field, never a 500)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import transaction
from django.urls import reverse

from registry.errors import Conflict, RuleViolation
from registry.fields import MAX_TEXT_LENGTH
from registry.history import recorded_change
from tests.transfers.test_handover_operations import body as handover_body
from tests.victims.conftest import RESCUE, TODAY, person
from transfers.handover.operations import case_hand_over
from victims import operations
from victims.choices import ConsentGiver, Service
from victims.models import Case, Referral, Rescue, Victim

pytestmark = pytest.mark.django_db

TOO_LONG = "长" * (MAX_TEXT_LENGTH + 1)


def _consent(case, actor, service=Service.SCHOOLING):
    data = {"service": service, "given_by": ConsentGiver.PERSON, "given_on": TODAY}
    return operations.record_add(actor=actor, case=case, model="consent", data=data)


# --- records per case and kind ----------------------------------------------------------------


def test_a_case_takes_records_of_a_kind_up_to_the_bound_then_409(register, cast, settings):
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 2
    case = register(seed=71)  # its rescue is the first of its kind
    operations.record_add(actor=cast.alice, case=case, model="rescue", data=dict(RESCUE))

    with pytest.raises(Conflict) as refused:
        operations.record_add(actor=cast.alice, case=case, model="rescue", data=dict(RESCUE))
    assert refused.value.code == "too_many_records" and "2" in refused.value.message
    assert Rescue.objects.filter(case=case).count() == 2
    # The bound is per kind: another kind of record still fits.
    assert _consent(case, cast.alice).case_id == case.pk


def test_the_api_answers_409_too_many_records_and_saves_nothing(register, cast, api_client_for, settings):
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 1
    case = register(seed=72)
    url = reverse("case-record-list", kwargs={"id": case.uuid, "kind": "rescue"})
    response = api_client_for(cast.alice).post(url, json.loads(json.dumps(RESCUE, default=str)), format="json")

    assert (response.status_code, response.json()["code"]) == (409, "too_many_records")
    assert Rescue.objects.filter(case=case).count() == 1


def test_the_record_page_shows_the_bound_and_saves_nothing(register, client, cast, settings):
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 1
    case = register(seed=73)
    client.force_login(cast.alice)
    body = {**{name: str(value) for name, value in RESCUE.items()}}
    response = client.post(reverse("victims:record-add", args=[case.uuid, "rescue"]), body)

    assert response.status_code == 200
    assert Rescue.objects.filter(case=case).count() == 1


def test_referrals_of_a_case_are_bounded_too(register, cast, places, settings):
    case = register(seed=74)
    _consent(case, cast.alice, Service.SCHOOLING)
    _consent(case, cast.alice, Service.TRAINING)
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 1
    operations.referral_create(
        actor=cast.alice, case=case, service=Service.SCHOOLING, to_organization=places.fz_education
    )

    with pytest.raises(Conflict) as refused:
        operations.referral_create(
            actor=cast.alice, case=case, service=Service.TRAINING, to_organization=places.fz_labor
        )
    assert refused.value.code == "too_many_records"
    assert Referral.objects.filter(case=case).count() == 1


# --- free text ----------------------------------------------------------------------------------


def test_an_operation_refuses_free_text_beyond_the_bound_naming_the_field(register, cast):
    case = register(seed=75)

    with pytest.raises(RuleViolation) as refused:
        operations.record_add(actor=cast.alice, case=case, model="rescue", data={**RESCUE, "circumstances": TOO_LONG})
    assert refused.value.field == "circumstances"
    assert Rescue.objects.filter(case=case).count() == 1

    longest = "长" * MAX_TEXT_LENGTH
    added = operations.record_add(
        actor=cast.alice, case=case, model="rescue", data={**RESCUE, "circumstances": longest}
    )
    assert Rescue.objects.get(pk=added.pk).circumstances == longest


def test_registration_refuses_an_overlong_address_naming_it(places, cast):
    with pytest.raises(RuleViolation) as refused:
        operations.case_register(actor=cast.alice, victim=person(76, address=TOO_LONG), jurisdiction=places.gulou)
    assert refused.value.field == "address"
    assert not Victim.objects.exists()


@pytest.mark.parametrize(
    "aliases",
    [["别名"] * 21, ["长" * 201], "不是列表", [{"nested": "别名"}]],
    ids=["too-many", "too-long", "not-a-list", "not-names"],
)
def test_other_names_are_a_bounded_list_of_names(places, cast, register, aliases):
    with pytest.raises(RuleViolation) as refused:
        operations.case_register(actor=cast.alice, victim=person(77, aliases=aliases), jurisdiction=places.gulou)
    assert refused.value.field == "aliases"

    case = register(seed=78)
    with pytest.raises(RuleViolation) as refused:
        operations.victim_update(
            actor=cast.alice, case=case, expected_version=1, section="identity", changes={"aliases": aliases}
        )
    assert refused.value.field == "aliases"


def test_a_referral_answer_and_a_transfer_reason_are_bounded_naming_their_input(register, cast, places):
    case = register(seed=79)
    _consent(case, cast.alice)
    referral = operations.referral_create(
        actor=cast.alice, case=case, service=Service.SCHOOLING, to_organization=places.fz_education
    )

    with pytest.raises(RuleViolation) as refused:
        operations.referral_respond(actor=cast.bob, referral=referral, decision="accept", note=TOO_LONG)
    assert refused.value.field == "note"
    assert Referral.objects.get(pk=referral.pk).status == "pending"

    with pytest.raises(RuleViolation) as refused:
        case_hand_over(
            actor=cast.dave, case=case, expected_version=case.version,
            **handover_body(consent="not_obtainable", consent_note=TOO_LONG),
        )  # fmt: skip
    assert refused.value.field == "consent_note"
    assert Case.objects.get(pk=case.pk).stage == "registered"


def test_a_save_that_skipped_every_check_still_refuses_overlong_text(register, cast):
    """The field itself refuses it at save: no write path can store unbounded text."""
    rescue = Rescue.objects.get(case=register(seed=80))
    rescue.circumstances = TOO_LONG
    with pytest.raises(RuleViolation) as refused, transaction.atomic(), recorded_change(actor=cast.alice, reason="t"):
        rescue.save()
    assert refused.value.field == "circumstances"
    assert Rescue.objects.get(pk=rescue.pk).circumstances == RESCUE["circumstances"]


def test_the_api_refuses_overlong_text_with_400_naming_the_field(register, cast, api_client_for):
    case = register(seed=81)
    url = reverse("case-record-list", kwargs={"id": case.uuid, "kind": "healthassessment"})
    body = {"assessed_on": TODAY.isoformat(), "assessor": "医院", "needs": TOO_LONG}
    response = api_client_for(cast.alice).post(url, body, format="json")

    assert response.status_code == 400 and "needs" in response.json()["fields"]
    assert TOO_LONG not in response.content.decode()


def test_the_page_refuses_overlong_text_naming_the_field(register, client, cast):
    case = register(seed=82)
    client.force_login(cast.alice)
    body = {"assessed_on": (TODAY - datetime.timedelta(days=1)).isoformat(), "assessor": "医院", "needs": TOO_LONG}
    response = client.post(reverse("victims:record-add", args=[case.uuid, "healthassessment"]), body)

    assert response.status_code == 200 and 'id="id_needs"' in response.content.decode()
    assert not case.healthassessments.exists()
