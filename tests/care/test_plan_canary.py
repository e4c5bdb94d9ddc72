"""The canary: a unique string in every encrypted field of the care plan, written through the
operations (and amended) — and not one of them is found in clear in the database (records,
history, audit log) nor in any log record, nor in the answer of a refusal."""

from __future__ import annotations

import logging

import pytest

from care.choices import GoalStatus, NeedDomain
from care.models import CarePlan, Goal, Need, Review
from care.plan import operations
from registry.errors import Conflict
from tests.care.test_plan_operations import goal_body, needs, write_plan
from tests.helpers import assert_history_holds_only_ciphertext, assert_not_stored
from tests.victims.conftest import CLOSING, TODAY
from tests.victims.test_api_matrix import register_case
from victims import operations as case_operations
from victims.models import Case

TAG = "7f3a1d"


@pytest.mark.django_db(transaction=True)
def test_no_value_of_an_encrypted_field_is_stored_or_logged_in_clear(places, cast, caplog):
    caplog.set_level(logging.DEBUG)
    secret = {name: f"金丝雀{TAG}{name}" for name in (
        "summary", "summary_2", "need", "need_2", "goal", "goal_2", "open_goal", "reason", "review",
    )}  # fmt: skip
    case = register_case(places, cast, seed=61, age=15)
    plan = write_plan(case, cast.alice, summary=secret["summary"], needs=needs(safety=secret["need"]))
    plan = operations.care_plan_update(
        actor=cast.alice, plan=plan, expected_version=plan.version, changes={
            "summary": secret["summary_2"],
            "needs": [{"domain": NeedDomain.LEGAL, "rating": "high", "description": secret["need_2"]}],
        },
    )  # fmt: skip
    operations.care_plan_approve(actor=cast.dave, plan=plan, expected_version=plan.version)
    goal = operations.goal_create(
        actor=cast.alice, case=case, data=goal_body(places.fz_education, description=secret["goal"])
    )
    goal = operations.goal_update(actor=cast.alice, goal=goal, expected_version=1, changes={
        "description": secret["goal_2"]})  # fmt: skip
    operations.goal_close(
        actor=cast.alice, goal=goal, expected_version=goal.version, status=GoalStatus.NOT_ACHIEVABLE,
        reason=secret["reason"],
    )  # fmt: skip
    operations.goal_create(
        actor=cast.alice, case=case, data=goal_body(places.fz_labor, description=secret["open_goal"])
    )
    review = operations.review_create(
        actor=cast.alice, plan=plan, data={"reviewed_on": TODAY, "summary": secret["review"]}
    )
    operations.review_approve(actor=cast.dave, review=review, expected_version=review.version)
    case = Case.objects.get(pk=case.pk)
    with pytest.raises(Conflict) as refused:  # the open goal is named, never described
        case_operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)
    assert not any(value in refused.value.message for value in secret.values())

    assert_not_stored(*secret.values())
    for model in (CarePlan, Need, Goal, Review):
        assert_history_holds_only_ciphertext(model)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(value in logged for value in secret.values())
