"""The care plan's operations: the review interval by age, four eyes on a child's plan and on
each of its reviews, an amendment withdrawing an approval, how a goal ends, the records a goal
may name, and closing a case while a goal is open.

The helpers here (a plan's body, writing a plan, a goal's body) are shared by the other
``test_plan_*`` modules."""

from __future__ import annotations

import datetime

import pytest

from care.choices import ApprovalStatus, GoalLinkKind, GoalStatus, NeedDomain, NeedRating
from care.models import CarePlan, Goal, Need, Review
from care.plan import operations
from registry.choices import Role
from registry.errors import Conflict, PermissionDenied, RuleViolation, StaleVersion
from registry.models import AuditAction, AuditEvent
from tests.factories import UserFactory
from tests.victims.conftest import CLOSING, TODAY
from tests.victims.test_api_matrix import referred_case, register_case
from victims import operations as case_operations
from victims.choices import AgeBand, DocumentType, Stage
from victims.models import Case, Referral

pytestmark = pytest.mark.django_db

ASSESSED = TODAY - datetime.timedelta(days=10)


def days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


def needs(rating: str = NeedRating.MODERATE, **descriptions) -> list[dict]:
    """Every domain rated ``rating``; ``descriptions`` by domain (a default one otherwise)."""
    return [
        {"domain": domain, "rating": rating, "description": descriptions.get(domain, f"{domain}：需求描述（虚构）")}
        for domain in NeedDomain.values
    ]


def plan_body(**overrides) -> dict:
    return {"assessed_on": ASSESSED, "summary": "入站评估（虚构）", "needs": needs(), **overrides}


def write_plan(case, actor, **overrides) -> CarePlan:
    return operations.care_plan_create(actor=actor, case=case, data=plan_body(**overrides))


def goal_body(owner, **overrides) -> dict:
    return {
        "domain": NeedDomain.EDUCATION,
        "description": "入学复课（虚构）",
        "owner": owner,
        "target_on": TODAY + days(60),
        **overrides,
    }


def become_civil_affairs(user, places) -> None:
    """The user moves to civil affairs in Fuzhou (a change of post): what they wrote as a
    caseworker stays theirs for the four-eyes rule."""
    user.role, user.organization, user.jurisdiction = Role.CIVIL_AFFAIRS, places.fz_civil_affairs, places.fuzhou
    user.save()


@pytest.fixture
def adult_case(places, cast):
    return register_case(places, cast, seed=11, age=30)


@pytest.fixture
def child_case(places, cast):
    return register_case(places, cast, seed=12, age=15)


def second_caseworker(places):
    """Amy, a second caseworker of the Fuzhou relief station."""
    return UserFactory(username="amy", role=Role.CASEWORKER, organization=places.fz_shelter)


@pytest.fixture
def amy(places):
    return second_caseworker(places)


# --- the plan and the review interval ----------------------------------------------------------


def test_an_adults_plan_needs_no_approval_and_is_reviewed_every_90_days(adult_case, cast):
    plan = write_plan(adult_case, cast.alice)
    assert plan.approval == ApprovalStatus.NOT_REQUIRED
    assert plan.next_review_on == ASSESSED + days(90)
    assert set(Need.objects.filter(plan=plan).values_list("domain", flat=True)) == set(NeedDomain.values)
    review = operations.review_create(actor=cast.alice, plan=plan, data={"reviewed_on": TODAY, "summary": "进展良好"})
    assert review.approval == ApprovalStatus.NOT_REQUIRED
    assert CarePlan.objects.get(pk=plan.pk).next_review_on == TODAY + days(90)


def test_a_childs_plan_waits_for_approval_and_is_reviewed_every_30_days(child_case, cast):
    assert child_case.age_band == AgeBand.AGE_14_15
    plan = write_plan(child_case, cast.alice)
    assert plan.approval == ApprovalStatus.AWAITING_APPROVAL
    assert plan.next_review_on == ASSESSED + days(30)
    review = operations.review_create(actor=cast.alice, plan=plan, data={"reviewed_on": TODAY, "summary": "进展良好"})
    assert review.approval == ApprovalStatus.AWAITING_APPROVAL
    assert CarePlan.objects.get(pk=plan.pk).next_review_on == TODAY + days(30)


