"""The downloads: a table as CSV and XLSX, the evaluation report as PDF — suppressed cells as
"<k" and never their number, nothing personal in any file, the PDF's cover and parts."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pikepdf
import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from reports import charts, compute, files
from reports.catalogue import CATALOGUE
from reports.periods import Period
from reports.tables import table_of
from tests.exports.helpers import pdf_text
from tests.reports import pages_data
from tests.reports.pages_data import YEAR, assert_nothing_personal

world = pages_data.world  # the fixture
JOINT = "cases_registered"


def _get(client, user, name, **kwargs):
    client.force_login(user)
    query = kwargs.pop("query", {})
    response = client.get(reverse(name, kwargs=kwargs or None), {"period": YEAR, **query})
    assert response.status_code == 200, response.status_code
    return response


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx_text(content: bytes) -> str:
    """Every XML part of the workbook, as text (what a leak would have to be in)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml"))


def test_csv_shows_suppressed_cells_as_k(client, cast, world):
    response = _get(client, cast.dave, "reports:table-file", key=JOINT, fmt="csv", query={"jurisdiction": "3501"})
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{JOINT}-3501-{YEAR}.csv"' in response["Content-Disposition"]
    rows = _csv_rows(response.content)
    body = {row[0]: row[1:] for row in rows[1:-1]}
    assert body == {"鼓楼区": ["<5"], "台江区": ["<5"]}
    assert rows[-1][-1] == "7"
    assert_nothing_personal(response.content.decode("utf-8"), world)


def test_xlsx_shows_suppressed_cells_as_k_and_numbers_as_numbers(client, cast, world):
    response = _get(client, cast.grace, "reports:table-file", key=JOINT, fmt="xlsx", query={"jurisdiction": "3501"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    table, about = workbook.worksheets
    values = [[cell.value for cell in row] for row in table.iter_rows(min_row=2)]
    assert values[:-1] == [["鼓楼区", "<5"], ["台江区", "<5"]]
    assert values[-1][-1] == 7  # a number, not text
    facts = {row[0].value: row[1].value for row in about.iter_rows()}
    assert "<5" in " ".join(str(value) for value in facts.values())  # the rule is stated
    text = _xlsx_text(response.content)
    assert ">6<" not in text and ">1<" not in text.replace("<v>1</v>", "")  # the hidden numbers are nowhere
    assert_nothing_personal(text, world)


def test_province_table_in_xlsx_by_city(client, cast, world):
    response = _get(client, cast.grace, "reports:table-file", key=JOINT, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    assert values["福州市"] == 7 and values["厦门市"] == 7
    assert list(values.values())[-1] == 14


def test_files_hold_nothing_personal_for_any_indicator(client, cast, world):
    client.force_login(cast.grace)
    for key in CATALOGUE:
        for fmt in ("csv", "xlsx"):
            url = reverse("reports:table-file", kwargs={"key": key, "fmt": fmt})
            response = client.get(url, {"period": YEAR, "by": "jurisdiction", "also_by": "sex"})
            assert response.status_code == 200, (key, fmt)
            text = response.content.decode("utf-8") if fmt == "csv" else _xlsx_text(response.content)
            assert_nothing_personal(text, world)


def test_a_text_cell_is_never_read_as_a_formula(world, places):
    places.gulou.name = "=HYPERLINK(1)"
    places.gulou.save()
    report = compute.report(CATALOGUE[JOINT], period=Period.parse(YEAR), jurisdiction=places.fuzhou, by="jurisdiction")
    assert "'=HYPERLINK(1)" in files.table_csv(report).decode("utf-8")
    sheet = load_workbook(io.BytesIO(files.table_xlsx(report))).worksheets[0]
    assert sheet["A2"].value == "'=HYPERLINK(1)" and sheet["A2"].data_type == "s"


@pytest.fixture
def evaluation(client, cast, world):
    response = _get(client, cast.grace, "reports:evaluation-pdf", query={"jurisdiction": "3501"})
    return response


def test_the_evaluation_report_is_a_pdf_with_cover_parts_and_the_rule(evaluation, cast, world):
    assert evaluation["Content-Type"] == "application/pdf"
    assert f'filename="evaluation-3501-{YEAR}.pdf"' in evaluation["Content-Disposition"]
    pdf = evaluation.content
    text = pdf_text(pdf)
    cover = pdf_text(pdf, page=1)
    assert "阶段性评估报告" in cover
    with translation.override("zh-hans"):
        assert "福州市" in cover and str(Period.parse(YEAR).label) in cover
    assert "grace" in cover  # who generated it
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", cover)  # and when
    assert "<5" in cover  # the suppression rule stated
    for indicator in CATALOGUE.values():
        assert indicator.clause.split(",")[0] in text
    assert "三.(三).3" in text
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == len(CATALOGUE) + 1  # a cover and one part per indicator
        assert f"evaluation-3501-{YEAR}.json" in document.attachments
        fonts = {str(font.get("/BaseFont")) for page in document.pages for font in page.Resources.Font.values()}
    assert any("Registry-Noto-Sans-CJK-SC" in font for font in fonts)  # the dossiers' embedded face


def test_the_evaluation_report_shows_suppressed_cells_as_k_and_nothing_personal(evaluation, world):
    text = pdf_text(evaluation.content, raw=True)
    assert_nothing_personal(text, world)
    lines = [line for line in text.splitlines() if line.startswith(("鼓楼区", "台江区"))]
    assert lines and all(line.split()[-1] == "<5" for line in lines[:2])


def test_the_final_evaluation_is_named_so(client, cast, world):
    client.force_login(cast.bob)
    response = client.get(reverse("reports:evaluation-pdf"), {"period": "2021-2030"})
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "终期评估报告" in text
    with pikepdf.open(io.BytesIO(response.content)) as document:
        assert len(document.pages) == 1 + sum(1 for ind in CATALOGUE.values() if ind.department == "education")


def test_the_chart_draws_no_bar_for_a_suppressed_cell_and_escapes_its_text(world, places):
    places.fuzhou.name = "<script>福州</script>"
    places.fuzhou.save()
    report = compute.report(
        CATALOGUE[JOINT], period=Period.parse(YEAR), jurisdiction=places.province, by="jurisdiction"
    )
    svg = str(charts.bar_chart(table_of(report), chart_id="c"))
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<rect") == 2  # Fuzhou 7, Xiamen 7
    report = compute.report(CATALOGUE[JOINT], period=Period.parse(YEAR), jurisdiction=places.fuzhou, by="jurisdiction")
    svg = str(charts.bar_chart(table_of(report), chart_id="c"))
    assert svg.count("<rect") == 0 and svg.count("&lt;5</text>") == 2


def test_the_pdf_tables_bar_column_draws_no_bar_for_a_suppressed_cell(world, places):
    province = compute.report(
        CATALOGUE[JOINT], period=Period.parse(YEAR), jurisdiction=places.province, by="jurisdiction"
    )
    bars = charts.row_bars(table_of(province))
    drawn = [str(bar) for bar in bars if str(bar)]
    assert len(drawn) == 2 and all(
        bar.count("<rect") == 1 and "<text" not in bar for bar in drawn
    )  # Fuzhou 7, Xiamen 7
    fuzhou = compute.report(CATALOGUE[JOINT], period=Period.parse(YEAR), jurisdiction=places.fuzhou, by="jurisdiction")
    table = table_of(fuzhou)
    assert any(row.suppressed for row in table.rows)
    assert all(str(bar) == "" for row, bar in zip(table.rows, charts.row_bars(table), strict=True) if row.suppressed)
