"""The downloads of the reports: a table as CSV or XLSX, and the evaluation report as PDF.

Every file is drawn from :func:`reports.tables.table_of` of a report ``compute`` has already
suppressed, so a suppressed cell is "<k" in every file, as on the page, and its number is in
none. No file holds a person-level row, a name or a case number: a report holds none.

- CSV: UTF-8 with a byte-order mark (spreadsheet programs then read the Chinese right), a
  header row, a row per cell, the total last. Text cells are kept from being read as formulas
  (``registry.audit_views.csv_safe``).
- XLSX (openpyxl): the same table on its first sheet, numbers as numbers in the measure's
  format and "<k" as text; a second sheet says what the table is — indicator, clause,
  definition, period, jurisdiction, who made it and when, and the suppression rule.
- PDF: the evaluation report an office sends upward (阶段性评估 / 终期评估), rendered by the
  dossiers' renderer (``exports.dossier.render``: the same embedded Noto Sans CJK SC faces, the
  same fetcher that fetches nothing but those fonts, PDF/A-3 finishing): a cover with the period,
  jurisdiction, generator and time; one part per indicator with its definition and clause and its
  table, which charts itself: a column of bars beside the numbers (``reports.charts.row_bars``,
  the page chart's bars in the same scale); the suppression rule stated. The tables are attached
  as JSON, as a dossier's data is.
"""

from __future__ import annotations

import csv
import io
import json

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from exports.dossier import pdfa
from exports.dossier.content import part_number
from exports.dossier.digests import sha256_hexdigest, sm3_hexdigest
from exports.dossier.render import HTML_LANG, get_renderer
from registry.audit_views import csv_safe
from registry.context_processors import display_name
from reports.charts import row_bars
from reports.tables import Row, Table, format_value, suppression_rule, table_of

TEMPLATE_NAME = "reports/evaluation.html"
TEMPLATE_VERSION = "reports/evaluation/v2"  # v2: the chart is a column of bars in the table
XLSX_FORMATS = {"count": "#,##0", "rate": "0.0%", "median_days": "0.0", "money": "#,##0.00"}
ATTACHMENT_FORMAT = "victim-registry-evaluation"


def _line(table: Table, row: Row, labels: tuple[str, ...]) -> list[str]:
    """A CSV line: the labels, then "<k" or "—" as the page prints them, or the plain number."""
    value = row.text if row.value is None else format_value(table.measure, row.value, grouping=False)
    return [csv_safe(label) for label in labels] + [value]


def _total_labels(table: Table) -> tuple[str, ...]:
    return (_("Total"), *([""] * (len(table.by) - 1))) if table.by else ()


def table_csv(report) -> bytes:
    """``report``'s table as CSV (see module docs)."""
    table = table_of(report)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(column) for column in table.columns])
    for row in table.rows:
        writer.writerow(_line(table, row, row.labels))
    writer.writerow(_line(table, table.total, _total_labels(table)))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_value(row: Row):
    """A number for the spreadsheet to compute with, or the row's text ("<k", "—")."""
    return row.text if row.value is None else row.value