def test_the_next_review_follows_the_latest_review_not_the_last_written(adult_case, cast):
    plan = write_plan(adult_case, cast.alice)
    operations.review_create(actor=cast.alice, plan=plan, data={"reviewed_on": TODAY, "summary": "第二次"})
    operations.review_create(actor=cast.alice, plan=plan, data={"reviewed_on": TODAY - days(5), "summary": "补录"})
    assert CarePlan.objects.get(pk=plan.pk).next_review_on == TODAY + days(90)


def test_moving_the_assessment_moves_the_next_review(adult_case, cast):
    plan = write_plan(adult_case, cast.alice)
    plan = operations.care_plan_update(
        actor=cast.alice, plan=plan, expected_version=plan.version, changes={"assessed_on": TODAY}
    )
    assert plan.next_review_on == TODAY + days(90)


def test_the_intervals_are_settings(adult_case, cast, settings):
    settings.CARE_PLAN_REVIEW_DAYS_ADULT = 60
    assert write_plan(adult_case, cast.alice).next_review_on == ASSESSED + days(60)


def test_a_person_of_unknown_age_gets_a_childs_plan(places, cast):
    case = register_case(places, cast, seed=13, document_type=DocumentType.NONE, id_number=None, birth_date=None)
    assert case.age_band == AgeBand.UNKNOWN
    plan = write_plan(case, cast.alice)
    assert (plan.approval, plan.next_review_on) == (ApprovalStatus.AWAITING_APPROVAL, ASSESSED + days(30))


def test_the_assessment_rates_every_domain_once(adult_case, cast):
    missing = needs()[:-1]
    with pytest.raises(RuleViolation) as refused:
        write_plan(adult_case, cast.alice, needs=missing)
    assert refused.value.field == "needs"
    assert str(NeedDomain.DOCUMENTS.label) in refused.value.message
    with pytest.raises(RuleViolation) as refused:
        write_plan(adult_case, cast.alice, needs=[*needs(), needs()[0]])
    assert refused.value.field == "needs"
    with pytest.raises(RuleViolation) as refused:
        write_plan(adult_case, cast.alice, needs=needs(rating="dire"))
    assert refused.value.field == "needs"
    assert not CarePlan.objects.exists() and not Need.objects.exists()


def test_an_assessment_is_not_dated_in_the_future_and_a_case_has_one_plan(adult_case, cast):
    with pytest.raises(RuleViolation) as refused:
        write_plan(adult_case, cast.alice, assessed_on=TODAY + days(1))
    assert refused.value.field == "assessed_on"
    write_plan(adult_case, cast.alice)
    with pytest.raises(Conflict) as refused:
        write_plan(adult_case, cast.alice)
    assert refused.value.code == "care_plan_exists"


def test_only_a_caseworker_writes_the_plan(adult_case, cast):
    for member in ("dave", "bob", "erin", "frank"):
        with pytest.raises(PermissionDenied):
            write_plan(adult_case, getattr(cast, member))
    assert not CarePlan.objects.exists()


def test_a_review_is_neither_in_the_future_nor_before_the_assessment(adult_case, cast):
    plan = write_plan(adult_case, cast.alice)
    for day in (TODAY + days(1), ASSESSED - days(1)):
        with pytest.raises(RuleViolation) as refused:
            operations.review_create(actor=cast.alice, plan=plan, data={"reviewed_on": day, "summary": "复查"})
        assert refused.value.field == "reviewed_on"
    with pytest.raises(RuleViolation) as refused:
        operations.review_create(actor=cast.alice, plan=plan, data={"reviewed_on": TODAY, "summary": "  "})
    assert refused.value.field == "summary"
    assert not Review.objects.exists()


def test_amending_a_need_keeps_the_other_domains(adult_case, cast):
    plan = write_plan(adult_case, cast.alice)
    change = {"domain": NeedDomain.LEGAL, "rating": NeedRating.HIGH, "description": "需出庭作证（虚构）"}
    plan = operations.care_plan_update(
        actor=cast.alice, plan=plan, expected_version=plan.version, changes={"needs": [change]}
    )
    legal = Need.objects.get(plan=plan, domain=NeedDomain.LEGAL)
    assert (legal.rating, legal.description, legal.version) == (NeedRating.HIGH, "需出庭作证（虚构）", 2)
    assert Need.objects.filter(plan=plan, version=1).count() == len(NeedDomain) - 1
    with pytest.raises(StaleVersion):
        operations.care_plan_update(actor=cast.alice, plan=plan, expected_version=1, changes={"summary": "旧版"})


