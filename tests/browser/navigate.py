"""How a journey reaches a case as its user does: through the menu and the search box, never by
a typed address (issue 18: every daily task is reachable from the menu)."""

import re

from playwright.sync_api import expect


def open_case(page, case, tab: str | None = None) -> None:
    """个案 in the menu, the case's number in the search box, the case in the results, then the
    section ``tab`` of its file (its tab link, or on a phone the section picker), if given."""
    if page.locator("#menu-toggle summary").is_visible():  # a phone: the menu is folded
        page.locator("#menu-toggle summary").click()
    page.locator("#menu-cases").click()
    page.locator("#id_q").fill(case.number)
    page.locator("#case-search button[type=submit]").click()
    page.locator("#cases tbody").get_by_role("link", name=case.number, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/"))
    if tab is None:
        return
    if page.locator("#section-picker summary").is_visible():
        page.locator("#section-picker summary").click()
        page.locator(f"#pick-link-{tab}").click()
    else:
        page.locator(f"#tab-link-{tab}").click()
    expect(page.locator(f"#tab-link-{tab}")).to_have_attribute("aria-current", "page")
