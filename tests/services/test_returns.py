"""Return plans (DESIGN §2 rules 3–7): purchaser households, DNA match, four eyes, pathways,
completion with follow-up visits, cancellation."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction

from registry.choices import Role
from registry.errors import Conflict, PermissionDenied, RuleViolation, StaleVersion
from registry.history import recorded_change
from registry.models import AuditAction, AuditEvent
from services import operations as services
from services import selectors
from services.choices import Pathway, ReturnPlanStatus
from services.models import FollowUpVisit, ReturnPlan, ShelterPlacement
from services.operations import returns
from services.operations.common import add_months
from tests.factories import UserFactory
from tests.services.conftest import TODAY
from victims import operations
from victims.choices import DNAMatch, DocumentType, Stage
from victims.models import Case

pytestmark = pytest.mark.django_db


def stage_of(case) -> str:
    return Case.objects.get(pk=case.pk).stage


def approve(user, plan):
    return services.return_plan_approve(actor=user, plan=plan, expected_version=plan.version)


def complete(user, plan, **fields):
    fields.setdefault("handover_on", TODAY)
    return services.return_plan_complete(actor=user, plan=plan, expected_version=plan.version, **fields)


# --- creating a plan --------------------------------------------------------------------------


def test_a_plan_moves_the_case_to_return_planned_and_awaits_approval(make_case, admit, plan, cast):
    case = make_case()
    admit(case)
    created = plan(case, escort="陈某（虚构）")
    assert (created.status, created.created_by, created.destination_country) == ("awaiting_approval", cast.alice, "CN")
    assert stage_of(case) == Stage.RETURN_PLANNED
    assert created.history.get().history_change_reason == "return plan created"
    actions = list(AuditEvent.objects.filter(case_uuid=case.uuid).values_list("action", flat=True))[-2:]
    assert actions == [AuditAction.RECORD_CREATED, AuditAction.CASE_STAGE_CHANGED]


def test_one_plan_in_force_per_case(make_case, plan):
    case = make_case()
    plan(case)
    with pytest.raises(Conflict) as refused:
        plan(case)
    assert refused.value.code == "return_plan_active"


def test_the_database_refuses_a_second_plan_in_force(make_case, plan, cast):
    first = plan(make_case())
    twin = ReturnPlan(case=first.case, pathway=first.pathway, planned_on=TODAY, created_by=cast.alice,
                      destination_code="350102")  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic(), recorded_change(actor=None, reason="test"):
        twin.save()


# --- rule 3: never a purchasing household for a minor -----------------------------------------


@pytest.mark.parametrize("pathway", [Pathway.FAMILY_REUNIFICATION, Pathway.LOCAL_RESETTLEMENT])
def test_a_minor_is_never_placed_with_the_purchasing_household(make_case, household, dna, plan, pathway):
    case = make_case(age=12)
    dna(case)
    buyers = household(case, is_purchaser=True, jurisdiction_code="350102")
    with pytest.raises(RuleViolation) as refused:
        plan(case, pathway, household=buyers, destination_code="350102")
    assert (refused.value.field, refused.value.code) == ("household", "purchaser_household")
    assert not ReturnPlan.objects.exists() and stage_of(case) == Stage.REGISTERED


def test_a_person_without_a_birth_date_is_protected_as_a_minor(make_case, household, plan):
    case = make_case(document_type=DocumentType.NONE, id_number=None)
    buyers = household(case, is_purchaser=True, jurisdiction_code="350102")
    with pytest.raises(RuleViolation) as refused:
        plan(case, household=buyers)
    assert refused.value.code == "purchaser_household"


def test_an_adult_may_choose_to_stay_with_the_household(make_case, household, plan):
    case = make_case(age=30)
    spouse = household(case, is_purchaser=True, jurisdiction_code="350102")
    assert plan(case, household=spouse).household == spouse


def test_a_household_marked_purchasing_after_the_plan_blocks_approval_and_amendment(make_case, household, plan, cast):
    case = make_case(age=12)
    home = household(case, jurisdiction_code="350102")
    created = plan(case, household=home)
    operations.record_amend(actor=cast.alice, record=home, expected_version=1, changes={"is_purchaser": True})
    with pytest.raises(RuleViolation) as at_approval:
        approve(cast.dave, created)
    with pytest.raises(RuleViolation) as at_amendment:
        services.return_plan_amend(actor=cast.alice, plan=created, expected_version=1, changes={"notes": "改期"})
    assert at_approval.value.code == at_amendment.value.code == "purchaser_household"


def test_a_household_marked_purchasing_after_approval_blocks_completion(make_case, household, approved_plan, cast):
    case = make_case(age=12)
    home = household(case, jurisdiction_code="350102")
    approved = approved_plan(case, household=home)
    operations.record_amend(actor=cast.alice, record=home, expected_version=1, changes={"is_purchaser": True})
    with pytest.raises(RuleViolation) as refused:
        complete(cast.alice, approved, receiving_party="家属（虚构）")
    assert refused.value.code == "purchaser_household"
    assert ReturnPlan.objects.get(pk=approved.pk).status == ReturnPlanStatus.APPROVED


def test_a_household_of_another_case_is_refused(make_case, household, plan):
    other = household(make_case(), jurisdiction_code="350102")
    with pytest.raises(RuleViolation) as refused:
        plan(make_case(), household=other)
    assert refused.value.field == "household"


# --- rule 4: reunifying a child needs a confirmed DNA match ------------------------------------


@pytest.mark.parametrize(
    ("match", "submitted"), [(None, False), (DNAMatch.PENDING, True), (DNAMatch.NO_MATCH, True)]
)  # fmt: skip
def test_reunifying_a_child_needs_a_submitted_sample_and_a_confirmed_match(
    make_case, household, dna, plan, match, submitted
):
    case = make_case(age=9)
    if match is not None:
        dna(case, match=match, submitted=submitted)
    with pytest.raises(RuleViolation) as refused:
        plan(case, Pathway.FAMILY_REUNIFICATION, household=household(case))
    assert (refused.value.field, refused.value.code) == ("pathway", "dna_match_required")


def test_a_child_with_a_confirmed_match_is_reunified(make_case, household, dna, approved_plan, cast):
    case = make_case(age=9)
    dna(case)
    approved = approved_plan(case, Pathway.FAMILY_REUNIFICATION, household=household(case))
    done = complete(cast.alice, approved, handover_record="昆明市救助管理站接收（虚构）")
    assert done.status == ReturnPlanStatus.COMPLETED


def test_an_adult_is_reunified_without_dna(make_case, household, plan):
    case = make_case(age=30)
    assert plan(case, Pathway.FAMILY_REUNIFICATION, household=household(case)).pk


def test_reunification_needs_a_household(make_case, plan):
    with pytest.raises(RuleViolation) as refused:
        plan(make_case(), Pathway.FAMILY_REUNIFICATION)
    assert refused.value.field == "household"


# --- rule 5: four eyes -------------------------------------------------------------------------


def test_the_officer_who_wrote_a_plan_cannot_approve_it(make_case, plan, cast, dora):
    created = plan(make_case(), actor=cast.dave)
    with pytest.raises(PermissionDenied) as refused:
        approve(cast.dave, created)
    assert refused.value.code == "four_eyes"
    assert approve(dora, created).approved_by == dora


def test_an_officer_who_amended_a_plan_cannot_approve_it(make_case, plan, cast, dora):
    created = plan(make_case())
    amended = services.return_plan_amend(actor=cast.dave, plan=created, expected_version=1,
                                         changes={"escort": "林某（虚构）"})  # fmt: skip
    with pytest.raises(PermissionDenied) as refused:
        approve(cast.dave, amended)
    assert refused.value.code == "four_eyes"
    assert approve(dora, amended).status == ReturnPlanStatus.APPROVED


def amend(user, plan, **changes):
    return services.return_plan_amend(actor=user, plan=plan, expected_version=plan.version, changes=changes)


@pytest.fixture
def edwin(places):
    """A third civil affairs officer of Fuzhou."""
    return UserFactory(
        username="edwin", role=Role.CIVIL_AFFAIRS, organization=places.fz_civil_affairs, jurisdiction=places.fuzhou
    )


def test_four_eyes_holds_whatever_reason_an_edit_is_recorded_with(make_case, plan, cast, dora, monkeypatch):
    created = plan(make_case())

    def reworded(*, actor, reason):
        return recorded_change(actor=actor, reason="plan reworded at the desk")

    with monkeypatch.context() as patched:
        patched.setattr(returns, "recorded_change", reworded)
        amended = amend(cast.dave, created, escort="林某（虚构）")
    assert amended.history.latest("history_id").history_change_reason == "plan reworded at the desk"
    with pytest.raises(PermissionDenied) as refused:
        approve(cast.dave, amended)
    assert refused.value.code == "four_eyes"
    assert approve(dora, amended).approved_by == dora


def test_four_eyes_does_not_read_history_reasons_at_all(make_case, plan, cast, dora):
    created = plan(make_case(), actor=cast.dave)
    amended = amend(dora, created, notes="改期")
    for row in ReturnPlan.history.filter(id=created.pk):  # the reasons rewritten: they decide nothing
        row.history_change_reason = "edited"
        row.save(update_fields=["history_change_reason"])
    assert set(ReturnPlan.history.filter(id=created.pk).values_list("history_change_reason", flat=True)) == {"edited"}
    for author in (cast.dave, dora):  # the creator, the amender
        with pytest.raises(PermissionDenied) as refused:
            approve(author, amended)
        assert refused.value.code == "four_eyes"
    assert ReturnPlan.objects.get(pk=created.pk).status == ReturnPlanStatus.AWAITING_APPROVAL


def test_every_author_is_barred_and_a_third_officer_approves(make_case, plan, cast, dora, edwin):
    created = plan(make_case())  # Alice, a caseworker
    amended = amend(dora, amend(cast.dave, created, escort="林某（虚构）"), notes="改期")  # Dave, then Dora
    assert set(amended.authors.all()) == {cast.alice, cast.dave, dora}
    for author in (cast.dave, dora):  # an earlier amender stays barred after a later amendment
        with pytest.raises(PermissionDenied) as refused:
            approve(author, amended)
        assert refused.value.code == "four_eyes"
    approved = approve(edwin, amended)
    assert (approved.status, approved.approved_by) == (ReturnPlanStatus.APPROVED, edwin)
    assert set(approved.authors.all()) == {cast.alice, cast.dave, dora}  # approving is not authoring


def test_amending_an_approved_plan_bars_the_amender_from_approving_it_again(make_case, approved_plan, cast, dora):
    approved = approved_plan(make_case())  # approved by Dave
    withdrawn = amend(dora, approved, notes="改期")
    assert withdrawn.status == ReturnPlanStatus.AWAITING_APPROVAL
    with pytest.raises(PermissionDenied) as refused:
        approve(dora, withdrawn)
    assert refused.value.code == "four_eyes"
    assert approve(cast.dave, withdrawn).approved_by == cast.dave  # the earlier approver did not write it


def test_the_approval_queue_leaves_out_the_plans_the_user_created_or_amended(make_case, plan, cast, dora, edwin):
    by_alice, by_dave, amended_by_dave = plan(make_case()), plan(make_case(), actor=cast.dave), plan(make_case())
    amend(cast.dave, amended_by_dave, notes="改期")

    def queue(user):
        return set(selectors.return_plans_awaiting_approval(user))

    assert queue(cast.dave) == {by_alice}
    assert queue(dora) == queue(edwin) == {by_alice, by_dave, amended_by_dave}
    amend(dora, by_alice, notes="改期")
    assert queue(dora) == {by_dave, amended_by_dave}


def test_the_migration_recovers_the_authors_of_older_plans_from_history(make_case, plan, cast, dora, edwin):
    migration = importlib.import_module("services.migrations.0002_returnplan_authors")
    created = plan(make_case())  # Alice
    approved = approve(dora, amend(cast.dave, created, notes="改期"))  # Dave amends, Dora approves
    amend(edwin, approved, escort="林某（虚构）")  # Edwin amends: approval withdrawn
    untouched = plan(make_case(), actor=cast.dave)
    for row in ReturnPlan.history.all():  # the reasons play no part
        row.history_change_reason = "edited"
        row.save(update_fields=["history_change_reason"])
    ReturnPlan.authors.through.objects.all().delete()  # as before the migration
    migration.record_authors(django_apps, connection.schema_editor())
    assert set(ReturnPlan.objects.get(pk=created.pk).authors.all()) == {cast.alice, cast.dave, edwin}
    assert set(untouched.authors.all()) == {cast.dave}


def test_the_database_refuses_an_approval_by_the_author(make_case, plan, cast):
    created = plan(make_case(), actor=cast.dave)
    created.status, created.approved_by, created.approved_at = "approved", cast.dave, created.created_at
    with pytest.raises(IntegrityError), transaction.atomic(), recorded_change(actor=None, reason="test"):
        created.save()


def test_only_civil_affairs_approves(make_case, plan, cast):
    created = plan(make_case(), actor=cast.dave)
    with pytest.raises(PermissionDenied):
        approve(cast.alice, created)


def test_approval_is_recorded_and_audited(make_case, plan, cast):
    created = plan(make_case())
    approved = approve(cast.dave, created)
    assert (approved.status, approved.approved_by, approved.version) == ("approved", cast.dave, 2)
    assert approved.approved_at is not None
    event = AuditEvent.objects.filter(case_uuid=approved.case.uuid).last()
    assert (event.action, event.detail["step"]) == (AuditAction.APPROVAL_GRANTED, "approve")
    with pytest.raises(Conflict):
        approve(cast.dave, approved)


def test_a_plan_is_completed_only_after_approval(make_case, plan, cast):
    created = plan(make_case())
    with pytest.raises(Conflict) as refused:
        complete(cast.alice, created)
    assert refused.value.code == "plan_not_approved"
    assert stage_of(created.case) == Stage.RETURN_PLANNED


def test_amending_an_approved_plan_withdraws_the_approval(make_case, approved_plan, cast):
    approved = approved_plan(make_case())
    amended = services.return_plan_amend(actor=cast.alice, plan=approved, expected_version=2,
                                         changes={"planned_on": TODAY + datetime.timedelta(days=20)})  # fmt: skip
    assert (amended.status, amended.approved_by, amended.approved_at) == ("awaiting_approval", None, None)
    with pytest.raises(StaleVersion):
        services.return_plan_amend(actor=cast.alice, plan=approved, expected_version=2, changes={"notes": "x"})


# --- rule 6: other provinces and other countries ----------------------------------------------


def test_a_return_to_another_province_needs_a_receiving_agency_and_a_handover_record(
    make_case, plan, approved_plan, cast
):
    with pytest.raises(RuleViolation) as no_agency:
        plan(make_case(), Pathway.INTER_PROVINCIAL, receiving_party="")
    assert no_agency.value.field == "receiving_party"
    with pytest.raises(RuleViolation) as in_province:
        plan(make_case(), Pathway.INTER_PROVINCIAL, destination_code="350203")
    assert in_province.value.field == "destination_code"
    approved = approved_plan(make_case(), Pathway.INTER_PROVINCIAL)
    with pytest.raises(RuleViolation) as no_record:
        complete(cast.alice, approved)
    assert no_record.value.field == "handover_record"
    assert complete(cast.alice, approved, handover_record="交接单 2026-001（虚构）").status == "completed"


def test_a_local_resettlement_stays_in_the_province(make_case, plan):
    with pytest.raises(RuleViolation) as refused:
        plan(make_case(), Pathway.LOCAL_RESETTLEMENT, destination_code="530102")
    assert refused.value.field == "destination_code"


def test_repatriation_is_for_foreign_nationals_with_police_civil_affairs_and_receiving_party(make_case, plan):
    with pytest.raises(RuleViolation) as national:
        plan(make_case(), Pathway.REPATRIATION)
    assert national.value.code == "not_a_foreign_national"
    foreigner = {"document_type": DocumentType.PASSPORT, "document_country": "VN", "nationality": "VN",
                 "id_number": "C7654321", "birth_date": datetime.date(1999, 4, 5)}  # fmt: skip
    for missing in ("police_unit", "civil_affairs_unit", "receiving_party"):
        with pytest.raises(RuleViolation) as refused:
            plan(make_case(**{**foreigner, "id_number": f"C765{len(missing)}{missing[:3]}"}), Pathway.REPATRIATION,
                 **{missing: ""})  # fmt: skip
        assert refused.value.field == missing
    repatriation = plan(make_case(**foreigner), Pathway.REPATRIATION)
    assert (repatriation.destination_country, repatriation.destination_code) == ("VN", "")


# --- rule 7: completion and the follow-up schedule ---------------------------------------------


def test_completion_discharges_returns_the_case_and_schedules_visits_at_1_3_6_12_months(
    make_case, admit, approved_plan, cast
):
    case = make_case()
    placement = admit(case, admitted_on=TODAY - datetime.timedelta(days=40))
    approved = approved_plan(case)
    done = complete(cast.alice, approved, escort="陈某、林某（虚构）", receiving_party="鼓楼区某社区（虚构）")
    assert (done.status, done.handover_on, done.escort) == ("completed", TODAY, "陈某、林某（虚构）")
    assert stage_of(case) == Stage.RETURNED
    placement = ShelterPlacement.objects.get(pk=placement.pk)
    assert (placement.discharged_on, placement.discharge_reason) == (TODAY, "returned")
    visits = FollowUpVisit.objects.filter(case=case).order_by("due_on")
    assert [visit.due_on for visit in visits] == [add_months(TODAY, months) for months in (1, 3, 6, 12)]
    assert {visit.return_plan for visit in visits} == {done}
    assert {visit.history.get().history_change_reason for visit in visits} == {"return plan completed"}


def test_the_follow_up_schedule_is_configurable(make_case, returned, settings):
    settings.REGISTRY_FOLLOW_UP_MONTHS = ["2", " 24", "2"]
    case = make_case()
    returned(case)
    due = sorted(FollowUpVisit.objects.filter(case=case).values_list("due_on", flat=True))
    assert due == [add_months(TODAY, 2), add_months(TODAY, 24)]


@pytest.mark.parametrize("months", [["1", "x"], ["0"], [], ["121"]])
def test_a_malformed_schedule_is_refused_naming_the_variable(settings, months):
    settings.REGISTRY_FOLLOW_UP_MONTHS = months
    with pytest.raises(ImproperlyConfigured, match="REGISTRY_FOLLOW_UP_MONTHS"):
        services.follow_up_months()


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 11, 15), 3, datetime.date(2027, 2, 15)),
        (datetime.date(2026, 3, 31), 12, datetime.date(2027, 3, 31)),
    ],
)
def test_months_are_added_by_the_calendar(day, months, expected):
    assert add_months(day, months) == expected


def test_completion_needs_escort_and_receiving_party_and_a_sane_date(make_case, approved_plan, cast):
    approved = approved_plan(make_case(), escort="")
    with pytest.raises(RuleViolation) as no_escort:
        complete(cast.alice, approved)
    assert no_escort.value.field == "escort"
    with pytest.raises(RuleViolation) as future:
        complete(cast.alice, approved, escort="陈某", handover_on=TODAY + datetime.timedelta(days=1))
    with pytest.raises(RuleViolation) as before_approval:
        complete(cast.alice, approved, escort="陈某", handover_on=TODAY - datetime.timedelta(days=1))
    assert future.value.field == before_approval.value.field == "handover_on"


# --- cancellation ------------------------------------------------------------------------------


def test_cancelling_moves_the_case_back_to_sheltered_or_registered(make_case, admit, plan, cast):
    sheltered, registered = make_case(), make_case()
    admit(sheltered)
    for case, back in ((sheltered, Stage.SHELTERED), (registered, Stage.REGISTERED)):
        created = plan(case)
        with pytest.raises(RuleViolation):
            services.return_plan_cancel(actor=cast.alice, plan=created, expected_version=1, reason=" ")
        cancelled = services.return_plan_cancel(actor=cast.dave, plan=created, expected_version=1,
                                                reason="家属拒绝接收（虚构）")  # fmt: skip
        assert (cancelled.status, cancelled.cancellation_reason) == ("cancelled", "家属拒绝接收（虚构）")
        assert stage_of(case) == back
        assert plan(case).status == "awaiting_approval"  # a new plan may follow


def test_a_completed_plan_cannot_be_cancelled_or_amended(make_case, returned, cast):
    done = returned(make_case())
    with pytest.raises(Conflict):
        services.return_plan_cancel(actor=cast.alice, plan=done, expected_version=done.version, reason="误操作")
    with pytest.raises(Conflict):
        services.return_plan_amend(actor=cast.alice, plan=done, expected_version=done.version, changes={"notes": "x"})