# --- four eyes ---------------------------------------------------------------------------------


def test_a_childs_plan_is_approved_by_civil_affairs_who_did_not_write_it(child_case, cast, places):
    plan = write_plan(child_case, cast.alice)
    with pytest.raises(PermissionDenied) as refused:
        operations.care_plan_approve(actor=cast.alice, plan=plan, expected_version=plan.version)
    assert refused.value.code == "permission_denied"  # a caseworker approves nothing
    become_civil_affairs(cast.alice, places)
    with pytest.raises(PermissionDenied) as refused:
        operations.care_plan_approve(actor=cast.alice, plan=plan, expected_version=plan.version)
    assert refused.value.code == "four_eyes"
    approved = operations.care_plan_approve(actor=cast.dave, plan=plan, expected_version=plan.version)
    assert (approved.approval, approved.approved_by, approved.version) == (ApprovalStatus.APPROVED, cast.dave, 2)
    assert AuditEvent.objects.filter(action=AuditAction.APPROVAL_GRANTED, case_uuid=child_case.uuid).count() == 1
    with pytest.raises(Conflict) as refused:
        operations.care_plan_approve(actor=cast.dave, plan=approved, expected_version=approved.version)
    assert refused.value.code == "not_awaiting_approval"


def test_an_adults_plan_has_nothing_to_approve(adult_case, cast):
    plan = write_plan(adult_case, cast.alice)
    with pytest.raises(Conflict) as refused:
        operations.care_plan_approve(actor=cast.dave, plan=plan, expected_version=plan.version)
    assert refused.value.code == "not_awaiting_approval"


def test_a_childs_review_is_approved_by_civil_affairs_who_did_not_write_it(child_case, cast, places):
    plan = write_plan(child_case, cast.alice)
    review = operations.review_create(actor=cast.alice, plan=plan, data={"reviewed_on": TODAY, "summary": "复查"})
    become_civil_affairs(cast.alice, places)
    with pytest.raises(PermissionDenied) as refused:
        operations.review_approve(actor=cast.alice, review=review, expected_version=review.version)
    assert refused.value.code == "four_eyes"
    approved = operations.review_approve(actor=cast.dave, review=review, expected_version=review.version)
    assert (approved.approval, approved.approved_by) == (ApprovalStatus.APPROVED, cast.dave)
    with pytest.raises(Conflict) as refused:
        operations.review_approve(actor=cast.dave, review=approved, expected_version=approved.version)
    assert refused.value.code == "not_awaiting_approval"


def test_amending_an_approved_childs_plan_sends_it_back_and_the_amender_may_not_approve(child_case, cast, places, amy):
    plan = write_plan(child_case, cast.alice)
    plan = operations.care_plan_approve(actor=cast.dave, plan=plan, expected_version=plan.version)
    plan = operations.care_plan_update(
        actor=amy, plan=plan, expected_version=plan.version, changes={"summary": "补充评估（虚构）"}
    )
    assert (plan.approval, plan.approved_by, plan.approved_at) == (ApprovalStatus.AWAITING_APPROVAL, None, None)
    assert set(plan.authors.all()) == {cast.alice, amy}
    become_civil_affairs(amy, places)
    with pytest.raises(PermissionDenied) as refused:
        operations.care_plan_approve(actor=amy, plan=plan, expected_version=plan.version)
    assert refused.value.code == "four_eyes"
    assert operations.care_plan_approve(actor=cast.dave, plan=plan, expected_version=plan.version).approval == (
        ApprovalStatus.APPROVED
    )


def test_amending_an_adults_plan_needs_no_approval(adult_case, cast):
    plan = write_plan(adult_case, cast.alice)
    plan = operations.care_plan_update(
        actor=cast.alice, plan=plan, expected_version=plan.version, changes={"summary": "x"}
    )
    assert plan.approval == ApprovalStatus.NOT_REQUIRED


