"""School enrolment, vocational training and employment (DESIGN §2 rules 1–2): the age limits,
the receiving departments' write rule, and the alert for children not enrolled."""

from __future__ import annotations

import datetime

import pytest

from registry.errors import NotFound, PermissionDenied, RuleViolation, StaleVersion
from registry.models import AuditAction, AuditEvent
from services import operations as services
from services import selectors
from services.models import EmploymentPlacement, SchoolEnrollment, VocationalTraining
from tests.services.conftest import TODAY, days_ago
from victims import operations
from victims.choices import DocumentType, Service

pytestmark = pytest.mark.django_db

ENROLMENT = {"school": "福州市鼓楼区某小学（虚构）", "grade": "四年级", "started_on": TODAY}
TRAINING = {"provider": "福州市某职业培训学校（虚构）", "programme": "中式烹调师", "started_on": TODAY}
JOB = {"employer": "福州市某餐饮有限公司（虚构）", "job_title": "厨师助理", "started_on": TODAY}


def years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def referred(make_case, refer, service, **victim):
    case = make_case(**victim)
    refer(case, service)
    return case


# --- schooling: minors only -------------------------------------------------------------------


def test_education_enrols_a_child_with_history_and_audit(make_case, refer, cast):
    case = referred(make_case, refer, Service.SCHOOLING, age=10)
    enrolment = services.enrollment_add(actor=cast.bob, case=case, data=ENROLMENT)
    assert (enrolment.school, enrolment.grade, enrolment.attendance) == (ENROLMENT["school"], "四年级", "regular")
    assert enrolment.history.get().history_user == cast.bob
    event = AuditEvent.objects.filter(case_uuid=case.uuid).last()
    assert (event.action, event.sections, event.detail["model"]) == (
        AuditAction.RECORD_CREATED, ["schooling"], "schoolenrollment",
    )  # fmt: skip
    amended = services.enrollment_amend(actor=cast.bob, enrollment=enrolment, expected_version=1,
                                        changes={"attendance": "irregular", "follow_up_notes": "常缺课"})  # fmt: skip
    assert (amended.version, amended.attendance) == (2, "irregular")
    with pytest.raises(StaleVersion):
        services.enrollment_amend(actor=cast.bob, enrollment=enrolment, expected_version=1, changes={"grade": "五年级"})


def test_school_enrolment_is_for_minors_on_the_start_date(make_case, refer, cast):
    case = referred(make_case, refer, Service.SCHOOLING, age=17)
    eighteenth = years_after(case.victim.birth_date, 18)
    with pytest.raises(RuleViolation) as refused:
        services.enrollment_add(actor=cast.bob, case=case, data={**ENROLMENT, "started_on": eighteenth})
    assert (refused.value.field, refused.value.code) == ("started_on", "not_a_minor")
    the_day_before = eighteenth - datetime.timedelta(days=1)
    enrolment = services.enrollment_add(actor=cast.bob, case=case, data={**ENROLMENT, "started_on": the_day_before})
    with pytest.raises(RuleViolation):  # moving the start date is held to the rule again
        services.enrollment_amend(actor=cast.bob, enrollment=enrolment, expected_version=1,
                                  changes={"started_on": eighteenth})  # fmt: skip


def test_an_adult_is_not_enrolled(make_case, refer, cast):
    case = referred(make_case, refer, Service.SCHOOLING, age=25)
    with pytest.raises(RuleViolation) as refused:
        services.enrollment_add(actor=cast.bob, case=case, data=ENROLMENT)
    assert refused.value.code == "not_a_minor"
    assert not SchoolEnrollment.objects.exists()


