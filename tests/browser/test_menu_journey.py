"""Alice, caseworker of the Fuzhou relief station, goes from her dashboard to a case through the
menu only — no typed address —, on a phone (390×844: the menu is folded under 菜单, the case
file's tabs are a section picker) and on a desktop (1366×900: the menu and the tabs are shown).
Choosing a section opens it at the sections, not at the top of the page; the phone never scrolls
sideways."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_care_journey import DESKTOP, PHONE, _no_sideways_scroll
from tests.browser.test_case_journey import sign_in
from tests.victims.conftest import RESCUE, person
from victims import operations

pytestmark = pytest.mark.browser


def _to_the_case_through_the_menu(page, case) -> None:
    page.locator("#menu-cases").click()
    expect(page.locator("#menu-cases")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name=case.number, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/$"))
    expect(page.locator("#menu-cases")).to_have_attribute("aria-current", "true")


def _at_the_sections(page, case, section: str) -> None:
    """The section is open, and the page was opened at the sections (scrolled to them)."""
    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/\?tab={section}#case-sections$"))
    expect(page.locator(f"#tab-{section}")).to_be_visible()
    top = page.evaluate("document.getElementById('case-sections').getBoundingClientRect().top")
    assert page.evaluate("window.scrollY") > 0 and abs(top) < 5


def test_a_caseworker_reaches_a_case_through_the_menu_on_a_phone(page, cast, places, password, screenshot):
    case = operations.case_register(
        actor=cast.alice, victim=person(901), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    page.set_viewport_size(PHONE)
    sign_in(page, "alice", password)

    expect(page.locator("#menu-cases")).to_be_hidden()
    page.locator("#menu-toggle summary").click()
    expect(page.locator("#menu-cases")).to_be_visible()
    _no_sideways_scroll(page)
    screenshot(page, "menu-open-390")
    _to_the_case_through_the_menu(page, case)

    expect(page.locator("#case-tabs")).to_be_hidden()
    picker = page.locator("#section-picker summary")
    expect(picker).to_have_text("栏目：基本信息")
    _no_sideways_scroll(page)
    picker.click()
    _no_sideways_scroll(page)
    screenshot(page, "picker-open-390")
    page.locator("#pick-link-rescue").click()
    _at_the_sections(page, case, "rescue")
    expect(picker).to_have_text("栏目：解救情况")
    _no_sideways_scroll(page)
    screenshot(page, "rescue-390")


def test_a_caseworker_reaches_a_case_through_the_menu_on_a_desktop(page, cast, places, password, screenshot):
    case = operations.case_register(
        actor=cast.alice, victim=person(902), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    page.set_viewport_size(DESKTOP)
    sign_in(page, "alice", password)

    expect(page.locator("#menu-toggle")).to_be_hidden()
    expect(page.locator("#menu-dashboard")).to_have_attribute("aria-current", "page")
    screenshot(page, "menu-1366")
    _to_the_case_through_the_menu(page, case)

    expect(page.locator("#section-picker")).to_be_hidden()
    page.locator("#tab-link-rescue").click()
    _at_the_sections(page, case, "rescue")
    expect(page.locator("#tab-link-rescue")).to_have_attribute("aria-current", "page")
    screenshot(page, "rescue-1366")
