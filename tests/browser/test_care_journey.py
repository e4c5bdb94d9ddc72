"""The care plan of a rescued child in a real browser (no JavaScript needed by the pages): Alice,
a caseworker, assesses the girl's needs in every domain and sets the plan's first goal; Dave,
civil affairs, approves it (four eyes: he did not write it); a case conference Alice records
decides a second goal, which joins the plan; and the review falling due shows on her dashboard.
The tabs are looked at on a desktop and on a phone, which must not scroll sideways."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from care.choices import ApprovalStatus, GoalStatus, NeedDomain, NeedRating, NoteKind, Participant
from care.models import CarePlan, CaseNote, ConferenceDecision, Goal, Need
from tests.browser.navigate import open_case
from tests.browser.test_case_journey import sign_in
from tests.browser.test_services_journey import sign_out, zh
from tests.victims.conftest import RESCUE, TODAY, person
from victims import operations

pytestmark = pytest.mark.browser

ASSESSED_ON = TODAY - datetime.timedelta(days=20)
NEXT_REVIEW_ON = ASSESSED_ON + datetime.timedelta(days=30)  # a child's plan: reviewed every 30 days
RATINGS = {
    NeedDomain.SAFETY: NeedRating.HIGH,
    NeedDomain.PHYSICAL_HEALTH: NeedRating.MODERATE,
    NeedDomain.MENTAL_HEALTH: NeedRating.HIGH,
    NeedDomain.EDUCATION: NeedRating.HIGH,
    NeedDomain.LIVELIHOOD: NeedRating.NONE,
    NeedDomain.LEGAL: NeedRating.LOW,
    NeedDomain.FAMILY: NeedRating.MODERATE,
    NeedDomain.DOCUMENTS: NeedRating.LOW,
}
DESCRIPTIONS = {
    NeedDomain.SAFETY: "收买人仍在原籍地，暂不宜返回（虚构）",
    NeedDomain.MENTAL_HEALTH: "夜间惊醒，需要心理疏导（虚构）",
    NeedDomain.EDUCATION: "失学两年，需插班就读（虚构）",
}
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _look_at(page, screenshot, tab: str) -> None:
    """Screenshots of the open tab on a desktop and on a phone, which must not scroll sideways."""
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{tab}-1366")
    page.set_viewport_size(PHONE)
    expect(page.locator(f"#tab-{tab}")).to_be_visible()
    _no_sideways_scroll(page)
    screenshot(page, f"{tab}-390")
    page.set_viewport_size(DESKTOP)


def test_a_childs_care_plan_is_assessed_approved_conferred_and_due_for_review(page, cast, places, password, screenshot):
    case = operations.case_register(
        actor=cast.alice, victim=person(601, age=12), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    page.set_viewport_size(DESKTOP)

    # Alice opens the girl's case and writes the needs assessment, every domain rated.
    sign_in(page, "alice", password)
    page.locator("#recent-cases a").first.click()
    page.locator("#tab-link-care_plan").click()
    expect(page.locator("#block-no-plan")).to_contain_text(zh("No care plan yet."))
    page.locator("#write-plan").click()
    expect(page.locator("#id_assessed_on")).to_have_value(TODAY.isoformat())
    page.locator("#id_assessed_on").fill(ASSESSED_ON.isoformat())
    page.locator("#id_summary").fill("12岁女童，解救后安置于救助管理站（虚构）")
    for domain, rating in RATINGS.items():
        page.locator(f"#id_rating_{domain.value}").select_option(rating.value)
    for domain, description in DESCRIPTIONS.items():
        page.locator(f"#id_description_{domain.value}").fill(description)
    screenshot(page, "assessment-form")
    page.locator("#record-form button[type=submit]").click()

    expect(page.locator(".message--success")).to_have_text(zh("The care plan is saved."))
    plan = CarePlan.objects.get(case=case)
    expect(page.locator("#plan-approval")).to_have_text(zh(ApprovalStatus.AWAITING_APPROVAL.label))
    expect(page.locator(f"#record-{plan.uuid}")).to_contain_text(
        zh("Waiting for approval by a civil affairs officer who did not write or change the plan.")
    )
    expect(page.locator("#approve-plan")).to_have_count(0)  # a caseworker never approves
    for domain, rating in RATINGS.items():
        expect(page.locator(f"#need-{domain.value} [data-field=rating]")).to_have_text(zh(rating.label))
    expect(page.locator("#need-education [data-field=description]")).to_have_text(DESCRIPTIONS[NeedDomain.EDUCATION])
    expect(page.locator("#need-livelihood [data-field=description]")).to_have_text("—")

    # Her first goal: the girl back at school, owned by the education bureau.
    page.locator("#add-goal").click()
    page.locator("#id_domain").select_option(NeedDomain.EDUCATION.value)
    page.locator("#id_description").fill("秋季学期插班入读鼓楼区某小学（虚构）")
    page.locator("#id_owner").select_option(str(places.fz_education.uuid))
    page.locator("#id_target_on").fill((TODAY + datetime.timedelta(days=60)).isoformat())
    page.locator("#record-form button[type=submit]").click()
    expect(page.locator(".message--success")).to_have_text(zh("The goal is added."))
    first_goal = Goal.objects.get(case=case)
    expect(page.locator(f"#record-{first_goal.uuid}")).to_contain_text(places.fz_education.name)
    expect(page.locator(f"#status-{first_goal.uuid}")).to_have_text(zh(GoalStatus.OPEN.label))
    assert (plan.approval, plan.created_by, plan.next_review_on) == (
        ApprovalStatus.AWAITING_APPROVAL, cast.alice, NEXT_REVIEW_ON,
    )  # fmt: skip
    assert {need.domain: need.rating for need in Need.objects.filter(plan=plan)} == RATINGS
    screenshot(page, "plan-awaiting-approval")
    sign_out(page)

    # Dave finds the plan awaiting his approval and approves it from the tab.
    sign_in(page, "dave", password)
    expect(page.locator("#care-plan-awaiting-approval")).to_contain_text(case.number)
    page.locator("#care-plan-awaiting-approval a").first.click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/\?tab=care_plan$"))
    page.locator("#approve-plan button").click()  # lands on its confirmation page (registry.decisions)
    page.locator("#decision-confirm").click()
    expect(page.locator(".message--success")).to_have_text(zh("You approved the care plan."))
    expect(page.locator("#plan-approval")).to_have_text(zh(ApprovalStatus.APPROVED.label))
    expect(page.locator("#approve-plan")).to_have_count(0)
    expect(page.locator(f"#record-{plan.uuid} [data-field=next_review_on] dd")).to_have_text(NEXT_REVIEW_ON.isoformat())
    expect(page.locator("#review-due-soon")).to_contain_text(NEXT_REVIEW_ON.isoformat())
    plan.refresh_from_db()
    assert (plan.approval, plan.approved_by, plan.next_review_on) == (
        ApprovalStatus.APPROVED, cast.dave, NEXT_REVIEW_ON,
    )  # fmt: skip
    screenshot(page, "plan-approved")
    sign_out(page)

    # Alice records a case conference with the organizations present; its decision creates a goal.
    sign_in(page, "alice", password)
    open_case(page, case, "notes")
    expect(page.locator("#no-notes")).to_be_visible()
    page.locator("#add-conference").click()
    expect(page.locator("#id_kind")).to_have_value(NoteKind.CONFERENCE.value)
    expect(page.locator("#id_occurred_on")).to_have_value(TODAY.isoformat())
    page.locator("#id_duration_minutes").fill("90")
    for participant in (Participant.CASEWORKER, Participant.TEACHER, Participant.PSYCHOLOGIST):
        page.locator(f"#id_participants input[value='{participant.value}']").check()
    present = [places.fz_shelter, places.fz_civil_affairs, places.fz_education]
    page.locator("#id_organizations").select_option([str(organization.uuid) for organization in present])
    page.locator("#id_text").fill("多部门会商女童的心理疏导与复学安排（虚构）")
    page.locator("#id_form-0-text").fill("由救助管理站安排每周一次心理疏导（虚构）")
    page.locator("#id_form-0-goal_domain").select_option(NeedDomain.MENTAL_HEALTH.value)
    page.locator("#id_form-0-goal_description").fill("三个月内完成十二次心理疏导（虚构）")
    page.locator("#id_form-0-goal_owner").select_option(str(places.fz_shelter.uuid))
    page.locator("#id_form-0-goal_target_on").fill((TODAY + datetime.timedelta(days=90)).isoformat())
    screenshot(page, "conference-form")
    page.locator("#note-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/\?tab=notes$"))
    expect(page.locator(".message--success")).to_have_text(zh("The note is saved."))
    note = CaseNote.objects.get(case=case)
    decision = ConferenceDecision.objects.get(note=note)
    goal = decision.goal
    assert goal is not None and goal.plan_id == plan.pk
    assert (goal.domain, goal.owner, goal.status, goal.description) == (
        NeedDomain.MENTAL_HEALTH, places.fz_shelter, GoalStatus.OPEN, "三个月内完成十二次心理疏导（虚构）",
    )  # fmt: skip
    assert (note.kind, note.created_by, set(note.organizations.all())) == (
        NoteKind.CONFERENCE, cast.alice, set(present),
    )  # fmt: skip
    assert Goal.objects.filter(case=case).count() == 2
    card = page.locator(f"#note-{note.uuid}")
    expect(card).to_contain_text(zh(NoteKind.CONFERENCE.label))
    for organization in present:
        expect(card.locator("[data-field=organizations]")).to_contain_text(organization.name)
    expect(page.locator(f"#decision-{decision.uuid}")).to_contain_text("由救助管理站安排每周一次心理疏导（虚构）")
    _look_at(page, screenshot, "notes")

    # The decision's link leads to the care plan tab, where the new goal stands beside the first.
    page.locator(f"#decision-{decision.uuid} a").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/\?tab=care_plan#"))
    expect(page.locator(f"#record-{goal.uuid}")).to_contain_text("三个月内完成十二次心理疏导（虚构）")
    expect(page.locator(f"#record-{goal.uuid}")).to_contain_text(places.fz_shelter.name)
    expect(page.locator(f"#status-{goal.uuid}")).to_have_text(zh(GoalStatus.OPEN.label))
    expect(page.locator(f"#record-{first_goal.uuid}")).to_be_visible()
    expect(page.locator("#plan-approval")).to_have_text(zh(ApprovalStatus.APPROVED.label))
    _look_at(page, screenshot, "care_plan")

    # Her dashboard lists the review, due in ten days.
    page.goto("/")
    due = page.locator("#reviews-due")
    expect(due).to_contain_text(case.number)
    expect(due).to_contain_text(NEXT_REVIEW_ON.isoformat())
    expect(page.locator("#reviews-due-count")).to_have_text("1")
    expect(page.locator("#reviews-overdue")).to_have_count(0)
    screenshot(page, "dashboard-review-due")
