"""The provincial auditor opens the scorecard from the dashboard, drills down from the province
to a city and a county, opens an indicator's table, downloads it as XLSX and downloads the
evaluation report as PDF — on a phone-sized screen too, without the page scrolling sideways."""

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.test_case_journey import sign_in
from tests.exports.helpers import pdf_text
from tests.reports import pages_data
from tests.reports.pages_data import YEAR

pytestmark = pytest.mark.browser

world = pages_data.world  # the fixture


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_auditor_drills_down_the_scorecard_and_downloads_the_reports(page, cast, world, password, screenshot):
    sign_in(page, "grace", password)
    page.locator("#scorecard-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("目标考核记分卡")
    expect(page.locator("#line-35")).to_contain_text("福建省")
    expect(page.locator("#legend")).to_contain_text("已达标")
    screenshot(page, "scorecard-province")

    page.locator("#line-3501 a.drill").click()
    expect(page).to_have_url(re.compile(r"jurisdiction=3501"))
    expect(page.locator("#jurisdiction-trail")).to_contain_text("福州市")
    expect(page.locator("#line-350102")).to_contain_text("鼓楼区")

    page.locator("#line-350102 a.drill").click()
    expect(page).to_have_url(re.compile(r"jurisdiction=350102"))
    expect(page.locator("#jurisdiction-trail [aria-current=page]")).to_have_text("鼓楼区")
    screenshot(page, "scorecard-county")

    with page.expect_download(timeout=120_000) as pdf_download:  # every indicator, rendered
        page.locator("#download-evaluation").click()
    download = pdf_download.value
    assert download.suggested_filename == f"evaluation-350102-{YEAR}.pdf"
    with open(download.path(), "rb") as handle:
        text = pdf_text(handle.read())
    assert "阶段性评估报告" in text and "鼓楼区" in text
    pages_data.assert_nothing_personal(text, world)

    # The table of an indicator for Fuzhou, by county: both counties hidden, the total shown.
    page.locator("#catalogue-link").click()
    page.locator("#indicator-cases_registered a").click()
    expect(page.locator("#report-table")).to_be_visible()
    page.locator("#jurisdiction-trail a", has_text="福州市").click()
    expect(page.locator("#report-total")).to_have_text("7")
    expect(page.locator("#report-table")).to_contain_text("<5")
    screenshot(page, "indicator-fuzhou")

    with page.expect_download(timeout=30_000) as xlsx_download:
        page.locator("#download-xlsx").click()
    download = xlsx_download.value
    assert download.suggested_filename == f"cases_registered-3501-{YEAR}.xlsx"
    with open(download.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert values[:-1] == [["鼓楼区", "<5"], ["台江区", "<5"]]
    assert values[-1][-1] == 7


def test_reports_pages_fit_a_phone(page, cast, world, password, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "grace", password)
    for url, name in (
        ("/reports/", "index"),
        ("/reports/scorecard/", "scorecard"),
        ("/reports/cases_registered/?by=jurisdiction&also_by=age_band", "indicator"),
    ):
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
        _no_sideways_scroll(page)
        screenshot(page, f"phone-{name}")