def test_without_a_birth_date_the_age_rules_cannot_be_checked_and_refuse(make_case, refer, cast):
    case = make_case(document_type=DocumentType.NONE, id_number=None)
    assert case.victim.birth_date is None
    refer(case, Service.SCHOOLING)
    refer(case, Service.TRAINING)
    with pytest.raises(RuleViolation) as schooling:
        services.enrollment_add(actor=cast.bob, case=case, data=ENROLMENT)
    with pytest.raises(RuleViolation) as training:
        services.training_add(actor=cast.frank, case=case, data=TRAINING)
    assert schooling.value.code == training.value.code == "age_unknown"
    # An estimated birth date (recorded by the caseworker) is enough.
    operations.victim_update(actor=cast.alice, case=case, expected_version=case.version, section="identity",
                             changes={"birth_date": days_ago(365 * 12), "birth_date_estimated": True})  # fmt: skip
    assert services.enrollment_add(actor=cast.bob, case=case, data=ENROLMENT).pk


# --- the receiving department writes only with an accepted referral --------------------------


@pytest.mark.parametrize(
    ("status", "code"), [("pending", "referral_not_accepted"), ("completed", "referral_completed")]
)
def test_education_writes_only_while_its_referral_is_accepted(make_case, refer, cast, status, code):
    case = make_case(age=10)
    refer(case, Service.SCHOOLING, status=status)
    with pytest.raises(PermissionDenied) as refused:
        services.enrollment_add(actor=cast.bob, case=case, data=ENROLMENT)
    assert refused.value.code == code


def test_a_completed_referral_leaves_the_enrolment_read_only_for_education(make_case, refer, cast):
    case = make_case(age=10)
    referral = refer(case, Service.SCHOOLING)
    enrolment = services.enrollment_add(actor=cast.bob, case=case, data=ENROLMENT)
    operations.referral_respond(actor=cast.bob, referral=referral, decision="complete")
    with pytest.raises(PermissionDenied) as refused:
        services.enrollment_amend(actor=cast.bob, enrollment=enrolment, expected_version=1, changes={"grade": "五年级"})
    assert refused.value.code == "referral_completed"


def test_a_referral_for_another_service_gives_no_right_to_write(make_case, refer, cast):
    case = make_case(age=16)
    refer(case, Service.SCHOOLING)
    with pytest.raises(NotFound):  # labour sees no case without its own referral
        services.training_add(actor=cast.frank, case=case, data=TRAINING)


def test_roles_that_only_read_schooling_cannot_enrol(make_case, refer, cast):
    case = referred(make_case, refer, Service.SCHOOLING, age=10)
    for member in (cast.alice, cast.dave, cast.frank):
        with pytest.raises(PermissionDenied):
            services.enrollment_add(actor=member, case=case, data=ENROLMENT)


# --- training and employment: 16 or older on the start date ---------------------------------


def test_training_starts_at_sixteen(make_case, refer, cast):
    case = referred(make_case, refer, Service.TRAINING, age=16)  # a training referral needs 16
    sixteenth = years_after(case.victim.birth_date, 16)
    with pytest.raises(RuleViolation) as refused:
        services.training_add(actor=cast.frank, case=case,
                              data={**TRAINING, "started_on": sixteenth - datetime.timedelta(days=1)})  # fmt: skip
    assert (refused.value.field, refused.value.code) == ("started_on", "under_minimum_age")
    training = services.training_add(actor=cast.frank, case=case, data={**TRAINING, "started_on": sixteenth})
    assert training.started_on == sixteenth


def test_a_job_is_placed_from_sixteen_and_verified_by_the_labour_officer(make_case, refer, cast):
    case = referred(make_case, refer, Service.TRAINING, age=16)  # a training referral needs 16
    sixteenth = years_after(case.victim.birth_date, 16)
    with pytest.raises(RuleViolation) as refused:
        services.employment_add(actor=cast.frank, case=case,
                                data={**JOB, "started_on": sixteenth - datetime.timedelta(days=1)})  # fmt: skip
    assert refused.value.code == "under_minimum_age"
    job = services.employment_add(actor=cast.frank, case=case, data={**JOB, "started_on": sixteenth})
    assert (job.verified_by, job.verified_on) == (None, None)
    job = services.employment_amend(actor=cast.frank, employment=job, expected_version=1, changes={"verified": True})
    assert (job.verified_by, job.verified_on, job.version) == (cast.frank, TODAY, 2)
    assert EmploymentPlacement.objects.get(pk=job.pk).verified_by == cast.frank


