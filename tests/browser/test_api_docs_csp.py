"""The API docs work in a real browser under the strict Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_api_docs_render_with_no_content_security_policy_violation(page, cast, password):
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto("/accounts/login/?next=/api/docs/")
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(re.compile(r"/api/docs/$"))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Victim assistance and resettlement registry API")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    assert violations == []
