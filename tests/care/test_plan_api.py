"""The care plan's API beyond the policy matrix: what a receiving department reads, refusals
with their codes and fields, versions, and the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from care.choices import ApprovalStatus, GoalLinkKind, GoalStatus, NeedDomain
from care.models import CarePlan, Goal
from care.plan import operations
from registry import casefile
from tests.care.test_plan_api_matrix import as_json
from tests.care.test_plan_operations import become_civil_affairs, goal_body, plan_body, write_plan
from tests.factories import OrganizationFactory
from tests.victims.conftest import TODAY
from tests.victims.test_api_matrix import if_match, referred_case
from victims.models import Referral

pytestmark = pytest.mark.django_db
SECRET_SUMMARY = "评估摘要仅限本机构（虚构）"


@pytest.fixture
def case(places, cast):
    """A child's case referred to Bob's, Erin's and Frank's organizations, with a plan and a
    goal of each: the education bureau's, a school's (education too), the legal aid centre's
    and the relief station's; and a review."""
    case = referred_case(places, cast, age=16)
    plan = write_plan(case, cast.alice, summary=SECRET_SUMMARY)
    school = OrganizationFactory(name="福州市某小学（虚构）", department="education", kind="school",
                                 jurisdiction=places.gulou)  # fmt: skip
    for owner, domain in (
        (places.fz_education, NeedDomain.EDUCATION),
        (school, NeedDomain.EDUCATION),
        (places.fz_legal_aid, NeedDomain.LEGAL),
        (places.fz_shelter, NeedDomain.SAFETY),
    ):
        operations.goal_create(actor=cast.alice, case=case, data=goal_body(owner, domain=domain))
    operations.review_create(actor=cast.alice, plan=plan, data={"reviewed_on": TODAY, "summary": "复查（虚构）"})
    return case


def plan_url(case) -> str:
    return reverse("care-plan", kwargs={"id": case.uuid})


def goals_url(case) -> str:
    return reverse("care-plan-goals", kwargs={"id": case.uuid})


def owners_of(goals: list[dict]) -> set[str]:
    return {goal["owner"] for goal in goals}


def test_a_receiving_department_reads_only_its_departments_goals(case, cast, places, api_client_for):
    education = {str(places.fz_education.uuid), str(Goal.objects.get(owner__kind="school").owner.uuid)}
    expected = {"bob": education, "erin": {str(places.fz_legal_aid.uuid)}, "frank": set()}
    for member, owners in expected.items():
        client = api_client_for(getattr(cast, member))
        response = client.get(plan_url(case))
        assert response.status_code == 200, member
        assert set(response.json()) == {"id", "goals"}, member
        assert owners_of(response.json()["goals"]) == owners, member
        assert SECRET_SUMMARY not in response.content.decode()
        listed = client.get(goals_url(case)).json()["results"]
        assert owners_of(listed) == owners, member
    full = api_client_for(cast.dave).get(plan_url(case)).json()
    assert len(full["goals"]) == 4 and full["summary"] == SECRET_SUMMARY and len(full["needs"]) == len(NeedDomain)


def test_a_receiving_department_reaches_no_other_departments_goal(case, cast, places, api_client_for):
    legal = Goal.objects.get(owner=places.fz_legal_aid)
    education = Goal.objects.get(owner=places.fz_education)
    bob = api_client_for(cast.bob)
    url = reverse("care-plan-goal", kwargs={"id": legal.uuid})
    assert bob.patch(url, {"target_on": TODAY.isoformat()}, format="json", headers=if_match(1)).status_code == 404
    url = reverse("care-plan-goal", kwargs={"id": education.uuid})
    refused = bob.patch(url, {"target_on": TODAY.isoformat()}, format="json", headers=if_match(1))
    assert refused.status_code == 403  # it reads its own department's goal, but writes none


def test_the_case_file_and_its_history_narrow_the_care_plan_alike(case, cast, api_client_for):
    education = {goal.uuid for goal in Goal.objects.filter(owner__department="education")}
    section = api_client_for(cast.bob).get(reverse("case-detail", kwargs={"id": case.uuid})).json()["care_plan"]
    assert section["plan"] == [] and section["needs"] == [] and section["reviews"] == []
    assert {goal["id"] for goal in section["goals"]} == {str(uuid) for uuid in education}
    history = casefile.case_history(cast.bob, case)
    assert {entry["kind"] for entry in history if "care_plan" in entry["sections"]} == {"goal"}
    assert {entry["record"] for entry in history if entry["kind"] == "goal"} == {str(uuid) for uuid in education}
    assert SECRET_SUMMARY not in str(history)
    full = casefile.case_history(cast.alice, case)
    assert {"careplan", "need", "goal", "review"} <= {entry["kind"] for entry in full}


def test_a_case_out_of_scope_is_not_found_on_every_route(case, cast, api_client_for):
    goal = Goal.objects.filter(case=case).first()
    review = case.reviews.first()
    carol = api_client_for(cast.carol)
    calls = [
        ("get", plan_url(case), None, {}),
        ("patch", plan_url(case), {"summary": "x"}, if_match(1)),
        ("post", reverse("care-plan-approve", kwargs={"id": case.uuid}), {}, if_match(1)),
        ("get", goals_url(case), None, {}),
        ("post", goals_url(case), {}, {}),
        ("post", reverse("care-plan-reviews", kwargs={"id": case.uuid}), {}, {}),
        ("patch", reverse("care-plan-goal", kwargs={"id": goal.uuid}), {}, if_match(1)),
        ("post", reverse("care-plan-goal-close", kwargs={"id": goal.uuid}), {}, if_match(1)),
        ("post", reverse("care-plan-review-approve", kwargs={"id": review.uuid}), {}, if_match(1)),
    ]
    for method, url, body, headers in calls:
        response = getattr(carol, method)(url, body, format="json", headers=headers)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), url


