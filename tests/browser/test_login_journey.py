"""A caseworker's first minute: sent to sign in, signs in, finds her dashboard in Chinese."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_caseworker_signs_in_and_finds_her_dashboard_in_chinese(page, cast, password, screenshot):
    page.goto("/")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_title(re.compile("^登录 · 被拐卖受害人救助安置登记系统$"))
    screenshot(page, "login")

    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    header = page.get_by_role("banner")
    expect(header).to_contain_text("alice")
    expect(header).to_contain_text("救助机构工作人员")
    expect(header).to_contain_text("福州市救助管理站")
    my_work = page.get_by_role("region", name="我的工作")
    expect(my_work).to_be_visible()
    expect(my_work.locator("#writable-sections li")).to_contain_text(["基本信息", "健康状况"])
    screenshot(page, "dashboard-zh")

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("banner")).to_contain_text("Shelter caseworker")
    expect(page.get_by_role("region", name="My work")).to_contain_text("Health")
    screenshot(page, "dashboard-en")

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
