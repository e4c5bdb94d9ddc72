"""The canary: a unique string in every encrypted field of the services, written through the
operations — and not one of them is found in clear in the database (records, history, audit
log) nor in any log record."""

from __future__ import annotations

import datetime
import logging

import pytest

from services import operations as services
from services.choices import Pathway
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from tests.helpers import assert_history_holds_only_ciphertext, assert_not_stored
from tests.services.conftest import TODAY, plan_data
from victims.choices import Ending, Service
from victims.models import Case
from victims.operations import case_close

TAG = "9c2e7b"


@pytest.mark.django_db(transaction=True)
def test_no_value_of_an_encrypted_field_is_stored_or_logged_in_clear(make_case, admit, refer, shelter, cast, caplog):
    caplog.set_level(logging.DEBUG)
    secret = {name: f"金丝雀{TAG}{name}" for name in (
        "placement_notes", "transfer_notes", "school", "follow_up_notes", "provider", "certificate", "employer",
        "receiving_party", "escort", "plan_notes", "handover_record", "cancellation_reason", "living_conditions",
        "needs", "waiver_reason", "receiving_party_2", "grade", "grade_2", "programme", "programme_2", "job_title",
        "police_unit", "civil_affairs_unit", "police_unit_2", "civil_affairs_unit_2", "visitor",
        "wish_statement", "wish_statement_2", "bid_assessed_by", "bid_conclusion", "bid_conclusion_2",
        "closure_comment",
    )}  # fmt: skip
    case = make_case(age=16)  # a training referral needs 16
    first = admit(case, admitted_on=TODAY - datetime.timedelta(days=5), notes=secret["placement_notes"])
    services.placement_transfer(actor=cast.alice, placement=first, expected_version=1, to_shelter=shelter(3),
                                notes=secret["transfer_notes"])  # fmt: skip
    refer(case, Service.SCHOOLING)
    refer(case, Service.TRAINING)
    enrolment = services.enrollment_add(actor=cast.bob, case=case, data={
        "school": secret["school"], "grade": secret["grade"], "started_on": TODAY,
        "follow_up_notes": "初稿"})  # fmt: skip
    services.enrollment_amend(actor=cast.bob, enrollment=enrolment, expected_version=1, changes={
        "follow_up_notes": secret["follow_up_notes"], "grade": secret["grade_2"]})  # fmt: skip
    later = TODAY + datetime.timedelta(days=366)
    training = services.training_add(actor=cast.frank, case=case, data={
        "provider": secret["provider"], "programme": secret["programme"], "started_on": later})  # fmt: skip
    services.training_amend(actor=cast.frank, training=training, expected_version=1, changes={
        "outcome": "completed", "certificate": secret["certificate"], "programme": secret["programme_2"]})  # fmt: skip
    services.employment_add(actor=cast.frank, case=case, data={
        "employer": secret["employer"], "job_title": secret["job_title"], "started_on": later})  # fmt: skip
    cancelled = services.return_plan_create(actor=cast.alice, case=case, data=plan_data(
        receiving_party=secret["receiving_party_2"], police_unit=secret["police_unit_2"],
        civil_affairs_unit=secret["civil_affairs_unit_2"], wish_statement=secret["wish_statement_2"]))  # fmt: skip
    cancelled = services.return_plan_amend(actor=cast.alice, plan=cancelled, expected_version=1, changes={
        "bid_conclusion": secret["bid_conclusion_2"]})  # fmt: skip
    services.return_plan_cancel(actor=cast.alice, plan=cancelled, expected_version=2,
                                reason=secret["cancellation_reason"])  # fmt: skip
    plan = services.return_plan_create(actor=cast.alice, case=case, data=plan_data(
        Pathway.INSTITUTIONAL_CARE, receiving_party=secret["receiving_party"], escort=secret["escort"],
        notes=secret["plan_notes"], police_unit=secret["police_unit"],
        civil_affairs_unit=secret["civil_affairs_unit"], wish_statement=secret["wish_statement"],
        bid_assessed_by=secret["bid_assessed_by"], bid_conclusion=secret["bid_conclusion"]))  # fmt: skip
    plan = services.return_plan_approve(actor=cast.dave, plan=plan, expected_version=1)
    services.return_plan_complete(actor=cast.alice, plan=plan, expected_version=2, handover_on=TODAY,
                                  handover_record=secret["handover_record"])  # fmt: skip
    first_visit, second_visit, *_ = FollowUpVisit.objects.filter(case=case).order_by("due_on")
    services.visit_record(actor=cast.alice, visit=first_visit, expected_version=1, changes={
        "visited_on": TODAY, "visitor": secret["visitor"], "living_conditions": secret["living_conditions"],
        "needs": secret["needs"]})  # fmt: skip
    services.visit_waive(actor=cast.dave, visit=second_visit, expected_version=1, reason=secret["waiver_reason"])
    for visit in FollowUpVisit.objects.filter(case=case, visited_on__isnull=True, waived_on__isnull=True):
        services.visit_waive(actor=cast.dave, visit=visit, expected_version=1, reason="迁居外省（虚构）")
    case.refresh_from_db()  # closed as returned home, with civil affairs' comment
    closed = case_close(actor=cast.dave, case=case, expected_version=case.version, comment=secret["closure_comment"])
    assert (closed.ending, closed.closure_comment) == (Ending.RETURNED_HOME, secret["closure_comment"])

    assert_not_stored(*secret.values())
    for model in (ShelterPlacement, SchoolEnrollment, VocationalTraining, EmploymentPlacement, ReturnPlan,
                  FollowUpVisit, Case):  # fmt: skip
        assert_history_holds_only_ciphertext(model)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(value in logged for value in secret.values())
