"""Frank, labour officer of the Fuzhou human resources bureau, does his daily work through the
menu only: the inbox tells him of a woman referred for vocational training; he opens the case
from it, accepts the referral and records the training his bureau arranged."""

import datetime

import pytest
from playwright.sync_api import expect

from services.models import VocationalTraining
from tests.browser.test_case_journey import sign_in
from tests.victims.conftest import RESCUE, TODAY, person
from victims import operations
from victims.choices import ConsentGiver, ReferralStatus, Service
from victims.models import Referral

pytestmark = pytest.mark.browser


def test_the_labour_officer_accepts_a_training_referral_and_records_the_training(
    page, cast, places, password, screenshot
):
    case = operations.case_register(
        actor=cast.alice, victim=person(961, age=22), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    consent = {"service": Service.TRAINING, "given_by": ConsentGiver.PERSON, "given_on": TODAY}
    operations.record_add(actor=cast.alice, case=case, model="consent", data=consent)
    operations.referral_create(actor=cast.alice, case=case, service=Service.TRAINING, to_organization=places.fz_labor)

    sign_in(page, "frank", password)
    page.locator("#menu-inbox").click()
    page.locator("#inbox-items a").filter(has_text=case.number).first.click()
    page.locator("#tab-link-referrals").click()
    page.locator("form[id^='accept-'] button[type=submit]").first.click()
    expect(page.locator("[id^='accept-']")).to_have_count(0)
    assert Referral.objects.get(case=case).status == ReferralStatus.ACCEPTED

    page.locator("#tab-link-training").click()
    page.locator("#add-training").click()
    page.locator("#id_provider").fill("福州市职业技能培训中心（虚构）")
    page.locator("#id_programme").fill("中式烹调师（初级）")
    page.locator("#id_started_on").fill((TODAY - datetime.timedelta(days=1)).isoformat())
    page.locator("form.case-form button[type=submit]").first.click()
    expect(page.locator("#block-trainings")).to_contain_text("中式烹调师（初级）")
    screenshot(page, "training-recorded")
    assert VocationalTraining.objects.filter(case=case).count() == 1
