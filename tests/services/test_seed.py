"""``seed_demo``'s services step (``services.seed``): stays in shelters, schooling, training, return
plans in every status and follow-up visits, recorded through the operations by the demo users
whose job they are — and the demo (the default 200 victims of ``make run``) shows every alert on
the Fuzhou dashboards. The tests read the demo seeded once for every module that reads it
(``seeded_demo``, tests/conftest.py)."""

import re

from django.db.models import Count, Q
from django.test import Client

from registry.choices import Role
from registry.models import AuditAction, AuditEvent, User
from services.choices import Pathway, ReturnPlanStatus, TrainingOutcome, Wish
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from services.seed import seed_services
from victims.choices import DNAMatch, Ending, ReferralStatus, Service, Stage
from victims.models import Case, DNASample, Referral
from victims.operations import victim_age
from victims.validation import today

MODELS = (ShelterPlacement, SchoolEnrollment, VocationalTraining, EmploymentPlacement, ReturnPlan, FollowUpVisit)


def city(case) -> str:
    return case.jurisdiction.code[:4]


SUFFIX = {"3501": "fz", "3502": "xm"}


def test_the_fuzhou_dashboards_show_every_alert(seeded_demo, db):
    panels = {
        "caseworker_fz": ("overdue-count", "upcoming-count", "not-enrolled-count", "nearly-full-count"),
        "civil_affairs_fz": ("overdue-count", "return-approvals-count", "not-enrolled-count", "nearly-full-count"),
        "education_fz": ("not-enrolled-count",),
    }
    for username, counts in panels.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        body = client.get("/").content.decode()
        for ident in counts:
            found = re.search(rf'id="{ident}">(\d+)<', body)
            assert found and int(found.group(1)) > 0, (username, ident)


def test_no_shelter_holds_more_than_its_beds_and_each_stay_is_in_the_cases_city(seeded_demo, db):
    stays = ShelterPlacement.objects.select_related("shelter__jurisdiction", "case__jurisdiction")
    assert stays.count() > 50
    for stay in stays:
        assert stay.shelter.jurisdiction.code == city(stay.case)
        assert stay.admitted_on <= today() and stay.admitted_on >= stay.case.opened_on
    open_stays = ShelterPlacement.objects.filter(discharged_on__isnull=True).values("shelter")
    for row in open_stays.annotate(n=Count("id")):
        shelter = ShelterPlacement.objects.filter(shelter=row["shelter"]).first().shelter
        assert row["n"] <= shelter.capacity, shelter.name


def test_children_stay_in_the_childrens_welfare_institution(seeded_demo, db):
    for stay in ShelterPlacement.objects.select_related("shelter", "case__victim"):
        if victim_age(stay.case.victim, on=stay.admitted_on) < 18:
            assert stay.shelter.kind == "children_welfare"


def test_each_write_is_the_job_of_the_citys_demo_user(seeded_demo, db):
    expected = {
        ShelterPlacement: Role.CASEWORKER,
        SchoolEnrollment: Role.EDUCATION,
        VocationalTraining: Role.LABOR,
        EmploymentPlacement: Role.LABOR,
        ReturnPlan: Role.CASEWORKER,
    }
    for model, role in expected.items():
        rows = model.objects.select_related("case__jurisdiction")
        assert rows.exists(), model.__name__
        for row in rows:
            first = row.history.earliest("history_id")
            assert first.history_user.username == f"{role.value}_{SUFFIX[city(row.case)]}", model.__name__
            assert AuditEvent.objects.filter(
                action=AuditAction.RECORD_CREATED, case_uuid=row.case.uuid, actor_username=first.history_user.username
            ).exists()


def test_return_plans_in_every_status_in_each_city(seeded_demo, db):
    for code in SUFFIX:
        statuses = set(
            ReturnPlan.objects.filter(case__jurisdiction__code__startswith=code).values_list("status", flat=True)
        )
        assert statuses == set(ReturnPlanStatus), code
    waiting = ReturnPlan.objects.filter(
        status=ReturnPlanStatus.AWAITING_APPROVAL, case__jurisdiction__code__startswith="3501"
    )
    assert {plan.created_by.username for plan in waiting} == {"caseworker_fz"}  # for civil_affairs_fz to approve


