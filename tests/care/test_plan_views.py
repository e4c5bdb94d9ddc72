"""The care plan's pages: the tab of the case file for each role, the forms, the approve
buttons, the timeline and the dashboard panel of reviews due and approvals waiting."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from care.choices import ApprovalStatus, GoalStatus, NeedDomain, NeedRating
from care.models import CarePlan, Goal
from care.plan import operations
from registry.decisions import MARKER
from registry.models import AuditAction, AuditEvent
from tests.care.test_plan_operations import become_civil_affairs, goal_body, second_caseworker, write_plan
from tests.victims.conftest import CLOSING, TODAY
from tests.victims.test_api_matrix import referred_case, register_case
from victims import operations as case_operations
from victims.models import Case

pytestmark = pytest.mark.django_db
SUMMARY = "入站评估摘要（虚构）"


def days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def page(response) -> str:
    return unescape(response.content.decode())


def zh(message: str) -> str:
    """``message`` as the pages print it (their language is Chinese)."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def tab(client, case) -> str:
    response = client.get(reverse("victims:case", args=[case.uuid]) + "?tab=care_plan")
    assert response.status_code == 200
    return page(response)


def url(name: str, case, *args) -> str:
    return reverse(f"care:{name}", args=[case.uuid, *args])


def panel(body: str, ident: str) -> str | None:
    match = re.search(rf'<section class="panel" id="{ident}"[^>]*>(.*?)</section>', body, re.DOTALL)
    return unescape(match.group(1)) if match else None


def field_error(body: str, name: str) -> str | None:
    match = re.search(rf'<div class="field field--error[^"]*" id="field-{name}">(.*?)</div>', body, re.DOTALL)
    return match.group(1) if match else None


@pytest.fixture
def case(places, cast):
    """An adult's case referred to Bob's, Erin's and Frank's organizations, with a plan and an
    education goal (Bob's bureau) and a legal goal (Erin's centre)."""
    case = referred_case(places, cast, seed=41)
    write_plan(case, cast.alice, summary=SUMMARY)
    operations.goal_create(actor=cast.alice, case=case, data=goal_body(places.fz_education, description="教育目标X"))
    operations.goal_create(
        actor=cast.alice,
        case=case,
        data=goal_body(places.fz_legal_aid, domain=NeedDomain.LEGAL, description="法律目标Y"),
    )
    return case


# --- the tab -----------------------------------------------------------------------------------


def test_the_caseworker_sees_the_whole_plan_with_its_steps(as_user, cast, case):
    body = tab(as_user(cast.alice), case)
    assert SUMMARY in body
    for domain in NeedDomain:
        assert f'id="need-{domain.value}"' in body
    assert "教育目标X" in body and "法律目标Y" in body
    for ident in ("edit-plan", "add-goal", "add-review"):
        assert f'id="{ident}"' in body
    assert 'id="approve-plan"' not in body


def test_a_receiving_department_sees_only_its_departments_goals_on_the_tab(as_user, cast, case):
    body = tab(as_user(cast.bob), case)
    assert "教育目标X" in body and "法律目标Y" not in body
    assert SUMMARY not in body and 'id="needs"' not in body
    assert 'id="care-plan-own-goals"' in body
    assert 'id="add-goal"' not in body and 'id="write-plan"' not in body
    body = tab(as_user(cast.erin), case)
    assert "法律目标Y" in body and "教育目标X" not in body


def test_a_case_without_a_plan_offers_to_write_one(as_user, cast, places):
    case = register_case(places, cast, seed=42)
    assert 'id="write-plan"' in tab(as_user(cast.alice), case)
    assert 'id="write-plan"' not in tab(as_user(cast.dave), case)


def test_an_overdue_review_is_flagged_on_the_tab(as_user, cast, places):
    case = register_case(places, cast, seed=43, age=30)
    write_plan(case, cast.alice, assessed_on=TODAY - days(100))
    body = tab(as_user(cast.alice), case)
    assert 'id="review-overdue"' in body and (TODAY - days(10)).isoformat() in body


