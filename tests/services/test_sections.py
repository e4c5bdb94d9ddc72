"""The services' sections of the case file and their history, as each role may read them."""

from __future__ import annotations

import datetime

import pytest

from registry import casefile
from services import operations as services
from tests.services.conftest import TODAY
from victims.choices import Service

pytestmark = pytest.mark.django_db

ENROLMENT = {"school": "福州市鼓楼区某小学（虚构）", "grade": "四年级", "started_on": TODAY}


@pytest.fixture
def full_case(make_case, admit, refer, household, dna, returned, cast, places):
    """A 16-year-old (a training referral needs 16) sheltered, enrolled, trained, employed,
    reunified and visited once."""
    case = make_case(age=16)
    admit(case)
    refer(case, Service.SCHOOLING)
    refer(case, Service.TRAINING)
    services.enrollment_add(actor=cast.bob, case=case, data=ENROLMENT)
    next_year = TODAY + datetime.timedelta(days=366)
    training = {"provider": "某职校（虚构）", "programme": "面点", "started_on": next_year}
    services.training_add(actor=cast.frank, case=case, data=training)
    job = {"employer": "某餐馆（虚构）", "job_title": "学徒", "started_on": next_year, "verified": True}
    services.employment_add(actor=cast.frank, case=case, data=job)
    returned(case)
    return case


def test_each_section_shows_its_records_to_who_may_read_it(full_case, cast, places):
    alice = casefile.case_sections(cast.alice, full_case)
    (placement,) = alice["shelter"]
    assert placement["shelter"] == str(places.fz_shelter.uuid)
    assert placement["shelter_name"] == places.fz_shelter.name
    assert (placement["admitted_on"], placement["discharged_on"], placement["discharge_reason"]) == (
        TODAY.isoformat(), TODAY.isoformat(), "returned",
    )  # fmt: skip
    assert alice["schooling"][0]["school"] == ENROLMENT["school"]
    assert set(alice["training"]) == {"trainings", "employments"}
    assert alice["training"]["employments"][0]["verified_by"] == "frank"
    (plan,) = alice["return_home"]
    assert (plan["status"], plan["created_by"], plan["approved_by"]) == ("completed", "alice", "dave")
    assert [visit["status"] for visit in alice["follow_ups"]] == ["scheduled"] * 4
    bob = casefile.case_sections(cast.bob, full_case)
    assert "schooling" in bob and not {"shelter", "training", "return_home", "follow_ups"} & set(bob)
    frank = casefile.case_sections(cast.frank, full_case)
    assert "training" in frank and "schooling" not in frank
    dave = casefile.case_sections(cast.dave, full_case)
    assert {"shelter", "schooling", "training", "return_home", "follow_ups"} <= set(dave)


def test_the_history_shows_the_services_changes_by_section(full_case, cast):
    kinds = {entry["kind"] for entry in casefile.case_history(cast.alice, full_case)}
    assert {"shelterplacement", "schoolenrollment", "vocationaltraining", "employmentplacement", "returnplan",
            "followupvisit"} <= kinds  # fmt: skip
    bob = casefile.case_history(cast.bob, full_case)
    assert {entry["kind"] for entry in bob} & {"shelterplacement", "returnplan", "followupvisit"} == set()
    assert "schoolenrollment" in {entry["kind"] for entry in bob}
    completed = [e for e in casefile.case_history(cast.dave, full_case)
                 if e["kind"] == "returnplan" and e["reason"] == "return plan completed"]  # fmt: skip
    assert completed[0]["changes"]["status"] == "completed" and completed[0]["actor"] == "alice"
