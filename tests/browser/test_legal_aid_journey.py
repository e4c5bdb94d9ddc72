"""A legal aid worker's journey in a real browser (no JavaScript needed by the pages): Erin
accepts a referral, opens a legal aid matter, decides it, records an activity, and concludes the
matter with its outcome."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from legal_aid.choices import MatterStatus
from legal_aid.models import LegalAidActivity, LegalAidMatter
from tests.browser.test_case_journey import sign_in
from tests.victims.conftest import RESCUE, TODAY, person
from victims import operations
from victims.choices import ConsentGiver, ReferralStatus, Service

pytestmark = pytest.mark.browser


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def test_legal_aid_worker_accepts_a_referral_records_work_and_concludes_the_matter(
    page, cast, places, password, screenshot
):
    case = operations.case_register(
        actor=cast.alice, victim=person(401, age=28), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    operations.record_add(
        actor=cast.alice,
        case=case,
        model="consent",
        data={"service": Service.LEGAL_AID, "given_by": ConsentGiver.PERSON, "given_on": TODAY},
    )
    referral = operations.referral_create(
        actor=cast.alice, case=case, service=Service.LEGAL_AID, to_organization=places.fz_legal_aid
    )
    today = TODAY.isoformat()

    # The referral waits on Erin's dashboard; she opens the case and accepts it.
    sign_in(page, "erin", password)
    expect(page.locator("#pending-referrals")).to_contain_text(case.number)
    screenshot(page, "dashboard-pending")
    page.locator("#pending-referrals a").first.click()
    page.locator(f"#accept-{referral.uuid} button").click()
    expect(page.locator(f"#complete-{referral.uuid}")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED

    # The legal aid tab offers to open a matter.
    page.locator("#tab-link-legal_aid").click()
    expect(page.locator("#tab-legal_aid")).to_be_visible()
    screenshot(page, "legal-aid-tab-empty")
    page.locator("#open-matter").click()
    page.locator("#id_matter_type").select_option("civil_compensation")
    page.locator("#id_applied_on").fill(today)
    page.locator("#id_summary").fill("就被拐期间人身损害主张附带民事赔偿（虚构）")
    screenshot(page, "open-matter")
    page.locator("#record-form button[type=submit]").click()

    matter = LegalAidMatter.objects.get()
    expect(page).to_have_url(re.compile(rf"/legal-aid/cases/{case.uuid}/matters/{matter.uuid}/$"))
    expect(page.locator("#matter-status")).to_have_text(zh(MatterStatus.APPLIED.label))
    screenshot(page, "matter-applied")

    # Eligibility: accepted, with Erin as the lawyer; then the work starts.
    page.locator("#decide").click()
    page.locator("#id_decision_0").check()
    expect(page.locator("#id_decided_on")).to_have_value(today)
    page.locator("#id_decision_reason").fill("经审查符合法律援助条件（虚构）")
    page.locator("#id_lawyer").select_option(str(cast.erin.uuid))
    page.locator("#record-form button[type=submit]").click()
    expect(page.locator("#matter-status")).to_have_text(zh(MatterStatus.ACCEPTED.label))
    page.locator("#start").click()
    expect(page.locator("#id_lawyer")).to_have_value(str(cast.erin.uuid))
    page.locator("#record-form button[type=submit]").click()
    expect(page.locator("#matter-status")).to_have_text(zh(MatterStatus.IN_PROGRESS.label))

    # An activity, with the next step it leaves.
    page.locator("#add-activity").click()
    page.locator("#id_kind").select_option("consultation")
    page.locator("#id_occurred_on").fill(today)
    page.locator("#id_hours").fill("1.5")
    page.locator("#id_notes").fill("与受害人面谈，了解损害情况（虚构）")
    page.locator("#id_next_step").fill("起草附带民事起诉状")
    page.locator("#id_next_step_due").fill(TODAY.replace(year=TODAY.year + 1).isoformat())
    screenshot(page, "add-activity")
    page.locator("#record-form button[type=submit]").click()
    activity = LegalAidActivity.objects.get()
    expect(page.locator(f"#activity-{activity.uuid}")).to_contain_text("起草附带民事起诉状")
    screenshot(page, "matter-with-activity")

    # The dashboard's worklist shows the matter and its next step.
    page.goto("/")
    expect(page.locator("#worklist")).to_contain_text(case.number)
    expect(page.locator("#worklist")).to_contain_text("起草附带民事起诉状")
    screenshot(page, "dashboard-worklist")
    page.locator("#worklist a").first.click()

    # Concluding asks for the outcome; an amount received above the award is refused at its field.
    page.locator("#conclude").click()
    page.locator("#id_outcome").select_option("judgment")
    page.locator("#id_concluded_on").fill(today)
    page.locator("#id_outcome_description").fill("法院判决被告人赔偿（虚构）")
    page.locator("#id_compensation_awarded").fill("30000")
    page.locator("#id_compensation_received").fill("35000")
    page.locator("#record-form button[type=submit]").click()
    expect(page.locator("#field-compensation_received .field__error")).to_be_visible()
    expect(page.locator("#id_outcome_description")).to_have_value("法院判决被告人赔偿（虚构）")
    screenshot(page, "conclude-error")
    page.locator("#id_compensation_received").fill("12000")
    page.locator("#id_compensation_received_on").fill(today)
    page.locator("#record-form button[type=submit]").click()

    expect(page.locator("#matter-status")).to_have_text(zh(MatterStatus.CONCLUDED.label))
    expect(page.locator("#matter")).to_contain_text("30000.00")
    expect(page.locator("#add-activity")).to_have_count(0)
    screenshot(page, "matter-concluded")
    matter.refresh_from_db()
    assert (matter.status, matter.outcome, str(matter.compensation_received)) == ("concluded", "judgment", "12000.00")
    assert matter.lawyer == cast.erin and matter.version == 4

    page.goto("/")
    expect(page.locator("#worklist")).to_have_count(0)
