"""The reports pages (issue 14 item 6): catalogue → indicator → table with drill-down, the
scorecard against the targets, and the downloads — a table as CSV or XLSX, the evaluation
report as PDF.

Guarantees:

- Only a role holding ``Action.VIEW_REPORTS`` opens them: anyone else signed in gets the 403
  page (an ``access_denied`` event, ``registry.pages.refuse``); a visitor not signed in is sent
  to sign in. Which indicators a reader sees and down to which jurisdiction is
  ``reports.access``'s rule alone: an indicator outside the reader's department is 403, an
  unknown one or a jurisdiction outside the reader's is 404, exactly like one that does not
  exist.
- Every page shown and every file downloaded is recorded by ``reports.operations.report_view``
  (indicator, period, jurisdiction, breakdown, format — nothing personal); a refused or bad
  request records a refusal instead, never a view.
- What they show comes from ``reports.compute.report``, which suppresses small counts before any
  face sees them: a suppressed cell is "<k" here and in every file, its number is in none.
- Bad input (a period that is no month, quarter, year or plan period; a breakdown the indicator
  does not have) is a 400 page naming the field, and records no view.
- No script: charts are SVG drawn on the server (``reports.charts``), the forms are plain GET
  forms, and every URL holds codes only (an indicator's key, a period, a division's code).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from registry.errors import NotFound, PermissionDenied
from registry.models import Jurisdiction
from registry.pages import refuse
from reports import access, compute, dimensions, files, operations
from reports.catalogue import Department
from reports.charts import bar_chart
from reports.periods import PLAN_PERIODS, Period
from reports.tables import format_value, suppression_rule, table_of

FIRST_REPORT_YEAR = min(first for first, _last in PLAN_PERIODS.values())
MAX_BREAKDOWNS = 2
MAX_CODE_LENGTH = 6  # a county's code (GB/T 2260)
FILE_TYPES = {
    "csv": ("text/csv; charset=utf-8", files.table_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", files.table_xlsx),
}


def reports_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Guard a reports page (see module docs): sign-in, ``VIEW_REPORTS``, GET/HEAD only, never
    cached; a 404 or 403 from ``reports.access`` becomes the audited refusal page."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            access.require_reader(request.user)
            return view(request, *args, **kwargs)
        except (Http404, NotFound):
            return refuse(request, 404)
        except PermissionDenied as refused:
            return refuse(request, 403, message=refused.message)

    return never_cache(require_safe(guarded))


# --- the query: period, jurisdiction, breakdown -------------------------------------------------


def period_choices(selected: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods offered, newest first, grouped: the plan period, years, quarters and months
    since the plan began (and ``selected``, should it be another valid period)."""
    today = timezone.localdate()
    years = range(today.year, FIRST_REPORT_YEAR - 1, -1)
    quarters = [
        f"{year}-Q{q}" for year in years for q in range(4, 0, -1) if (year, q) <= (today.year, (today.month + 2) // 3)
    ]
    months = [f"{year}-{m:02d}" for year in years for m in range(12, 0, -1) if (year, m) <= (today.year, today.month)]
    groups = [
        (_("Plan period"), list(PLAN_PERIODS)),
        (_("Year"), [str(year) for year in years]),
        (_("Quarter"), quarters),
        (_("Month"), months),
    ]
    offered = {key for _group, keys in groups for key in keys}
    if selected and selected not in offered and _is_period(selected):
        groups.insert(0, (_("Chosen"), [selected]))
    return [(str(name), [(key, str(Period.parse(key).label)) for key in keys]) for name, keys in groups]


def _is_period(text: str) -> bool:
    try:
        Period.parse(text)
    except ValueError:
        return False
    return True


def default_period() -> str:
    return str(timezone.localdate().year)


class ReportQueryForm(forms.Form):
    """The period, jurisdiction and breakdown of a report page. A bad value is an error on its
    field (a 400 page), never silently replaced."""

    period = forms.CharField(label=gettext_lazy("Period"), required=False, max_length=9)
    jurisdiction = forms.RegexField(
        label=gettext_lazy("Jurisdiction"), regex=r"^[0-9]{2}([0-9]{2}([0-9]{2})?)?$", required=False
    )
    by = forms.ChoiceField(label=gettext_lazy("Broken down by"), required=False)
    also_by = forms.ChoiceField(label=gettext_lazy("and by"), required=False)

    def __init__(self, data, *, user, indicator=None):
        data = data.copy()
        if not data.get("period"):
            data["period"] = default_period()  # this year, shown as chosen
        if indicator is not None and "by" not in data and "also_by" not in data:
            # The first view of an indicator: by division, where it can be (the drill-down).
            data["by"] = "jurisdiction" if "jurisdiction" in indicator.dimensions else ""
        super().__init__(data)
        self.user = user
        self.indicator = indicator
        dims = indicator.dimensions if indicator is not None else ()
        choices = [(key, dimensions.title(key)) for key in dims]
        self.fields["by"].choices = [("", _("Total only")), *choices]
        self.fields["also_by"].choices = [("", _("Nothing more")), *choices]
        self.fields["period"].widget = forms.Select(choices=period_choices(data.get("period")))

    def clean_period(self) -> Period:
        try:
            return Period.parse(self.cleaned_data.get("period"))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_jurisdiction(self) -> Jurisdiction:
        code = self.cleaned_data.get("jurisdiction")
        # Outside the reader's jurisdiction (or no such division): Http404, the refusal page.
        return access.jurisdiction_for(self.user, code) if code else access.report_root(self.user)

    def breakdown(self) -> tuple[str, ...]:
        """The dimensions chosen, in order, without repeats."""
        chosen = [self.cleaned_data.get("by"), self.cleaned_data.get("also_by")]
        return tuple(dict.fromkeys(key for key in chosen if key))

    def query(self) -> dict[str, str]:
        """The query as URL parameters (codes only)."""
        data = self.cleaned_data
        params = {"period": data["period"].key, "jurisdiction": data["jurisdiction"].code}
        by = self.breakdown() if self.indicator is not None else ()
        params["by"] = by[0] if by else ""
        if len(by) > 1:
            params["also_by"] = by[1]
        return params


def _query_url(name: str, params: dict[str, str], **args) -> str:
    return f"{reverse(name, kwargs=args or None)}?{urlencode({k: v for k, v in params.items() if v is not None})}"


def _bad_request(request, template: str, context: dict) -> HttpResponse:
    return render(request, template, {**context, "bad_request": True}, status=400)


def _trail(root: Jurisdiction, here: Jurisdiction) -> list[Jurisdiction]:
    """The divisions from the reader's root down to ``here`` (breadcrumbs of the drill-down)."""
    trail, node = [], here
    while node is not None and root.contains(node):
        trail.append(node)
        node = node.parent if node.code != root.code else None
    return list(reversed(trail))


# --- the pages ----------------------------------------------------------------------------------


@reports_page
def report_index(request: HttpRequest) -> HttpResponse:
    """The catalogue the reader may see, by department, with the period chooser and the links to
    the scorecard and the evaluation report."""
    form = ReportQueryForm(request.GET, user=request.user)
    if not form.is_valid():
        return _bad_request(request, "reports/index.html", {"form": form})
    params = form.query()
    params.pop("by")
    indicators = access.indicators_for(request.user)
    groups = [
        (
            department.label,
            [
                (ind, _query_url("reports:indicator", params, key=ind.key))
                for ind in indicators
                if ind.department == department
            ],
        )
        for department in Department
    ]
    context = {
        "form": form,
        "groups": [(label, items) for label, items in groups if items],
        "period": form.cleaned_data["period"],
        "scorecard_url": _query_url("reports:scorecard", params),
        "pdf_url": _query_url("reports:evaluation-pdf", params),
    }
    return render(request, "reports/index.html", context)


def _indicator_query(request: HttpRequest, key: str) -> tuple:
    indicator = access.require_indicator(request.user, key)
    form = ReportQueryForm(request.GET, user=request.user, indicator=indicator)
    return indicator, form


def _report(form: ReportQueryForm, indicator, by):
    data = form.cleaned_data
    return compute.report(indicator, period=data["period"], jurisdiction=data["jurisdiction"], by=by)


def _record(request, reports: list, fmt: str) -> None:
    """One audit event for what the request showed: the indicators, period, jurisdiction,
    breakdown and format (``reports.operations.report_view``) — never a number."""
    first = reports[0]
    operations.report_view(
        actor=request.user,
        indicator=[report.indicator for report in reports],
        period=first.period,
        jurisdiction=first.jurisdiction,
        by=first.by,
        fmt=fmt,
        request=request,
    )


@reports_page
def indicator_page(request: HttpRequest, key: str) -> HttpResponse:
    """One indicator: its table and chart side by side, for the chosen period, jurisdiction and
    breakdown; each division in the table opens the same table one level down."""
    indicator, form = _indicator_query(request, key)
    context = {"indicator": indicator, "form": form}
    if not form.is_valid():
        return _bad_request(request, "reports/indicator.html", context)
    by = form.breakdown()
    if len(by) > MAX_BREAKDOWNS:
        form.add_error("also_by", _("Break a table down by at most two dimensions."))
        return _bad_request(request, "reports/indicator.html", context)
    report = _report(form, indicator, by)
    table = table_of(report)
    params = form.query()
    here = form.cleaned_data["jurisdiction"]
    root = access.report_root(request.user)
    position = by.index("jurisdiction") if "jurisdiction" in by else None
    rows = []
    for row in table.rows:
        labels = []
        for index, label in enumerate(row.labels):
            code = row.codes[index]
            below = index == position and len(code) > len(here.code)
            url = _query_url("reports:indicator", {**params, "jurisdiction": code}, key=key) if below else None
            labels.append((label, url))
        rows.append({"row": row, "labels": labels})
    target = indicator.target(report.period.plan_period)
    _record(request, [report], "html")
    context.update(
        table=table,
        rows=rows,
        chart=bar_chart(table, chart_id=f"chart-{indicator.key}", target=target),
        target=format_value(indicator.measure, target) if target is not None else None,
        trail=[
            (place, _query_url("reports:indicator", {**params, "jurisdiction": place.code}, key=key))
            for place in _trail(root, here)
        ],
        csv_url=_query_url("reports:table-file", params, key=key, fmt="csv"),
        xlsx_url=_query_url("reports:table-file", params, key=key, fmt="xlsx"),
        catalogue_url=_query_url("reports:index", {"period": params["period"], "jurisdiction": here.code}),
        rule=suppression_rule(report.min_cell),
    )
    return render(request, "reports/indicator.html", context)


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@reports_page
def table_file(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    """The indicator page's table as CSV or XLSX (the same query, the same suppressed cells)."""
    if fmt not in FILE_TYPES:
        raise Http404
    indicator, form = _indicator_query(request, key)
    if not form.is_valid() or len(form.breakdown()) > MAX_BREAKDOWNS:
        return _bad_request(request, "reports/indicator.html", {"indicator": indicator, "form": form})
    report = _report(form, indicator, form.breakdown())
    content_type, write = FILE_TYPES[fmt]
    body = write(report) if fmt == "csv" else write(report, user=request.user)
    _record(request, [report], fmt)
    name = f"{indicator.key}-{report.jurisdiction.code}-{report.period.key}.{fmt}"
    return _attachment(HttpResponse(body, content_type=content_type), name)


@reports_page
def evaluation_pdf(request: HttpRequest) -> HttpResponse:
    """The evaluation report of every indicator the reader may see, for the period and
    jurisdiction chosen, each broken down by jurisdiction where it can be."""
    form = ReportQueryForm(request.GET, user=request.user)
    if not form.is_valid():
        return _bad_request(request, "reports/index.html", {"form": form})
    period, jurisdiction = form.cleaned_data["period"], form.cleaned_data["jurisdiction"]
    reports = [
        compute.report(
            indicator,
            period=period,
            jurisdiction=jurisdiction,
            by=("jurisdiction",) if "jurisdiction" in indicator.dimensions else (),
        )
        for indicator in access.indicators_for(request.user)
    ]
    pdf = files.evaluation_pdf(reports, period=period, jurisdiction=jurisdiction, user=request.user)
    if reports:
        _record(request, reports, "pdf")
    name = f"evaluation-{jurisdiction.code}-{period.key}.pdf"
    return _attachment(HttpResponse(pdf, content_type="application/pdf"), name)


# --- the scorecard ------------------------------------------------------------------------------

# How a value stands against its target: a symbol and a word as well as a colour.
STATUSES = {
    "met": ("✓", gettext_lazy("Target met")),
    "missed": ("✗", gettext_lazy("Target not met")),
    "suppressed": ("…", gettext_lazy("Too few to judge (suppressed)")),
    "none": ("—", gettext_lazy("No data")),
}


def _score(row, target: float) -> dict:
    """How ``row`` (a scorecard cell, ``None`` when the report has no line for it) stands
    against ``target`` (reached when the value is at least the target)."""
    if row is None or (row.value is None and not row.suppressed):
        status = "none"
    elif row.suppressed:
        status = "suppressed"
    else:
        status = "met" if row.value >= target else "missed"
    symbol, label = STATUSES[status]
    return {"status": status, "symbol": symbol, "label": label, "text": row.text if status != "none" else ""}


@reports_page
def scorecard(request: HttpRequest) -> HttpResponse:
    """Each division one level below the chosen jurisdiction (the jurisdiction itself at the
    bottom) against each target of the reader's indicators for the period's plan period,
    coloured, with a symbol and a word, and the whole jurisdiction's line last."""
    form = ReportQueryForm(request.GET, user=request.user)
    context = {"form": form, "statuses": [(key, *value) for key, value in STATUSES.items()]}
    if not form.is_valid():
        return _bad_request(request, "reports/scorecard.html", context)
    period, here = form.cleaned_data["period"], form.cleaned_data["jurisdiction"]
    params = form.query()
    params.pop("by")
    indicators = [ind for ind in access.indicators_for(request.user) if ind.target(period.plan_period) is not None]
    below = len(here.code) < MAX_CODE_LENGTH  # a county is its own bottom line
    places: dict[str, str] = {}
    columns, cells, reports = [], {}, []
    for indicator in indicators:
        by = ("jurisdiction",) if below and "jurisdiction" in indicator.dimensions else ()
        report = compute.report(indicator, period=period, jurisdiction=here, by=by)
        table, target = table_of(report), report.target
        for row in table.rows:
            places.setdefault(row.codes[0], row.labels[0])
            cells[(row.codes[0], indicator.key)] = _score(row, target)
        cells[(here.code, indicator.key)] = _score(table.total, target)
        url_params = {**params, "by": "jurisdiction" if by else ""}
        columns.append(
            {
                "indicator": indicator,
                "target": format_value(indicator.measure, target),
                "url": _query_url("reports:indicator", url_params, key=indicator.key),
            }
        )
        reports.append(report)
    if reports:
        _record(request, reports, "html")
    lines = [
        {
            "code": code,
            "name": name,
            "url": _query_url("reports:scorecard", {**params, "jurisdiction": code}),
            "cells": [cells.get((code, column["indicator"].key)) or _score(None, 0) for column in columns],
        }
        for code, name in places.items()
    ]
    lines.append(
        {
            "code": here.code,
            "name": here.name,
            "whole": True,
            "cells": [cells[(here.code, column["indicator"].key)] for column in columns],
        }
    )
    root = access.report_root(request.user)
    context.update(
        period=period,
        jurisdiction=here,
        columns=columns,
        lines=lines,
        trail=[
            (place, _query_url("reports:scorecard", {**params, "jurisdiction": place.code}))
            for place in _trail(root, here)
        ],
        catalogue_url=_query_url("reports:index", params),
        pdf_url=_query_url("reports:evaluation-pdf", params),
        rule=suppression_rule(settings.REPORTS_MIN_CELL),
    )
    return render(request, "reports/scorecard.html", context)
