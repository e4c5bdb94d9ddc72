"""A hand-over out of the province in a real browser: Dave, civil affairs officer in Fuzhou, hands
a case over to Yunnan (the script shows only the province's fields), is sent back to the case,
now read-only with the hand-over under its header, then generates the hand-over package after
entering his password again and lands on the case's dossiers. Looked at on a desktop and on a
phone, which must not scroll sideways."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.navigate import open_case
from tests.browser.test_care_journey import DESKTOP, PHONE, _no_sideways_scroll
from tests.browser.test_case_journey import sign_in
from tests.victims.conftest import RESCUE, person
from transfers.models import HandOver
from victims import operations

pytestmark = pytest.mark.browser


def _both_screens(page, screenshot, name: str) -> None:
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-1366")


def test_civil_affairs_hands_a_case_over_to_yunnan_and_generates_the_package(
    page, cast, places, password, screenshot, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    victim = person(702)
    case = operations.case_register(actor=cast.alice, victim=victim, jurisdiction=places.gulou, rescue=dict(RESCUE))

    sign_in(page, "dave", password)
    open_case(page, case)
    page.locator("#handover-start").click()
    expect(page.locator("#handover-country")).to_be_hidden()  # the script shows the province's fields only
    page.locator("#id_province_code").select_option("53")
    page.locator("#id_receiving_agency").fill("云南省民政厅")
    page.locator("#id_contact_office").fill("社会救助处")
    page.locator("#id_legal_basis").select_option("native_place")
    page.locator("#id_consent input[value='person']").check()
    _both_screens(page, screenshot, "form")
    page.locator("#id_destination input[value='country']").check()
    expect(page.locator("#handover-province")).to_be_hidden()
    expect(page.locator("#handover-country")).to_be_visible()
    page.locator("#id_destination input[value='province']").check()
    page.locator("#handover-submit").click()

    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/$"))
    expect(page.locator("#handover-done")).to_contain_text("53 云南省 云南省民政厅")
    _both_screens(page, screenshot, "transferred")
    page.locator("#handover-package").click()
    page.locator("#id_password").fill(password)
    page.locator("main form button[type='submit']").last.click()
    expect(page.locator("#handover-facts")).to_contain_text("云南省民政厅")
    _both_screens(page, screenshot, "package")
    page.locator("#package-generate").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/dossiers/$"))
    assert HandOver.objects.get().province_code == "53"