def test_the_seeded_plans_obey_the_rules(seeded_demo, db):
    plans = ReturnPlan.objects.select_related("case__victim", "case__jurisdiction", "household", "approved_by")
    for plan in plans:
        plan.full_clean()
        if plan.approved_by_id:
            assert plan.approved_by.role == Role.CIVIL_AFFAIRS and plan.approved_by_id != plan.created_by_id
        minor = victim_age(plan.case.victim) < 18
        if minor:
            assert plan.household is None or not plan.household.is_purchaser
        if minor and plan.pathway == Pathway.FAMILY_REUNIFICATION:
            assert DNASample.objects.filter(
                case=plan.case, match=DNAMatch.CONFIRMED, submitted_on__isnull=False
            ).exists()
        if plan.pathway == Pathway.REPATRIATION:
            assert plan.case.victim.nationality != "CN" and plan.police_unit and plan.civil_affairs_unit
        if plan.status == ReturnPlanStatus.COMPLETED:
            # returned, or closed since as returned home (issue 16)
            assert (plan.case.stage, plan.case.ending) in {(Stage.RETURNED, ""), (Stage.CLOSED, Ending.RETURNED_HOME)}
            assert plan.escort and plan.receiving_party
            assert plan.visits.count() == 4
            assert not ShelterPlacement.objects.filter(case=plan.case, discharged_on__isnull=True).exists()
        # the person's voice (issue 16): every plan records the wish, a minor's the best interests
        assert plan.wish and plan.wish_recorded_on and plan.wish != Wish.DISAGREES
        if minor:
            assert plan.bid_on and plan.bid_assessed_by and plan.bid_conclusion
    assert {plan.pathway for plan in plans} >= {Pathway.INSTITUTIONAL_CARE, Pathway.FAMILY_REUNIFICATION}


def test_in_each_city_a_case_is_closed_as_returned_home_once_its_visits_are_done_or_waived(seeded_demo, db):
    for code in SUFFIX:
        closed = Case.objects.filter(jurisdiction__code__startswith=code, ending=Ending.RETURNED_HOME)
        assert closed.exists(), code
        for case in closed:
            assert case.stage == Stage.CLOSED
            assert not FollowUpVisit.objects.filter(case=case, visited_on__isnull=True, waived_on__isnull=True)


def test_follow_up_visits_are_overdue_done_and_waived_in_fuzhou(seeded_demo, db):
    visits = FollowUpVisit.objects.filter(case__jurisdiction__code__startswith="3501").select_related("waived_by")
    day = today()
    assert visits.filter(due_on__lt=day, visited_on__isnull=True, waived_on__isnull=True).exists()
    done = visits.filter(visited_on__isnull=False)
    assert done.exists() and all(visit.visited_on <= day and visit.visitor for visit in done)
    waived = visits.filter(waived_on__isnull=False)
    assert waived.exists()
    assert all(visit.waived_by.username == "civil_affairs_fz" and visit.waiver_reason for visit in waived)


def test_enrolments_and_trainings_follow_accepted_referrals_and_the_age_rules(seeded_demo, db):
    for enrollment in SchoolEnrollment.objects.select_related("case__victim"):
        assert victim_age(enrollment.case.victim, on=enrollment.started_on) < 18
        assert Referral.objects.filter(
            case=enrollment.case, service=Service.SCHOOLING, status=ReferralStatus.ACCEPTED
        ).exists()
    for record in [*VocationalTraining.objects.select_related("case__victim"),
                   *EmploymentPlacement.objects.select_related("case__victim")]:  # fmt: skip
        assert victim_age(record.case.victim, on=record.started_on) >= 16
        assert Referral.objects.filter(
            case=record.case, service=Service.TRAINING, status=ReferralStatus.ACCEPTED
        ).exists()
        assert record.started_on <= today()
    trainings = VocationalTraining.objects.all()
    assert trainings.filter(outcome=TrainingOutcome.COMPLETED, certificate__isnull=False).exists()
    assert EmploymentPlacement.objects.filter(verified_by__isnull=False).exists()


def test_the_children_in_shelter_longer_than_30_days_are_not_all_enrolled(seeded_demo, db):
    # the "not enrolled" alert has something to show, and enrolment did happen for others
    assert SchoolEnrollment.objects.exists()
    sheltered_children = ShelterPlacement.objects.filter(
        discharged_on__isnull=True, shelter__kind="children_welfare"
    ).exclude(Q(case__schoolenrollments__isnull=False))
    assert sheltered_children.exists()


def test_a_second_run_adds_nothing(seeded_demo, db):
    before = [model.objects.count() for model in MODELS]
    result = seed_services(seed=1)
    assert [model.objects.count() for model in MODELS] == before
    assert result.admitted == 0 and not result.plans and result.present > 0


def test_the_output_counts_the_services(seeded_demo, db):
    admitted = ShelterPlacement.objects.filter(transferred_from__isnull=True).count()
    assert f"services: {admitted} admitted to shelters, {ReturnPlan.objects.count()} return plans" in seeded_demo