def test_a_goals_links_read_as_the_records_kind_and_date(as_user, cast, places, case):
    from care.choices import GoalLinkKind
    from victims.models import Referral

    referral = Referral.objects.filter(case=case, to_organization=places.fz_education).get()
    link = {"kind": GoalLinkKind.REFERRAL, "id": str(referral.uuid)}
    goal = Goal.objects.get(owner=places.fz_education)
    operations.goal_update(actor=cast.alice, goal=goal, expected_version=1, changes={"links": [link]})
    label = f"{zh('Referral')}, {timezone.localdate(referral.created_at).isoformat()}"
    assert label in tab(as_user(cast.alice), case)


def test_the_timeline_shows_the_assessment(as_user, cast, case):
    response = as_user(cast.alice).get(reverse("victims:case", args=[case.uuid]) + "?tab=timeline")
    assert zh("Needs assessed") in page(response)


# --- the forms ---------------------------------------------------------------------------------


def plan_form(**overrides) -> dict:
    data = {"assessed_on": TODAY.isoformat(), "summary": "表单评估（虚构）"}
    for domain in NeedDomain.values:
        data[f"rating_{domain}"] = NeedRating.LOW
        data[f"description_{domain}"] = ""
    return {**data, **overrides}


def test_the_caseworker_writes_a_plan_through_the_form(as_user, cast, places):
    case = register_case(places, cast, seed=44, age=30)
    client = as_user(cast.alice)
    assert client.get(url("plan-create", case)).status_code == 200
    missing = client.post(url("plan-create", case), plan_form(rating_safety=""))
    assert missing.status_code == 200 and field_error(page(missing), "rating_safety")
    assert not CarePlan.objects.exists()
    response = client.post(url("plan-create", case), plan_form())
    assert response.status_code == 302
    plan = CarePlan.objects.get(case=case)
    assert plan.summary == "表单评估（虚构）" and plan.needs.count() == len(NeedDomain)


def test_an_unchanged_edit_changes_nothing_and_a_changed_one_saves(as_user, cast, case):
    client = as_user(cast.alice)
    plan = CarePlan.objects.get(case=case)
    form = plan_form(assessed_on=plan.assessed_on.isoformat(), summary=SUMMARY, version=plan.version)
    for need in plan.needs.all():
        form[f"rating_{need.domain}"], form[f"description_{need.domain}"] = need.rating, need.description
    assert client.post(url("plan-edit", case), form).status_code == 302
    assert CarePlan.objects.get(pk=plan.pk).version == 1
    form["rating_legal"] = NeedRating.HIGH
    assert client.post(url("plan-edit", case), form).status_code == 302
    assert CarePlan.objects.get(pk=plan.pk).version == 2
    assert plan.needs.get(domain="legal").rating == NeedRating.HIGH


def test_closing_a_goal_without_the_reason_shows_the_error_on_its_field(as_user, cast, places, case):
    goal = Goal.objects.get(owner=places.fz_legal_aid)
    client = as_user(cast.alice)
    refused = client.post(url("goal-close", case, goal.uuid), {"status": "not_achievable", "version": 1})
    assert refused.status_code == 200 and field_error(page(refused), "reason")
    assert Goal.objects.get(pk=goal.pk).status == GoalStatus.OPEN
    done = client.post(url("goal-close", case, goal.uuid), {"status": "not_achievable", "reason": "理由", "version": 1})
    assert done.status_code == 302 and Goal.objects.get(pk=goal.pk).status == GoalStatus.NOT_ACHIEVABLE


def test_the_goal_form_offers_the_cases_records(as_user, cast, case):
    body = page(as_user(cast.alice).get(url("goal-add", case)))
    assert 'name="links"' in body and f"{zh('Referral')}, " in body


def test_who_may_not_write_is_refused_and_who_does_not_see_finds_nothing(as_user, cast, places, case):
    goal = Goal.objects.get(owner=places.fz_education)
    assert as_user(cast.bob).get(url("plan-edit", case)).status_code == 403
    assert as_user(cast.bob).get(url("goal-edit", case, goal.uuid)).status_code == 403
    assert as_user(cast.erin).get(url("goal-edit", case, goal.uuid)).status_code == 404  # another department's
    assert as_user(cast.dave).get(url("goal-add", case)).status_code == 403
    for name, args in (("plan-edit", ()), ("goal-add", ()), ("goal-close", (goal.uuid,))):
        assert as_user(cast.carol).get(url(name, case, *args)).status_code == 404


