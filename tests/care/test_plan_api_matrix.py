"""The care plan's API held to the policy: every route and method, run as every member of the cast.

The record is the case of ``tests.victims.test_api_matrix`` (Alice's, in Gulou, referred to
Bob's, Erin's and Frank's organizations, all accepted) of a 16-year-old — a child, so the plan
and its review await approval — with a plan Alice wrote, a goal owned by the Fuzhou education
bureau (Bob's) and a review. Expectations come from the policy, refined as the section is:

- a receiving department reads the plan only as the goals its department owns: ``id`` and
  ``goals`` of the plan; a goal of another department, and every review, are absent to it (404);
- writes need the section's write access (the caseworker), approvals ``approve_care_plan``
  (civil affairs) — 403 for a role that sees the record but may not.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from care.models import CarePlan, Goal, Review
from care.plan import operations
from care.plan.selectors import GOAL_FIELDS, PLAN_FIELDS
from registry import policy
from registry.policy import Action, Scope, Section
from tests.care.test_plan_operations import goal_body, plan_body, write_plan
from tests.policy_matrix import PolicyMatrix
from tests.victims.conftest import TODAY
from tests.victims.test_api_matrix import ENVELOPE, case_scope_facts, if_match, referred_case

PLAN_KEYS = frozenset({"id", "version", *PLAN_FIELDS, "needs", "goals", "reviews"})
RECEIVER_PLAN_KEYS = frozenset({"id", "goals"})
GOAL_KEYS = frozenset({"id", "version", *GOAL_FIELDS})


def as_json(data: dict) -> dict:
    return {name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in data.items()}


class CarePlanMatrix(PolicyMatrix):
    """The record is the case; ``with_plan`` says whether it has its plan, goal and review."""

    with_plan = True

    def make_record(self, places, cast):
        case = referred_case(places, cast, age=16)
        if self.with_plan:
            plan = write_plan(case, cast.alice)
            operations.goal_create(actor=cast.alice, case=case, data=goal_body(places.fz_education))
            operations.review_create(
                actor=cast.alice, plan=plan, data={"reviewed_on": TODAY, "summary": "复查（虚构）"}
            )
        case.education_uuid = places.fz_education.uuid
        return case

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})

    def scope_facts(self, record):
        return case_scope_facts(record)

    def plan(self, record) -> CarePlan:
        return CarePlan.objects.get(case=record)


@pytest.mark.django_db
class TestCarePlanDetailMatrix(CarePlanMatrix):
    route_name = "care-plan"

    def expected_keys(self, user):
        # A receiving department reads the goals its department owns, not the assessment.
        return set(RECEIVER_PLAN_KEYS if policy.scope_of(user) is Scope.REFERRAL else PLAN_KEYS)


@pytest.mark.django_db
class TestCarePlanCreateMatrix(CarePlanMatrix):
    route_name = "care-plan"
    kind = "write"
    method = "post"
    success_status = 201
    write_section = Section.CARE_PLAN
    with_plan = False

    def body(self, record):
        return as_json(plan_body())


@pytest.mark.django_db
class TestCarePlanAmendMatrix(CarePlanMatrix):
    route_name = "care-plan"
    kind = "write"
    method = "patch"
    write_section = Section.CARE_PLAN

    def body(self, record):
        return {"summary": "补充评估（虚构）"}

    def headers(self, record):
        return if_match(self.plan(record).version)


@pytest.mark.django_db
class TestCarePlanApproveMatrix(CarePlanMatrix):
    route_name = "care-plan-approve"
    kind = "write"
    method = "post"
    action = Action.APPROVE_CARE_PLAN

    def headers(self, record):
        return if_match(self.plan(record).version)


@pytest.mark.django_db
class TestCarePlanGoalListMatrix(CarePlanMatrix):
    route_name = "care-plan-goals"
    always_keys = ENVELOPE


@pytest.mark.django_db
class TestCarePlanGoalCreateMatrix(CarePlanMatrix):
    route_name = "care-plan-goals"
    kind = "write"
    method = "post"
    success_status = 201
    write_section = Section.CARE_PLAN

    def body(self, record):
        return as_json(goal_body(str(record.education_uuid)))


@pytest.mark.django_db
class TestCarePlanReviewCreateMatrix(CarePlanMatrix):
    route_name = "care-plan-reviews"
    kind = "write"
    method = "post"
    success_status = 201
    write_section = Section.CARE_PLAN

    def body(self, record):
        return {"reviewed_on": TODAY.isoformat(), "summary": "复查（虚构）"}


# --- routes that name a goal or a review -------------------------------------------------------


class GoalMatrix(CarePlanMatrix):
    kind = "write"
    method = "post"
    write_section = Section.CARE_PLAN

    def make_record(self, places, cast):
        case = super().make_record(places, cast)
        return Goal.objects.select_related("case", "owner").get(case=case)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})

    def headers(self, record):
        return if_match(record.version)

    def scope_facts(self, record):
        facts = case_scope_facts(record.case)
        # A receiving department reads the goal only when its department owns it (Bob's bureau).
        facts["referred_organization_ids"] &= {record.owner_id}
        return facts


@pytest.mark.django_db
class TestCarePlanGoalAmendMatrix(GoalMatrix):
    route_name = "care-plan-goal"
    method = "patch"

    def body(self, record):
        return {"target_on": TODAY.isoformat()}


@pytest.mark.django_db
class TestCarePlanGoalCloseMatrix(GoalMatrix):
    route_name = "care-plan-goal-close"

    def body(self, record):
        return {"status": "achieved"}


@pytest.mark.django_db
class TestCarePlanReviewApproveMatrix(CarePlanMatrix):
    route_name = "care-plan-review-approve"
    kind = "write"
    method = "post"
    action = Action.APPROVE_CARE_PLAN

    def make_record(self, places, cast):
        case = super().make_record(places, cast)
        return Review.objects.select_related("case").get(case=case)

    def headers(self, record):
        return if_match(record.version)

    def scope_facts(self, record):
        facts = case_scope_facts(record.case)
        facts["referred_organization_ids"] = set()  # no receiving department reads a review
        return facts


def test_the_matrix_keys_are_what_the_api_answers(db, places, cast, api_client_for):
    case = CarePlanMatrix().make_record(places, cast)
    answer = api_client_for(cast.alice).get(reverse("care-plan", kwargs={"id": case.uuid})).json()
    assert set(answer) == PLAN_KEYS
    assert set(answer["goals"][0]) == GOAL_KEYS
