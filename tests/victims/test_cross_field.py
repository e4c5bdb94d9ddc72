"""Cross-field checks of the victim file's records (issue 18, item 5): enforced by the
operations — so the API gets them too — and shown on the form, on the field they name."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from registry.errors import RuleViolation
from tests.victims.conftest import RESCUE, TODAY
from victims import operations
from victims.choices import ConsentGiver, Service

DAY = datetime.timedelta(days=1)
BEFORE_RESCUE = RESCUE["rescued_on"] - DAY


def add(cast, case, model, **data):
    return operations.record_add(actor=cast.alice, case=case, model=model, data=data)


def test_no_record_is_dated_before_the_persons_birth(cast, register):
    case = register(age=25)
    born = case.victim.birth_date
    with pytest.raises(RuleViolation) as refused:
        add(cast, case, "consent", service=Service.SCHOOLING, given_by=ConsentGiver.PERSON, given_on=born - DAY)
    assert refused.value.field == "given_on"
    add(cast, case, "consent", service=Service.SCHOOLING, given_by=ConsentGiver.PERSON, given_on=born)


def test_what_follows_a_rescue_is_not_dated_before_it(cast, register):
    case = register()
    with pytest.raises(RuleViolation) as refused:
        add(cast, case, "healthassessment", assessed_on=BEFORE_RESCUE, assessor="福州市第一医院")
    assert refused.value.field == "assessed_on" and RESCUE["rescued_on"].isoformat() in refused.value.message
    add(cast, case, "healthassessment", assessed_on=RESCUE["rescued_on"], assessor="福州市第一医院")
    # A rescue itself may come before the first one (the case's first rescue moves back).
    add(cast, case, "rescue", **{**RESCUE, "rescued_on": BEFORE_RESCUE})


def test_an_amendment_is_held_to_the_same_order(cast, register):
    case = register()
    record = add(cast, case, "healthassessment", assessed_on=TODAY, assessor="福州市第一医院")
    with pytest.raises(RuleViolation) as refused:
        operations.record_amend(actor=cast.alice, record=record, expected_version=1,
                                changes={"assessed_on": BEFORE_RESCUE})  # fmt: skip
    assert refused.value.field == "assessed_on"


def test_a_span_does_not_end_before_it_starts(cast, register):
    case = register()
    with pytest.raises(RuleViolation) as refused:
        add(cast, case, "dnasample", collected_on=TODAY, collected_by="福州市公安局", submitted_on=TODAY - DAY)
    assert refused.value.field == "submitted_on"


@pytest.mark.parametrize(("age", "refused"), [(15, True), (16, False)])
def test_a_training_referral_is_only_for_a_person_of_sixteen_or_more(cast, places, register, consent, age, refused):
    case = register(age=age)
    consent(case, Service.TRAINING)
    refer = dict(actor=cast.alice, case=case, service=Service.TRAINING, to_organization=places.fz_labor)
    if refused:
        with pytest.raises(RuleViolation) as refusal:
            operations.referral_create(**refer)
        assert (refusal.value.field, refusal.value.code) == ("service", "under_minimum_age")
    else:
        assert operations.referral_create(**refer).service == Service.TRAINING


def test_the_api_answers_a_date_before_the_rescue_with_400_naming_the_field(cast, api_client_for, register):
    case = register()
    url = reverse("case-record-list", kwargs={"id": case.uuid, "kind": "healthassessment"})
    body = {"assessed_on": BEFORE_RESCUE.isoformat(), "assessor": "福州市第一医院"}
    response = api_client_for(cast.alice).post(url, body, format="json")
    assert response.status_code == 400 and "assessed_on" in response.json()["fields"]


def test_the_form_shows_the_refusal_on_its_field_and_in_the_summary(client, cast, register):
    case = register()
    client.force_login(cast.alice)
    url = reverse("victims:record-add", args=[case.uuid, "healthassessment"])
    body = {"assessed_on": BEFORE_RESCUE.isoformat(), "assessor": "福州市第一医院", "physical": "", "psychological": ""}
    page = client.post(url, {**body, "needs": ""}).content.decode()
    assert 'class="field field--error" id="field-assessed_on"' in page
    assert re.search(r'id="form-errors" tabindex="-1">.*<a href="#id_assessed_on">', page, re.DOTALL)