# --- goals -------------------------------------------------------------------------------------


def test_a_goal_needs_the_plan_first(adult_case, cast, places):
    with pytest.raises(Conflict) as refused:
        operations.goal_create(actor=cast.alice, case=adult_case, data=goal_body(places.fz_education))
    assert refused.value.code == "no_care_plan"


def test_a_goal_is_owned_by_an_active_organization(adult_case, cast, places):
    write_plan(adult_case, cast.alice)
    places.fz_education.is_active = False
    places.fz_education.save()
    with pytest.raises(RuleViolation) as refused:
        operations.goal_create(actor=cast.alice, case=adult_case, data=goal_body(places.fz_education))
    assert refused.value.field == "owner"
    with pytest.raises(RuleViolation) as refused:
        operations.goal_create(actor=cast.alice, case=adult_case, data=goal_body(places.fz_labor, domain="luck"))
    assert refused.value.field == "domain"


def test_a_goal_that_is_not_achieved_ends_with_a_reason(adult_case, cast, places):
    write_plan(adult_case, cast.alice)
    goal = operations.goal_create(actor=cast.alice, case=adult_case, data=goal_body(places.fz_education))
    assert (goal.status, goal.closed_on) == (GoalStatus.OPEN, None)
    for status in (GoalStatus.NOT_ACHIEVABLE, GoalStatus.NO_LONGER_NEEDED):
        with pytest.raises(RuleViolation) as refused:
            operations.goal_close(actor=cast.alice, goal=goal, expected_version=goal.version, status=status, reason=" ")
        assert refused.value.field == "reason"
    with pytest.raises(RuleViolation) as refused:
        operations.goal_close(actor=cast.alice, goal=goal, expected_version=goal.version, status=GoalStatus.OPEN)
    assert refused.value.field == "status"
    assert Goal.objects.get(pk=goal.pk).status == GoalStatus.OPEN
    closed = operations.goal_close(
        actor=cast.alice, goal=goal, expected_version=goal.version, status=GoalStatus.NOT_ACHIEVABLE,
        reason="本人已迁居外省（虚构）",
    )  # fmt: skip
    assert (closed.status, closed.closed_on, closed.status_reason) == (
        GoalStatus.NOT_ACHIEVABLE,
        TODAY,
        "本人已迁居外省（虚构）",
    )
    with pytest.raises(Conflict) as refused:
        operations.goal_close(
            actor=cast.alice, goal=closed, expected_version=closed.version, status=GoalStatus.ACHIEVED
        )
    assert refused.value.code == "goal_closed"
    with pytest.raises(Conflict) as refused:
        operations.goal_update(
            actor=cast.alice, goal=closed, expected_version=closed.version, changes={"target_on": TODAY}
        )
    assert refused.value.code == "goal_closed"


def test_an_achieved_goal_needs_no_reason(adult_case, cast, places):
    write_plan(adult_case, cast.alice)
    goal = operations.goal_create(actor=cast.alice, case=adult_case, data=goal_body(places.fz_education))
    closed = operations.goal_close(actor=cast.alice, goal=goal, expected_version=1, status=GoalStatus.ACHIEVED)
    assert (closed.status, closed.status_reason, closed.version) == (GoalStatus.ACHIEVED, "", 2)


