"""A transfer between two shelters of the province in a real browser: Alice, caseworker of the
Fuzhou relief station, asks the Xiamen relief station to take over a case; Carol, its caseworker,
sees the unread item counted in the header, opens it from her inbox, reads the summary (no name)
and accepts; the case file opens for her; Alice finds the answer in her inbox, which opens
nothing now, and gets the 404 page on the case. Looked at on a desktop and on a phone, which must
not scroll sideways."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.navigate import open_case
from tests.browser.test_care_journey import DESKTOP, PHONE, _no_sideways_scroll
from tests.browser.test_case_journey import sign_in
from tests.browser.test_services_journey import sign_out
from tests.victims.conftest import RESCUE, person
from victims import operations
from victims.models import Case

pytestmark = pytest.mark.browser


def _both_screens(page, screenshot, name: str) -> None:
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-1366")


def test_a_case_is_transferred_to_the_xiamen_shelter_and_the_sender_loses_it(page, cast, places, password, screenshot):
    victim = person(701)
    case = operations.case_register(actor=cast.alice, victim=victim, jurisdiction=places.gulou, rescue=dict(RESCUE))

    sign_in(page, "alice", password)
    open_case(page, case)
    page.locator("#transfer-request").click()
    page.locator("#id_to_organization").select_option(str(places.xm_shelter.uuid))
    page.locator("#id_reason").select_option("nearer_home")
    page.locator("#id_sections_first input[value='health']").check()
    page.locator("#id_comment").fill("本人希望离姐姐近一些（虚构）")
    _both_screens(page, screenshot, "request")
    page.locator("#transfer-submit").click()
    expect(page.locator("#transfer-pending")).to_contain_text("厦门市救助管理站")
    sign_out(page)

    sign_in(page, "carol", password)
    expect(page.locator("#inbox-count")).to_have_text("1")
    page.locator("#menu-inbox").click()
    _both_screens(page, screenshot, "inbox")
    page.locator("#inbox-items a").filter(has_text=case.number).click()
    expect(page.locator("#transfer-facts")).to_contain_text(case.number)
    expect(page.locator("main")).not_to_contain_text(victim["full_name"])
    _both_screens(page, screenshot, "summary")
    page.locator("#transfer-accept").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/$"))
    expect(page.locator("#case-title")).to_have_text(victim["full_name"])
    assert Case.objects.get(pk=case.pk).lead_organization == places.xm_shelter
    sign_out(page)

    sign_in(page, "alice", password)
    page.locator("#menu-inbox").click()
    page.locator("#inbox-items a").filter(has_text=case.number).click()
    expect(page.locator("main")).not_to_contain_text(victim["full_name"])
    response = page.goto(f"/cases/{case.uuid}/")
    assert response.status == 404
