"""Journeys through the victim file in a real browser (no JavaScript needed by the pages):
a caseworker registers a rescued person, and an education officer opens a referred case."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from registry import casefile, policy
from registry.policy import Section
from tests.browser.navigate import open_case
from tests.helpers import zh
from tests.victims.conftest import RESCUE, person
from victims import operations
from victims.choices import ConsentGiver, Service
from victims.models import Case

pytestmark = pytest.mark.browser


def section_labels(sections) -> list[str]:
    with translation.override("zh-hans"):
        return [str(policy.section_named(section).label) for section in sections]


def sign_in(page, username, password):
    page.goto("/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")


def test_caseworker_registers_a_victim_and_sees_the_case_file(page, cast, places, password, screenshot):
    victim = person(301)
    sign_in(page, "alice", password)
    expect(page.locator("#open-assigned-count")).to_have_text("0")
    screenshot(page, "dashboard-empty")

    page.locator("#register-link").click()
    expect(page).to_have_url(re.compile(r"/cases/new/$"))
    page.locator("#id_full_name").fill(victim["full_name"])
    page.locator("#id_sex").select_option("female")
    page.locator("#id_id_number").fill(victim["id_number"][:-1])  # one character short
    page.locator("#id_phone").fill(victim["phone"])
    page.locator("#id_address").fill(victim["address"])
    page.locator("#id_jurisdiction").select_option(str(places.gulou.pk))
    page.locator("#id_rescued_on").fill(RESCUE["rescued_on"].isoformat())
    page.locator("#id_place").fill(RESCUE["place"])
    page.locator("#id_police_unit").fill(RESCUE["police_unit"])
    page.locator(f"#id_exploitation input[value='{RESCUE['exploitation'].value}']").check()
    screenshot(page, "register-filled")

    # The browser itself refuses a 17-character ID number (pattern), before anything is sent.
    page.locator("#registration button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/new/$"))
    assert page.locator("#id_id_number").evaluate("element => element.validity.patternMismatch")
    assert not Case.objects.exists()

    # A number of the right shape but a wrong check digit goes to the server, which says why and
    # keeps everything typed.
    wrong = victim["id_number"][:-1] + ("0" if victim["id_number"][-1] != "0" else "1")
    page.locator("#id_id_number").fill(wrong)
    page.locator("#registration button[type=submit]").click()
    expect(page.locator("#field-id_number .field__error")).to_have_text(
        zh("The check digit of the resident ID number is wrong.")
    )
    expect(page.locator("#id_full_name")).to_have_value(victim["full_name"])
    expect(page.locator("#id_police_unit")).to_have_value(RESCUE["police_unit"])
    screenshot(page, "register-error")

    page.locator("#id_id_number").fill(victim["id_number"])
    page.locator("#registration button[type=submit]").click()

    case = Case.objects.get()
    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/$"))
    expect(page.locator("#case-number")).to_have_text(case.number)
    expect(page.get_by_role("heading", level=1)).to_have_text(victim["full_name"])
    tabs = page.locator("#case-tabs li")
    expect(tabs).to_have_text([*section_labels(casefile.shown_sections(cast.alice)), zh("Timeline")])
    screenshot(page, "case-file-person")

    page.locator("#tab-link-rescue").click()
    expect(page.locator("#tab-rescue")).to_contain_text(RESCUE["police_unit"])
    screenshot(page, "case-file-rescue")

    page.locator("#tab-link-identity").click()
    expect(page.locator("#tab-identity")).to_contain_text(victim["id_number"])
    screenshot(page, "case-file-identity")

    page.locator("#tab-link-timeline").click()
    expect(page.locator("#timeline li.timeline__item").first).to_be_visible()
    screenshot(page, "case-file-timeline")

    page.locator("#menu-cases").click()
    number = victim["id_number"]
    expect(page.locator("#cases")).to_contain_text(f"{number[:4]}{'*' * 10}{number[-4:]}")
    page.locator("#id_q").fill(number)  # the one search box takes an ID number too
    page.locator("#case-search button[type=submit]").click()
    expect(page.locator("#cases")).to_contain_text(case.number)
    assert number not in page.url
    screenshot(page, "case-search")

    page.goto("/")
    expect(page.locator("#open-assigned-count")).to_have_text("1")
    expect(page.locator("#recent-cases")).to_contain_text(case.number)
    screenshot(page, "dashboard-with-case")


def test_education_officer_sees_only_her_tabs_of_a_referred_case(page, cast, places, password, screenshot):
    case = operations.case_register(
        actor=cast.alice, victim=person(302, age=12), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    operations.record_add(
        actor=cast.alice, case=case, model="consent",
        data={"service": Service.SCHOOLING, "given_by": ConsentGiver.GUARDIAN, "guardian_name": "监护人（虚构）",
              "given_on": RESCUE["rescued_on"]},
    )  # fmt: skip
    referral = operations.referral_create(
        actor=cast.alice, case=case, service=Service.SCHOOLING, to_organization=places.fz_education
    )
    operations.referral_approve(actor=cast.dave, referral=referral)
    operations.referral_respond(actor=cast.bob, referral=referral, decision="accept")

    sign_in(page, "bob", password)
    expect(page.locator("#active-referrals")).to_contain_text(case.number)
    screenshot(page, "dashboard")

    page.locator("#active-referrals a").first.click()
    expect(page.locator("#case-number")).to_have_text(case.number)
    shown = casefile.shown_sections(cast.bob)
    assert Section.IDENTITY not in shown and Section.HEALTH not in shown and Section.CONTACTS not in shown
    readable = ["person", "consents", "referrals", "schooling", "care_plan", "notes"]  # the policy's, in its order
    assert [section.value for section in shown] == readable
    tabs = page.locator("#case-tabs li")
    expect(tabs).to_have_text([*section_labels(readable), zh("Timeline")])
    for hidden in ("identity", "health", "contacts", "dna", "rescue"):
        expect(page.locator(f"#tab-link-{hidden}")).to_have_count(0)
    expect(page.locator("#tab-referrals")).to_be_visible()
    expect(page.locator(f"#complete-{referral.uuid}")).to_be_visible()
    screenshot(page, "case-file-referrals")

    page.locator("#tab-link-person").click()
    expect(page.locator("#tab-person")).not_to_contain_text(case.victim.id_number)
    screenshot(page, "case-file-person")


def test_civil_affairs_approves_a_childs_referral_and_the_school_accepts_it(page, cast, places, password, screenshot):
    case = operations.case_register(
        actor=cast.alice, victim=person(303, age=9), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    operations.record_add(
        actor=cast.alice, case=case, model="consent",
        data={"service": Service.SCHOOLING, "given_by": ConsentGiver.GUARDIAN, "guardian_name": "监护人（虚构）",
              "given_on": RESCUE["rescued_on"]},
    )  # fmt: skip

    sign_in(page, "alice", password)
    open_case(page, case, "referrals")
    page.locator("#refer a").first.click()  # schooling
    page.locator("#id_to_organization").select_option(str(places.fz_education.pk))
    page.locator("#id_reason").fill("九岁，需入学（虚构）")
    screenshot(page, "refer-form")
    page.locator("#record-form button[type=submit]").click()
    expect(page.locator("#tab-referrals")).to_contain_text(places.fz_education.name)
    screenshot(page, "referrals-awaiting-approval")
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, "dave", password)
    expect(page.locator("#approvals")).to_contain_text(case.number)
    screenshot(page, "civil-affairs-dashboard")
    page.locator("#approvals a").first.click()
    referral = case.referrals.get()
    page.locator(f"#approve-{referral.uuid}").click()  # its confirmation page (registry.decisions)
    expect(page.locator("#decision-sentence")).to_be_visible()
    screenshot(page, "approve-confirmation")
    page.locator("#decision-confirm").click()
    expect(page.locator(".message--success")).to_be_visible()
    screenshot(page, "approved")
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, "bob", password)
    expect(page.locator("#pending-referrals")).to_contain_text(case.number)
    page.locator("#pending-referrals a").first.click()
    page.locator(f"#accept-{referral.uuid} button").click()
    expect(page.locator(f"#complete-{referral.uuid}")).to_be_visible()
    screenshot(page, "accepted")
    referral.refresh_from_db()
    assert referral.status == "accepted"
