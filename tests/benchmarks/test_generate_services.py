"""The rules of the services and legal aid operations hold in generated data at scale.

``test_generate.py`` holds the generator to the operations row by row for a few dozen people;
here a few hundred people are generated (bulk only, fast) into shelters with few beds, so that
every shelter fills up, and the rules the operations enforce are checked on what was written:
capacity, one stay at a time without overlap, the age limits, referrals accepted, no purchasing
household and a DNA match for a child's return, four eyes, cases closed only when closable,
matters only from accepted referrals — and one history row per save, with the operations'
reasons.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from django.db.models import Count, Q

from benchmarks.generate import generate, seed_reference_data
from benchmarks.journeys import services as services_journey
from legal_aid.choices import MatterStatus, Outcome
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry.audit import verify_chain
from registry.choices import RESIDENTIAL_KINDS, Role
from registry.models import Organization
from services.choices import ACTIVE_RETURN_PLAN_STATUSES, DischargeReason, Pathway, ReturnPlanStatus
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from services.operations.common import add_months, follow_up_months
from victims import validation
from victims.choices import DNAMatch, ReferralStatus, Service, Stage
from victims.models import Case, DNASample, Referral

# One worker runs this module, so its module-wide seed is made once, not once per worker.
pytestmark = pytest.mark.xdist_group("generate-services")

PEOPLE = 400
SEED = 8
BEDS = 5

# The history reasons each model's rows are saved with by the operations.
REASONS = {
    ShelterPlacement: {
        "admitted to shelter", "transferred to another shelter", "discharged from shelter", "return plan completed",
    },
    SchoolEnrollment: {"schoolenrollment added"},
    VocationalTraining: {"vocationaltraining added"},
    EmploymentPlacement: {"employmentplacement added"},
    ReturnPlan: {
        "return plan created", "return plan approved", "return plan completed", "return plan cancelled",
    },
    FollowUpVisit: {
        "return plan completed", "follow-up visit scheduled", "follow-up visit recorded", "follow-up visit waived",
    },
    LegalAidMatter: {
        "legal aid matter opened", "legal aid matter accepted", "legal aid matter rejected",
        "legal aid matter started", "legal aid matter concluded",
    },
    LegalAidActivity: {"legal aid activity recorded"},
}  # fmt: skip


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """One generated registry for the module (rolled back at its end)."""
    from django.db import transaction

    with django_db_blocker.unblock():
        with transaction.atomic():
            seed_reference_data()
            Organization.objects.filter(kind__in=RESIDENTIAL_KINDS).update(capacity=BEDS)
            report = generate(PEOPLE, seed=SEED, batch=97)
            yield report
            transaction.set_rollback(True)


def _age(case: Case, day) -> int:
    return validation.age_on(case.victim.birth_date, day)


def _accepted(case: Case, service: Service, organization_id: int) -> bool:
    return Referral.objects.filter(
        case=case, service=service, to_organization=organization_id, status=ReferralStatus.ACCEPTED
    ).exists()


@pytest.mark.django_db
def test_shelters_never_hold_more_than_their_beds_and_stays_never_overlap(generated):
    shelters = Organization.objects.filter(kind__in=RESIDENTIAL_KINDS).annotate(
        occupied=Count("placements", filter=Q(placements__discharged_on__isnull=True))
    )
    assert all(shelter.occupied <= shelter.capacity for shelter in shelters)
    # every shelter filled up (each keeps a bed for those passing through), yet people were
    # admitted after that: the generator's bed count is what the operations count
    assert {shelter.capacity - shelter.occupied for shelter in shelters} == {services_journey.RESERVED_BEDS}
    stays = defaultdict(list)
    for stay in ShelterPlacement.objects.order_by("admitted_on", "id"):
        stays[stay.case_id].append(stay)
    assert len(stays) > 2 * sum(shelter.capacity for shelter in shelters)  # far more stays than beds
    for case_stays in stays.values():
        assert sum(stay.discharged_on is None for stay in case_stays) <= 1
        for before, after in zip(case_stays, case_stays[1:], strict=False):
            assert before.discharged_on is not None and before.discharged_on <= after.admitted_on
    for stay in ShelterPlacement.objects.filter(transferred_from__isnull=False).select_related("transferred_from"):
        previous = stay.transferred_from
        assert previous.discharge_reason == DischargeReason.TRANSFERRED
        assert previous.discharged_on == stay.admitted_on and previous.shelter_id != stay.shelter_id


@pytest.mark.django_db
def test_schooling_and_training_follow_the_age_rules_and_accepted_referrals(generated):
    enrolments = SchoolEnrollment.objects.select_related("case__victim")
    assert enrolments.exists()
    for enrolment in enrolments:
        assert _age(enrolment.case, enrolment.started_on) < 18
        author = enrolment.history.earliest("history_id").history_user
        assert author.role == Role.EDUCATION and _accepted(enrolment.case, Service.SCHOOLING, author.organization_id)
    for model in (VocationalTraining, EmploymentPlacement):
        rows = model.objects.select_related("case__victim")
        assert rows.exists()
        for row in rows:
            assert _age(row.case, row.started_on) >= 16
            author = row.history.earliest("history_id").history_user
            assert author.role == Role.LABOR and _accepted(row.case, Service.TRAINING, author.organization_id)
    assert VocationalTraining.objects.filter(certificate__isnull=False).exclude(outcome="completed").count() == 0
    assert EmploymentPlacement.objects.filter(verified_by__isnull=False).exists()


@pytest.mark.django_db
def test_return_plans_keep_four_eyes_and_the_rules_for_children(generated):
    today = validation.today()
    plans = ReturnPlan.objects.select_related("case__victim", "household", "created_by", "approved_by")
    plans = plans.prefetch_related("authors")
    # The benchmark load rejects no plan (the demo seed does).
    assert {plan.status for plan in plans} == set(ReturnPlanStatus) - {ReturnPlanStatus.REJECTED}
    assert {plan.pathway for plan in plans} == set(Pathway)
    for plan in plans:
        assert plan.created_by.role == Role.CASEWORKER
        authors = {author.pk for author in plan.authors.all()}
        assert authors == {plan.created_by_id}  # recorded authorship: the generator amends no plan
        if plan.status in (ReturnPlanStatus.APPROVED, ReturnPlanStatus.COMPLETED):
            assert plan.approved_by.role == Role.CIVIL_AFFAIRS and plan.approved_by_id not in authors
        days = [plan.planned_on, plan.handover_on or today, today]
        minor = any(_age(plan.case, day) < 18 for day in days)
        if minor and plan.household is not None:
            assert not plan.household.is_purchaser
        if minor and plan.pathway == Pathway.FAMILY_REUNIFICATION:
            assert DNASample.objects.filter(
                case=plan.case, submitted_on__isnull=False, match=DNAMatch.CONFIRMED
            ).exists()
        if plan.status == ReturnPlanStatus.COMPLETED:
            assert plan.handover_on == today and plan.approved_at.date() <= today
            assert not ShelterPlacement.objects.filter(case=plan.case, discharged_on__isnull=True).exists()
            due = sorted(plan.visits.values_list("due_on", flat=True))
            assert due == [add_months(today, months) for months in follow_up_months()]
    assert any(  # a child returned to the birth family, on a DNA match
        plan.pathway == Pathway.FAMILY_REUNIFICATION and _age(plan.case, today) < 18 for plan in plans
    )
    in_force = Counter(plans.filter(status__in=ACTIVE_RETURN_PLAN_STATUSES).values_list("case_id", flat=True))
    assert max(in_force.values()) == 1


@pytest.mark.django_db
def test_stages_follow_the_records_and_closed_cases_have_nothing_outstanding(generated):
    today = validation.today()
    visits = FollowUpVisit.objects.all()
    assert visits.filter(visited_on__isnull=False).exists() and visits.filter(waived_on__isnull=False).exists()
    assert visits.filter(due_on__lt=today, visited_on__isnull=True, waived_on__isnull=True).exists()  # overdue
    stages = Counter()
    for case in Case.objects.prefetch_related("shelterplacements", "returnplans", "followupvisits"):
        stages[case.stage] += 1
        open_stay = any(stay.discharged_on is None for stay in case.shelterplacements.all())
        statuses = {plan.status for plan in case.returnplans.all()}
        outstanding = any(v.visited_on is None and v.waived_on is None for v in case.followupvisits.all())
        assert (case.stage == Stage.SHELTERED) <= open_stay
        assert (case.stage == Stage.RETURN_PLANNED) == bool(statuses & set(ACTIVE_RETURN_PLAN_STATUSES))
        assert (case.stage == Stage.RETURNED) <= (ReturnPlanStatus.COMPLETED in statuses)
        if case.stage in (Stage.CLOSED, Stage.TRANSFERRED):
            assert not open_stay and not outstanding
        if case.stage == Stage.CLOSED and ReturnPlanStatus.COMPLETED in statuses:
            stages["closed after the return"] += 1
    assert stages["closed after the return"] and stages[Stage.SHELTERED] and stages[Stage.RETURNED]


@pytest.mark.django_db
def test_legal_aid_matters_come_from_accepted_referrals_in_order(generated):
    today = validation.today()
    matters = LegalAidMatter.objects.select_related("referral", "lawyer", "opened_by", "case")
    assert {matter.status for matter in matters} == set(MatterStatus)
    for matter in matters:
        referral = matter.referral
        assert referral.case_id == matter.case_id and referral.service == Service.LEGAL_AID
        assert referral.status == ReferralStatus.ACCEPTED and referral.to_organization_id == matter.centre_id
        assert matter.opened_by.role == Role.LEGAL_AID and matter.opened_by.organization_id == matter.centre_id
        if matter.lawyer is not None:
            assert matter.lawyer.role == Role.LEGAL_AID and matter.lawyer.organization_id == matter.centre_id
        dates = [matter.case.opened_on, matter.applied_on, matter.decided_on, matter.started_on, matter.concluded_on]
        dates = [day for day in dates if day is not None]
        assert dates == sorted(dates) and dates[-1] <= today
        if matter.status == MatterStatus.CONCLUDED and matter.started_on is None:
            assert matter.outcome == Outcome.WITHDRAWN
        if matter.compensation_received is not None:
            assert matter.compensation_received <= matter.compensation_awarded
    for activity in LegalAidActivity.objects.select_related("matter"):
        matter = activity.matter
        assert matter.applied_on <= activity.occurred_on <= today
        # work is recorded while the matter is open: none after it was rejected or concluded
        if matter.status == MatterStatus.REJECTED:
            assert activity.occurred_on <= matter.decided_on
        if matter.status == MatterStatus.CONCLUDED:
            assert activity.occurred_on <= matter.concluded_on


@pytest.mark.django_db
def test_every_save_has_its_history_row_with_the_operations_reason(generated):
    for model, reasons in REASONS.items():
        history = model.history.model
        counts = Counter(history.objects.values_list("id", flat=True))
        assert model.objects.exists()
        for pk, version in model.objects.values_list("pk", "version"):
            assert counts[pk] == version, f"{model.__name__} {pk}: {counts[pk]} history rows, version {version}"
        assert set(history.objects.values_list("history_change_reason", flat=True)) == reasons
        assert not history.objects.filter(history_user__isnull=True).exists()
    assert verify_chain().ok
