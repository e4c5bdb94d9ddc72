"""Every role walks its pages through the menu only — no typed address — and every page type it
meets passes axe-core (no serious or critical violation of WCAG 2.2 A/AA) and fits a 390×844
phone without scrolling sideways.

axe-core is vendored from the npm registry (``tests/browser/assets``, see its README). The walk
opens each entry of the role's menu; a role that reads cases also opens a case from the case
list, each section of its file, and the first form a section offers."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_care_journey import DESKTOP, PHONE
from tests.browser.test_case_journey import sign_in
from tests.victims.conftest import RESCUE, TODAY, person
from victims import operations
from victims.choices import ConsentGiver, Service

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "assets" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}"""


@pytest.fixture
def axe_page(chromium, live_server):
    """A Chinese desktop page whose context lets the test inject axe-core (``bypass_csp``: the
    registry's CSP, tested elsewhere, admits no script of the test's)."""
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport=DESKTOP, bypass_csp=True)
    context.set_default_timeout(180_000)
    page = context.new_page()
    yield page
    context.close()


def _check(page, findings: dict[str, list[str]]) -> None:
    """Run axe on the page as shown, then look at it on a phone: note what fails under its path."""
    page.wait_for_load_state()
    page.add_script_tag(path=str(AXE))
    problems = page.evaluate(RUN_AXE, WCAG)
    page.set_viewport_size(PHONE)
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        problems.append("scrolls sideways at 390×844")
    page.set_viewport_size(DESKTOP)
    if problems:
        findings[page.url] = problems


def _menu_keys(page) -> list[str]:
    return page.locator("#menu a[id^='menu-']").evaluate_all("(links) => links.map((a) => a.id)")


def _walk_case(page, findings) -> None:
    """The first case of the list, the confirmation page of its first decision (if the role takes
    one), each section of its file and the first form a section offers."""
    page.locator("#cases tbody a").first.click()
    expect(page.locator("#case-sections")).to_be_visible()
    _check(page, findings)
    decision = page.locator("#case-actions a")  # civil affairs: the confirmation page of a decision
    if decision.count():
        decision.first.click()
        expect(page.locator("#decision-form")).to_be_visible()
        _check(page, findings)
        page.go_back()
    tabs = page.locator("#case-tabs a[id^='tab-link-']").evaluate_all("(links) => links.map((a) => a.id)")
    form_seen = False
    for tab in tabs:
        page.locator(f"#{tab}").click()
        expect(page.locator(f"#{tab}")).to_have_attribute("aria-current", "page")
        _check(page, findings)
        add = page.locator("#case-sections a.button--primary")
        if not form_seen and add.count():
            add.first.click()
            expect(page.locator("form.case-form")).to_be_visible()
            _check(page, findings)
            page.go_back()
            form_seen = True


@pytest.fixture
def cases(cast, places):
    """A woman's case referred for legal aid and training, and a girl's referred for school and
    approved: something for every role to read."""
    adult = operations.case_register(
        actor=cast.alice, victim=person(951), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    child = operations.case_register(
        actor=cast.alice, victim=person(952, age=12), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    for case, service, organization in (
        (adult, Service.LEGAL_AID, places.fz_legal_aid),
        (adult, Service.TRAINING, places.fz_labor),
        (child, Service.SCHOOLING, places.fz_education),
    ):
        given_by = ConsentGiver.GUARDIAN if case is child else ConsentGiver.PERSON
        data = {"service": service, "given_by": given_by, "given_on": TODAY}
        if given_by == ConsentGiver.GUARDIAN:
            data["guardian_name"] = "监护人（虚构）"
        operations.record_add(actor=cast.alice, case=case, model="consent", data=data)
        referral = operations.referral_create(
            actor=cast.alice, case=case, service=service, to_organization=organization
        )
        if case is child:
            operations.referral_approve(actor=cast.dave, referral=referral)
    return adult, child


@pytest.mark.parametrize("username", ["alice", "dave", "bob", "erin", "frank", "grace", "heidi"])
def test_every_page_of_a_role_passes_axe_and_fits_a_phone(axe_page, cases, password, username):
    page = axe_page
    sign_in(page, username, password)
    findings: dict[str, list[str]] = {}
    _check(page, findings)
    for key in _menu_keys(page):
        page.locator(f"#{key}").click()
        expect(page.locator(f"#{key}")).to_have_attribute("aria-current", "page")
        _check(page, findings)
        if key == "menu-cases":
            _walk_case(page, findings)
    assert not findings, "\n".join(f"{url}: {'; '.join(problems)}" for url, problems in findings.items())