def test_a_case_without_a_plan_answers_404_and_takes_one(places, cast, api_client_for):
    case = referred_case(places, cast, seed=31)
    client = api_client_for(cast.alice)
    assert client.get(plan_url(case)).status_code == 404
    created = client.post(plan_url(case), as_json(plan_body()), format="json")
    assert created.status_code == 201
    assert created["ETag"] == '"1"'
    assert created.json()["approval"] == ApprovalStatus.NOT_REQUIRED
    again = client.post(plan_url(case), as_json(plan_body()), format="json")
    assert (again.status_code, again.json()["code"]) == (409, "care_plan_exists")


def test_a_change_needs_the_version_read(case, cast, api_client_for):
    client = api_client_for(cast.alice)
    assert client.patch(plan_url(case), {"summary": "x"}, format="json").status_code == 428
    stale = client.patch(plan_url(case), {"summary": "x"}, format="json", headers=if_match(9))
    assert stale.status_code == 412
    assert CarePlan.objects.get(case=case).summary == SECRET_SUMMARY
    done = client.patch(plan_url(case), {"summary": "新的摘要（虚构）"}, format="json", headers=if_match(1))
    assert (done.status_code, done["ETag"]) == (200, '"2"')


def test_closing_a_goal_without_achieving_it_needs_the_reason(case, cast, places, api_client_for):
    goal = Goal.objects.get(owner=places.fz_shelter)
    url = reverse("care-plan-goal-close", kwargs={"id": goal.uuid})
    client = api_client_for(cast.alice)
    refused = client.post(url, {"status": "not_achievable"}, format="json", headers=if_match(1))
    assert refused.status_code == 400 and "reason" in refused.json()["fields"]
    reopen = client.post(url, {"status": "open"}, format="json", headers=if_match(1))
    assert reopen.status_code == 400 and "status" in reopen.json()["fields"]
    closed = client.post(
        url, {"status": "not_achievable", "reason": "已迁居（虚构）"}, format="json", headers=if_match(1)
    )
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["closed_on"]) == (GoalStatus.NOT_ACHIEVABLE, TODAY.isoformat())


def test_a_goal_naming_another_cases_record_is_refused(case, cast, places, api_client_for):
    other = referred_case(places, cast, seed=32)
    foreign = Referral.objects.filter(case=other).first()
    body = as_json(goal_body(str(places.fz_labor.uuid)))
    body["links"] = [{"kind": GoalLinkKind.REFERRAL, "id": str(foreign.uuid)}]
    refused = api_client_for(cast.alice).post(goals_url(case), body, format="json")
    assert refused.status_code == 400 and "links" in refused.json()["fields"]
    body["links"] = [{"kind": GoalLinkKind.REFERRAL, "id": str(Referral.objects.filter(case=case).first().uuid)}]
    assert api_client_for(cast.alice).post(goals_url(case), body, format="json").status_code == 201
    body["owner"] = "00000000-0000-0000-0000-000000000000"
    unknown = api_client_for(cast.alice).post(goals_url(case), body, format="json")
    assert unknown.status_code == 400 and "owner" in unknown.json()["fields"]


def test_four_eyes_over_the_api(case, cast, places, api_client_for):
    become_civil_affairs(cast.alice, places)
    url = reverse("care-plan-approve", kwargs={"id": case.uuid})
    refused = api_client_for(cast.alice).post(url, {}, format="json", headers=if_match(1))
    assert (refused.status_code, refused.json()["code"]) == (403, "four_eyes")
    review = case.reviews.first()
    review_url = reverse("care-plan-review-approve", kwargs={"id": review.uuid})
    refused = api_client_for(cast.alice).post(review_url, {}, format="json", headers=if_match(1))
    assert (refused.status_code, refused.json()["code"]) == (403, "four_eyes")
    approved = api_client_for(cast.dave).post(url, {}, format="json", headers=if_match(1))
    assert approved.status_code == 200 and approved.json()["approved_by"] == "dave"
    again = api_client_for(cast.dave).post(url, {}, format="json", headers=if_match(2))
    assert (again.status_code, again.json()["code"]) == (409, "not_awaiting_approval")
    assert api_client_for(cast.dave).post(review_url, {}, format="json", headers=if_match(1)).status_code == 200


def test_the_schema_documents_the_care_plan_without_warnings_of_its_own():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # A warning is this module's when it is located in it (``care/plan/…: Warning [...]``).
    ours = [
        message
        for message in {**GENERATOR_STATS._warn_cache, **GENERATOR_STATS._error_cache}
        if message.split(":", 1)[0].replace("\\", "/").rsplit("care/", 1)[-1].startswith("plan/")
    ]
    assert not ours, ours
    validate_schema(schema)
    paths = schema["paths"]
    assert {
        "/api/v1/cases/{id}/care-plan/", "/api/v1/cases/{id}/care-plan/approve/", "/api/v1/cases/{id}/care-plan/goals/",
        "/api/v1/cases/{id}/care-plan/reviews/", "/api/v1/care-plan/goals/{id}/", "/api/v1/care-plan/goals/{id}/close/",
        "/api/v1/care-plan/reviews/{id}/approve/",
    } <= set(paths)  # fmt: skip
    approve = paths["/api/v1/cases/{id}/care-plan/approve/"]["post"]
    assert "If-Match" in {parameter["name"] for parameter in approve["parameters"]}
    assert {"assessed_on", "summary", "needs"} <= set(schema["components"]["schemas"]["PlanInput"]["properties"])