def table_xlsx(report, *, user=None) -> bytes:
    """``report``'s table as an XLSX workbook (see module docs)."""
    table = table_of(report)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Table")
    sheet.append([csv_safe(column) for column in table.columns])
    for row in table.rows:
        sheet.append([*(csv_safe(label) for label in row.labels), _xlsx_value(row)])
    sheet.append([*_total_labels(table), _xlsx_value(table.total)])
    bold = Font(bold=True)
    for cell in (*sheet[1], *sheet[sheet.max_row]):
        cell.font = bold
    value_column = len(table.columns)
    for (cell,) in sheet.iter_rows(min_row=2, min_col=value_column, max_col=value_column):
        if not isinstance(cell.value, str):
            cell.number_format = XLSX_FORMATS[table.measure]
    for index, column in enumerate(table.columns, start=1):
        cells = next(sheet.iter_cols(min_col=index, max_col=index, min_row=2), ())
        longest = max([len(column), *(len(str(cell.value or "")) for cell in cells)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(10, longest * 2 + 2), 40)
    sheet.freeze_panes = "A2"

    about = workbook.create_sheet(_("About"))
    for label, value in _facts(table, user=user):
        about.append([label, csv_safe(value)])
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 90
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _generated(user, at) -> tuple[str, str]:
    if user is None:
        return "—", timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    name = display_name(user)
    organization = getattr(user, "organization", None)
    who = user.get_username() + (f" ({name})" if name != user.get_username() else "")
    who += f"，{organization.name}" if organization else ""
    return who, timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _facts(table: Table, *, user) -> list[tuple[str, str]]:
    who, when = _generated(user, timezone.now())
    return [
        (_("Indicator"), table.title),
        (_("Plan clause"), table.clause),
        (_("Definition"), table.definition),
        (_("Period"), table.period_label),
        (_("Jurisdiction"), f"{table.jurisdiction_name} ({table.jurisdiction_code})"),
        (_("Broken down by"), table.by_label),
        (_("Generated by"), who),
        (_("Generated at"), when),
        (_("Suppression"), suppression_rule(table.min_cell)),
    ]


def evaluation_title(period) -> str:
    """阶段性评估 for a part of the plan period, 终期评估 for the whole of it."""
    if getattr(period, "kind", None) == "plan":
        return _("Final evaluation report")
    return _("Interim evaluation report")


def _attachment(tables: list[Table], *, period, jurisdiction, who: str, at) -> bytes:
    payload = {
        "format": ATTACHMENT_FORMAT,
        "format_version": 1,
        "period": period.key,
        "jurisdiction": jurisdiction.code,
        "generated_by": who,
        "generated_at": at.isoformat(),
        "indicators": [
            {
                "key": table.key,
                "clause": table.clause,
                "measure": table.measure,
                "min_cell": table.min_cell,
                "by": list(table.by),
                "cells": [
                    {**dict(zip(table.by, row.codes, strict=True)), "value": row.value, "suppressed": row.suppressed}
                    for row in table.rows
                ],
                "total": {"value": table.total.value, "suppressed": table.total.suppressed},
            }
            for table in tables
        ],
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=2).encode()


def evaluation_pdf(reports: list, *, period, jurisdiction, user) -> bytes:
    """The evaluation report of ``reports`` (one per indicator, all of ``period`` and
    ``jurisdiction``) as ``user`` generates it, in the current language (see module docs)."""
    language = translation.get_language() or "zh-hans"
    at = timezone.now()
    who, when = _generated(user, at)
    tables = [table_of(report) for report in reports]
    min_cell = tables[0].min_cell if tables else settings.REPORTS_MIN_CELL
    title = evaluation_title(period)
    parts = [
        {
            "number": part_number(index, language),
            "table": table,
            "rows": tuple(zip(table.rows, row_bars(table), strict=True)),
            "total_labels": _total_labels(table),
        }
        for index, table in enumerate(tables, start=1)
    ]
    attachment_name = f"evaluation-{jurisdiction.code}-{period.key}.json"
    attachment = _attachment(tables, period=period, jurisdiction=jurisdiction, who=who, at=at)
    html = render_to_string(
        TEMPLATE_NAME,
        {
            "html_lang": HTML_LANG.get(language, language),
            "title": title,
            "period": period,
            "jurisdiction": jurisdiction,
            "generated_by": who,
            "generated_at": when,
            "created_iso": at.isoformat(),
            "generator": f"Victim registry {TEMPLATE_VERSION}",
            "watermark": _("Generated by %(user)s at %(time)s")
            % {"user": user.get_username() if user else "—", "time": when},
            "parts": parts,
            "rule": suppression_rule(min_cell),
            "attachment_name": attachment_name,
        },
    )
    raw = get_renderer().render(
        html, language=language, attachment=attachment, attachment_name=attachment_name, created=at
    )
    return pdfa.finish(
        raw.pdf,
        facts={
            "GeneratingOrganization": user.organization.name if user and user.organization_id else "",
            "GeneratedBy": user.get_username() if user else "",
            "GeneratedAt": at.isoformat(),
            "TemplateVersion": TEMPLATE_VERSION,
            "AttachmentName": attachment_name,
            "AttachmentSHA256": sha256_hexdigest(attachment),
            "AttachmentSM3": sm3_hexdigest(attachment),
        },
        unicode_complete=raw.unicode_complete,
    )
