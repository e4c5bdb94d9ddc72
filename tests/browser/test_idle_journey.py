"""The idle warning in a browser (issue 18, item 7): with a time-out of a few seconds, the dialog
opens with the focus on "continue working", which keeps the session and closes it; the next
warning's "sign out" signs out. registry/idle.js runs under the strict Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_case_journey import sign_in

pytestmark = pytest.mark.browser


def test_the_idle_warning_keeps_the_session_or_signs_out(page, cast, password, settings):
    settings.SESSION_IDLE_SECONDS = 6  # the warning comes halfway: after 3 s
    sign_in(page, "alice", password)
    dialog = page.locator("#idle-dialog")

    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("role", "alertdialog")
    expect(page.locator("#idle-continue")).to_be_focused()
    with page.expect_response(re.compile(r"/accounts/keep-alive/$")) as kept:
        page.locator("#idle-continue").click()
    assert kept.value.status == 204
    expect(dialog).to_be_hidden()

    expect(dialog).to_be_visible()  # the count started again: the next warning
    page.locator("#idle-sign-out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
