"""Heidi, system administrator of the joint conference office, does her daily work through the
menu only: she opens 用户管理, creates a caseworker's account (no password: she hands over a
one-time enrolment link), finds a locked colleague and clears her failed sign-ins, and issues a
new enrolment link for one who forgot her password."""

import pytest
from playwright.sync_api import expect

from registry.models import AuditAction, AuditEvent, User
from tests.browser.test_case_journey import sign_in

pytestmark = pytest.mark.browser


def _open_account(page, username: str) -> None:
    page.locator("#menu-users").click()
    page.locator("#accounts").get_by_role("link", name=username, exact=True).click()


def test_the_sysadmin_creates_an_account_and_resets_a_forgotten_password_through_the_menu(
    page, cast, places, password, screenshot
):
    sign_in(page, "heidi", password)

    page.locator("#menu-users").click()
    expect(page.locator("#menu-users")).to_have_attribute("aria-current", "page")
    page.locator("#new-account").click()
    page.locator("#id_username").fill("lin")
    page.locator("#id_last_name").fill("林")
    page.locator("#id_first_name").fill("晓燕")
    page.locator("#id_role").select_option("caseworker")
    page.locator("#id_organization").select_option(str(places.fz_shelter.uuid))
    page.locator("#id_jurisdiction").select_option(places.fuzhou.code)
    page.locator("form.case-form button[type=submit]").last.click()
    expect(page.locator("#enrolment-link")).to_contain_text("/accounts/enrol/")
    screenshot(page, "enrolment-link")
    assert not User.objects.get(username="lin").has_usable_password()

    _open_account(page, "alice")
    page.locator("#credentials-reset-link").click()
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("#enrolment-link")).to_contain_text("/accounts/enrol/")
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET, actor=cast.heidi).exists()

    _open_account(page, "bob")
    page.locator("#unlock-link").click()
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".messages, [role=status]").first).to_be_visible()
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_UNLOCKED, actor=cast.heidi).exists()
