"""The return home of a rescued child in a real browser (no JavaScript needed by the pages): Alice,
a caseworker, admits the child to a shelter and plans the return; Dave, civil affairs, approves
the plan (four eyes: he did not write it); Alice records the handover, and the follow-up visits
it schedules appear on her dashboard."""

import datetime
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from services.choices import Pathway, ReturnPlanStatus, Wish
from services.models import FollowUpVisit, ReturnPlan, ShelterPlacement
from services.operations.common import add_months
from tests.browser.navigate import open_case
from tests.browser.test_case_journey import sign_in
from tests.victims.conftest import RESCUE, TODAY, person
from victims import operations
from victims.choices import Stage

pytestmark = pytest.mark.browser


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(translation.gettext(message))


def sign_out(page):
    page.get_by_role("button", name="退出登录").click()


def test_a_child_is_sheltered_planned_home_approved_and_handed_over(page, cast, places, password, screenshot):
    case = operations.case_register(
        actor=cast.alice, victim=person(501, age=10), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    family = operations.record_add(
        actor=cast.alice, case=case, model="household",
        data={"address": "云南省昆明市五华区某村（虚构）", "jurisdiction_code": "530102", "is_purchaser": False},
    )  # fmt: skip
    today = TODAY.isoformat()

    # Alice admits the child to the Fuzhou relief station.
    sign_in(page, "alice", password)
    page.locator("#recent-cases a").first.click()
    page.locator("#tab-link-shelter").click()
    expect(page.locator("#tab-shelter")).to_contain_text(zh("Nothing recorded yet."))
    page.locator("#admit").click()
    page.locator("#id_shelter").select_option(str(places.fz_shelter.uuid))
    expect(page.locator("#id_admitted_on")).to_have_value(today)
    page.locator("#id_notes").fill("儿童床位（虚构）")
    screenshot(page, "admit")
    page.locator("#record-form button[type=submit]").click()
    placement = ShelterPlacement.objects.get(case=case)
    expect(page.locator(f"#record-{placement.uuid}")).to_contain_text(places.fz_shelter.name)
    expect(page.locator("#case-stage")).to_have_text(zh(Stage.SHELTERED.label))
    screenshot(page, "sheltered")

    # She plans the return: reunifying a child without a confirmed DNA match is refused at the
    # pathway, with everything typed kept; institutional care is accepted.
    page.locator("#tab-link-return_home").click()
    page.locator("#plan-return").click()
    page.locator("#id_pathway").select_option(Pathway.FAMILY_REUNIFICATION.value)
    page.locator("#id_planned_on").fill((TODAY + datetime.timedelta(days=7)).isoformat())
    page.locator("#id_destination_code").fill("530102")
    page.locator("#id_household").select_option(str(family.uuid))
    page.locator("#id_receiving_party").fill("昆明市救助管理站")
    page.locator("#id_escort").fill("福州市救助管理站 陈某（虚构）")
    # The child's voice, which approval needs (issue 16): her wish and a best-interests determination.
    page.locator("#id_wish").select_option(Wish.AGREES.value)
    page.locator("#id_wish_recorded_on").fill(TODAY.isoformat())
    page.locator("#id_bid_assessed_by").fill("福州市儿童福利院社工（虚构）")
    page.locator("#id_bid_on").fill(TODAY.isoformat())
    page.locator("#id_bid_conclusion").fill("机构养育符合儿童最大利益（虚构）")
    page.locator("#record-form button[type=submit]").click()
    expect(page.locator("#field-pathway .field__error")).to_have_text(
        zh("Reunifying a child needs a DNA sample submitted to the database and a confirmed match.")
    )
    expect(page.locator("#id_household")).to_have_value(str(family.uuid))
    screenshot(page, "plan-refused")
    page.locator("#id_pathway").select_option(Pathway.INSTITUTIONAL_CARE.value)
    page.locator("#id_destination_code").fill("350102")
    page.locator("#id_household").select_option("")
    page.locator("#id_receiving_party").fill("福州市儿童福利院")
    page.locator("#record-form button[type=submit]").click()

    plan = ReturnPlan.objects.get(case=case)
    expect(page.locator(f"#status-{plan.uuid}")).to_have_text(zh(ReturnPlanStatus.AWAITING_APPROVAL.label))
    expect(page.locator(f"#record-{plan.uuid}")).to_contain_text(
        zh("Waiting for approval by a civil affairs officer who did not write or change the plan.")
    )
    expect(page.locator(f"#approve-{plan.uuid}")).to_have_count(0)  # a caseworker never approves
    expect(page.locator("#case-stage")).to_have_text(zh(Stage.RETURN_PLANNED.label))
    screenshot(page, "plan-awaiting-approval")
    sign_out(page)

    # Dave finds the plan on his dashboard and approves it.
    sign_in(page, "dave", password)
    expect(page.locator("#plans-awaiting-approval")).to_contain_text(case.number)
    screenshot(page, "civil-affairs-dashboard")
    page.locator("#plans-awaiting-approval a").first.click()
    page.locator(f"#approve-{plan.uuid}").click()  # its confirmation page (registry.decisions)
    page.locator("#decision-confirm").click()
    expect(page.locator(".message--success")).to_be_visible()
    expect(page.locator(f"#status-{plan.uuid}")).to_have_text(zh(ReturnPlanStatus.APPROVED.label))
    expect(page.locator(f"#approve-{plan.uuid}")).to_have_count(0)
    screenshot(page, "approved")
    sign_out(page)

    # Alice records the handover: date, escort and receiving party.
    sign_in(page, "alice", password)
    open_case(page, case, "return_home")
    page.locator(f"#complete-{plan.uuid}").click()
    expect(page.locator("#id_handover_on")).to_have_value(today)
    expect(page.locator("#id_escort")).to_have_value("福州市救助管理站 陈某（虚构）")
    page.locator("#id_receiving_party").fill("福州市儿童福利院（长期养育）")
    screenshot(page, "handover")
    page.locator("#record-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/\?tab=follow_ups$"))
    expect(page.locator("#case-stage")).to_have_text(zh(Stage.RETURNED.label))
    visits = list(FollowUpVisit.objects.filter(case=case).order_by("due_on"))
    assert [visit.due_on for visit in visits] == [add_months(TODAY, months) for months in (1, 3, 6, 12)]
    for visit in visits:
        expect(page.locator(f"#status-{visit.uuid}")).to_have_text(zh("Scheduled"))
    screenshot(page, "follow-ups")
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by, plan.handover_on) == (ReturnPlanStatus.COMPLETED, cast.dave, TODAY)
    assert plan.receiving_party == "福州市儿童福利院（长期养育）"

    # The visits now due within three months are on her dashboard.
    page.goto("/")
    upcoming = page.locator("#upcoming-visits")
    expect(upcoming).to_contain_text(case.number)
    expect(upcoming).to_contain_text(visits[0].due_on.isoformat())
    expect(upcoming).to_contain_text(visits[1].due_on.isoformat())
    expect(page.locator("#upcoming-count")).to_have_text("2")
    screenshot(page, "dashboard-follow-ups")
