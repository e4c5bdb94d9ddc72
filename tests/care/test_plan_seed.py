"""The demo's care plans (``care.plan.seed``): written through the operations for the open
cases, every domain rated, goals in several states with their reasons, reviews in the past,
children's plans approved by someone other than their author — and a second run adds nothing."""

from __future__ import annotations

import pytest

from care.choices import GOAL_STATUSES_WITH_REASON, ApprovalStatus, NeedDomain
from care.models import CarePlan, Goal, Review
from care.plan.operations import is_child
from care.plan.seed import seed_care_plans
from registry.history import recorded_change
from tests.victims.conftest import CLOSING, TODAY
from tests.victims.test_api_matrix import register_case
from victims import operations as case_operations
from victims.models import Case
from victims.seed.recording import mark_synthetic

pytestmark = pytest.mark.django_db


def test_the_demo_plans_follow_the_rules_and_a_second_run_adds_nothing(places, cast):
    cases = [register_case(places, cast, seed=70 + number, age=12 if number % 2 else 30) for number in range(10)]
    by_hand = cases[1]  # the others are marked as the seed's own, as victims.seed marks the cases it registers
    with recorded_change(actor=None, reason="seed_demo"):
        for case in cases:
            if case != by_hand:
                mark_synthetic(case)
    closed = Case.objects.get(pk=cases[0].pk)
    case_operations.case_close(actor=cast.dave, case=closed, expected_version=closed.version, **CLOSING)

    first = seed_care_plans(seed=1)
    assert first.written == CarePlan.objects.count() >= 5
    assert not CarePlan.objects.filter(case__in=[closed, by_hand]).exists()
    for plan in CarePlan.objects.select_related("case"):
        assert set(plan.needs.values_list("domain", flat=True)) == set(NeedDomain.values)
        assert plan.created_by == cast.alice and plan.assessed_on <= TODAY
        if is_child(plan.case):
            assert plan.approval in (ApprovalStatus.APPROVED, ApprovalStatus.AWAITING_APPROVAL)
            assert plan.approved_by in (None, cast.dave)
        else:
            assert plan.approval == ApprovalStatus.NOT_REQUIRED
        rated = plan.needs.exclude(rating="none").count()
        assert min(2, rated) <= plan.goals.count() <= 4
    for goal in Goal.objects.all():
        assert goal.status_reason or goal.status not in GOAL_STATUSES_WITH_REASON
    for review in Review.objects.select_related("plan"):
        assert review.plan.assessed_on <= review.reviewed_on <= TODAY
        assert review.approved_by in (None, cast.dave)

    again = seed_care_plans(seed=1)
    assert (again.written, again.present) == (0, first.written)