def test_a_certificate_needs_a_completed_training(make_case, refer, cast):
    case = referred(make_case, refer, Service.TRAINING, age=20)
    with pytest.raises(RuleViolation):
        services.training_add(actor=cast.frank, case=case, data={**TRAINING, "certificate": "证书编号 123"})
    training = services.training_add(actor=cast.frank, case=case, data={**TRAINING, "certificate": ""})
    assert training.certificate is None
    done = services.training_amend(
        actor=cast.frank,
        training=training,
        expected_version=1,
        changes={"outcome": "completed", "ended_on": TODAY, "certificate": "证书编号 123"},
    )
    assert (done.outcome, done.certificate) == ("completed", "证书编号 123")  # fmt: skip


def test_an_end_before_the_start_is_refused(make_case, refer, cast):
    case = referred(make_case, refer, Service.TRAINING, age=20)
    with pytest.raises(RuleViolation):
        services.training_add(actor=cast.frank, case=case, data={**TRAINING, "ended_on": days_ago(1)})
    assert not VocationalTraining.objects.exists()


def test_unknown_fields_are_refused_by_name(make_case, refer, cast):
    case = referred(make_case, refer, Service.TRAINING, age=20)
    with pytest.raises(RuleViolation) as refused:
        services.training_add(actor=cast.frank, case=case, data={**TRAINING, "case": 1})
    assert refused.value.field == "case"


# --- the alert: a school-age child in shelter for more than 30 days, not enrolled ------------


def test_a_school_age_child_in_shelter_over_30_days_without_enrolment_raises_the_alert(
    make_case, admit, refer, shelter, cast
):
    waiting = make_case(age=9)
    admit(waiting, admitted_on=days_ago(31))
    recent = make_case(age=9)
    admit(recent, admitted_on=days_ago(30))
    too_young, too_old = make_case(age=5), make_case(age=16)
    for case in (too_young, too_old):
        admit(case, admitted_on=days_ago(60))
    enrolled = make_case(age=12)
    admit(enrolled, admitted_on=days_ago(60))
    refer(enrolled, Service.SCHOOLING)
    services.enrollment_add(actor=cast.bob, case=enrolled, data=ENROLMENT)
    # Transferred after 40 days in shelter: the stay is continuous, the alert stands.
    moved = make_case(age=7)
    first = admit(moved, admitted_on=days_ago(40))
    services.placement_transfer(actor=cast.alice, placement=first, expected_version=1, to_shelter=shelter(3),
                                transferred_on=days_ago(3))  # fmt: skip

    alerts = selectors.children_not_enrolled(cast.alice)
    assert [(item["case"], item["sheltered_since"]) for item in alerts] == [
        (moved, days_ago(40)), (waiting, days_ago(31)),
    ]  # fmt: skip
    assert {item["case"] for item in selectors.children_not_enrolled(cast.dave)} == {moved, waiting}
    assert selectors.children_not_enrolled(cast.carol) == []
    assert selectors.children_not_enrolled(cast.frank) == []  # labour may not read schooling
    # Education sees only referred children.
    refer(waiting, Service.SCHOOLING)
    assert [item["case"] for item in selectors.children_not_enrolled(cast.bob)] == [waiting]


def test_labour_writes_only_while_its_referral_is_accepted(make_case, refer, cast):
    case = make_case(age=20)
    referral = refer(case, Service.TRAINING, status="pending")
    with pytest.raises(PermissionDenied) as pending:
        services.employment_add(actor=cast.frank, case=case, data=JOB)
    assert pending.value.code == "referral_not_accepted"
    operations.referral_respond(actor=cast.frank, referral=referral, decision="accept")
    job = services.employment_add(actor=cast.frank, case=case, data=JOB)
    assert job.pk and job.history.get().history_user == cast.frank