def test_civil_affairs_approves_a_childs_plan_through_its_confirmation_page(as_user, cast, places):
    case = register_case(places, cast, seed=45, age=12)
    plan = write_plan(case, cast.alice)
    body = tab(as_user(cast.dave), case)
    assert 'id="approve-plan"' in body and 'id="plan-approval"' in body
    assert as_user(cast.alice).post(url("plan-approve", case), {"version": 1}).status_code == 403
    shown = as_user(cast.dave).post(url("plan-approve", case), {"version": 1})  # the tab's button
    assert shown.status_code == 200 and 'id="decision-approve"' in shown.content.decode()
    assert CarePlan.objects.get(pk=plan.pk).approval == ApprovalStatus.AWAITING_APPROVAL
    response = as_user(cast.dave).post(url("plan-approve", case), {MARKER: "1", "version": 1, "comment": "同意"})
    assert response.status_code == 302
    approved = CarePlan.objects.get(pk=plan.pk)
    assert (approved.approval, approved.decision_comment) == (ApprovalStatus.APPROVED, "同意")


# --- the dashboard -----------------------------------------------------------------------------


def dashboard(client) -> str:
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_caseworker_sees_the_reviews_overdue_and_due_soon(as_user, cast, places):
    overdue = register_case(places, cast, seed=46, age=30)
    write_plan(overdue, cast.alice, assessed_on=TODAY - days(100))
    soon = register_case(places, cast, seed=47, age=30)
    write_plan(soon, cast.alice, assessed_on=TODAY - days(80))
    later = register_case(places, cast, seed=48, age=30)
    write_plan(later, cast.alice, assessed_on=TODAY)
    body = dashboard(as_user(cast.alice))
    listed = panel(body, "care-plan-reviews-due")
    assert overdue.number in listed and soon.number in listed and later.number not in listed
    assert 'id="reviews-overdue"' in body
    assert (TODAY - days(10)).isoformat() in listed
    listed_events = AuditEvent.objects.filter(action=AuditAction.CASE_LISTED)
    (event,) = [event for event in listed_events if event.detail.get("view") == "care_plan_dashboard"]
    assert "care_plan" in event.sections and event.detail["count"] == 2
    assert panel(dashboard(as_user(cast.carol)), "care-plan-reviews-due") is not None
    assert overdue.number not in panel(dashboard(as_user(cast.carol)), "care-plan-reviews-due")


def test_a_closed_case_has_no_review_due(as_user, cast, places):
    case = register_case(places, cast, seed=49, age=30)
    write_plan(case, cast.alice, assessed_on=TODAY - days(100))
    case = Case.objects.get(pk=case.pk)
    case_operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)
    assert case.number not in panel(dashboard(as_user(cast.alice)), "care-plan-reviews-due")


def test_civil_affairs_sees_what_awaits_its_approval_but_not_what_it_wrote(as_user, cast, places):
    child = register_case(places, cast, seed=50, age=12)
    plan = write_plan(child, cast.alice)
    operations.review_create(actor=cast.alice, plan=plan, data={"reviewed_on": TODAY, "summary": "复查"})
    body = dashboard(as_user(cast.dave))
    listed = panel(body, "care-plan-approvals")
    assert listed.count(child.number) == 2  # the plan and its review
    # Amy amends the plan, then moves to civil affairs: the plan is hers too, the review is not.
    amy = second_caseworker(places)
    operations.care_plan_update(actor=amy, plan=plan, expected_version=plan.version, changes={"summary": "补充"})
    become_civil_affairs(amy, places)
    assert panel(dashboard(as_user(amy)), "care-plan-approvals").count(child.number) == 1
    assert panel(body, "care-plan-reviews-due") is None  # civil affairs writes no plan
    for member in ("bob", "erin", "frank", "grace", "heidi"):
        member_body = dashboard(as_user(getattr(cast, member)))
        assert panel(member_body, "care-plan-approvals") is None and panel(member_body, "care-plan-reviews-due") is None