def test_a_goal_names_only_records_of_its_own_case(places, cast):
    case = referred_case(places, cast, seed=21)
    other = referred_case(places, cast, seed=22)
    write_plan(case, cast.alice)
    own = Referral.objects.filter(case=case).first()
    foreign = Referral.objects.filter(case=other).first()
    link = {"kind": GoalLinkKind.REFERRAL, "id": str(foreign.uuid)}
    with pytest.raises(RuleViolation) as refused:
        operations.goal_create(actor=cast.alice, case=case, data=goal_body(places.fz_education, links=[link]))
    assert (refused.value.field, refused.value.code) == ("links", "link_not_in_case")
    for bad in ({"kind": "victims.victim", "id": str(own.uuid)}, {"kind": GoalLinkKind.REFERRAL, "id": "x"}):
        with pytest.raises(RuleViolation) as refused:
            operations.goal_create(actor=cast.alice, case=case, data=goal_body(places.fz_education, links=[bad]))
        assert refused.value.field == "links"
    # A referral's id under another kind is no record of that kind on the case.
    wrong_kind = {"kind": GoalLinkKind.SCHOOL_ENROLLMENT, "id": str(own.uuid)}
    with pytest.raises(RuleViolation):
        operations.goal_create(actor=cast.alice, case=case, data=goal_body(places.fz_education, links=[wrong_kind]))
    assert not Goal.objects.exists()
    mine = {"kind": GoalLinkKind.REFERRAL, "id": str(own.uuid)}
    goal = operations.goal_create(
        actor=cast.alice, case=case, data=goal_body(places.fz_education, links=[mine, dict(mine)])
    )
    assert goal.links == [{"kind": "victims.referral", "id": str(own.uuid)}]
    # An amendment is checked alike.
    with pytest.raises(RuleViolation) as refused:
        operations.goal_update(actor=cast.alice, goal=goal, expected_version=1, changes={"links": [link]})
    assert refused.value.field == "links"


def test_only_a_caseworker_writes_goals(adult_case, cast, places):
    write_plan(adult_case, cast.alice)
    with pytest.raises(PermissionDenied):
        operations.goal_create(actor=cast.dave, case=adult_case, data=goal_body(places.fz_education))


# --- closing the case --------------------------------------------------------------------------


def test_a_case_is_not_closed_while_a_goal_is_open(adult_case, cast, places):
    write_plan(adult_case, cast.alice)
    open_goal = operations.goal_create(
        actor=cast.alice, case=adult_case, data=goal_body(places.fz_education, description="秘密目标描述（虚构）")
    )
    achieved = operations.goal_create(
        actor=cast.alice, case=adult_case, data=goal_body(places.fz_labor, domain=NeedDomain.LIVELIHOOD)
    )
    operations.goal_close(actor=cast.alice, goal=achieved, expected_version=1, status=GoalStatus.ACHIEVED)
    case = Case.objects.get(pk=adult_case.pk)
    with pytest.raises(Conflict) as refused:
        case_operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)
    assert refused.value.code == "open_goals"
    message = refused.value.message
    assert str(NeedDomain.EDUCATION.label) in message and open_goal.target_on.isoformat() in message
    assert str(NeedDomain.LIVELIHOOD.label) not in message  # achieved: no longer in the way
    assert "秘密目标描述" not in message  # the goal's words are personal: never in an error
    assert Case.objects.get(pk=case.pk).stage != Stage.CLOSED
    operations.goal_close(
        actor=cast.alice, goal=open_goal, expected_version=1, status=GoalStatus.NO_LONGER_NEEDED,
        reason="本人已就读当地学校（虚构）",
    )  # fmt: skip
    closed = case_operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)
    assert closed.stage == Stage.CLOSED


def test_the_close_check_is_declared_by_the_section():
    from registry import casefile

    assert operations.refuse_close_with_open_goals in casefile.close_checks()


# --- the audit log -----------------------------------------------------------------------------


def test_every_change_is_audited_without_free_text(adult_case, cast, places):
    plan = write_plan(adult_case, cast.alice, summary="评估摘要ZZQ")
    goal = operations.goal_create(
        actor=cast.alice, case=adult_case, data=goal_body(places.fz_education, description="目标ZZQ")
    )
    operations.goal_close(actor=cast.alice, goal=goal, expected_version=1, status="not_achievable", reason="理由ZZQ")
    operations.review_create(actor=cast.alice, plan=plan, data={"reviewed_on": TODAY, "summary": "复查ZZQ"})
    events = [event for event in AuditEvent.objects.filter(case_uuid=adult_case.uuid) if "care_plan" in event.sections]
    models = {(event.action, event.detail["model"]) for event in events}
    assert {
        (AuditAction.RECORD_CREATED, "careplan"),
        (AuditAction.RECORD_CREATED, "goal"),
        (AuditAction.RECORD_UPDATED, "goal"),
        (AuditAction.RECORD_CREATED, "review"),
    } <= models
    assert not any("ZZQ" in str(event.detail) for event in events)
