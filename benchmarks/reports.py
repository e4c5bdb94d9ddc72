"""Speed of the evaluation reports (DESIGN §8, issue 14: aggregates in SQL over plain columns,
never by decrypting), a plugin of ``benchmarks/run.py`` (``run.PLUGINS``).

As the provincial auditor (``auditor``, province 35), for the latest year that has cases:

- ``report_indicator`` — one indicator for the province by city for a year: ``GET
  /api/v1/reports/cases_registered/?period=<year>&jurisdiction=35&by=jurisdiction`` through
  Django's whole stack in-process (token authentication, access, the grouped queries,
  suppression, the audit event); and ``days_rescue_to_admission`` (a median over a correlated
  subquery, the costliest kind) by ``reports.compute.report`` alone. Target: median ≤ 100 ms.
- ``report_evaluation`` — the whole evaluation report: every indicator of the catalogue for the
  province by city (``reports.compute.report`` once per indicator, as the evaluation page and
  PDF compute them), with the number of queries it takes. Target: ≤ 1 s.
- ``report_pdf`` — the evaluation report as the PDF an office sends upward (every indicator,
  computed and laid out by ``reports.files.evaluation_pdf``, warm). Target: ≤ 3 s.

Nothing personal is printed: the data are synthetic and the results are timings and counts.
"""

from __future__ import annotations

from benchmarks.measure import Bench, Result, measurement, timed, timing

INDICATOR = "cases_registered"
MEDIAN_INDICATOR = "days_rescue_to_admission"


def _auditor_and_period():
    from django.db.models import Max

    from registry.models import Jurisdiction, User
    from reports.periods import Period
    from victims.models import Case

    auditor = User.objects.select_related("jurisdiction").get(username="auditor")
    latest = Case.objects.aggregate(latest=Max("opened_on"))["latest"]
    return auditor, Period.parse(str(latest.year)), Jurisdiction.objects.get(code=auditor.jurisdiction.code)


@measurement(80, "report_indicator")
def report_indicator(bench: Bench) -> list[Result]:
    """One indicator for the province by city for a year, over the API and computed alone."""
    from reports.catalogue import CATALOGUE
    from reports.compute import report

    auditor, period, province = _auditor_and_period()
    client = bench.api_client(auditor)
    url = f"/api/v1/reports/{INDICATOR}/?period={period.key}&jurisdiction={province.code}&by=jurisdiction"

    def request():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def median_report():
        report(CATALOGUE[MEDIAN_INDICATOR], period=period, jurisdiction=province, by="jurisdiction")

    return [
        timing(
            "report_indicator",
            f"report: one indicator ({INDICATOR}), province by city, year {period.key}, over the API",
            timed(request, bench.repeat),
            target="median ≤ 100 ms",
        ),
        timing(
            "report_indicator_median",
            f"report: a median ({MEDIAN_INDICATOR}), province by city, year {period.key}, computed",
            timed(median_report, bench.repeat),
            target="median ≤ 100 ms",
        ),
    ]


@measurement(81, "report_evaluation")
def report_evaluation(bench: Bench) -> list[Result]:
    """Every indicator of the catalogue for the province by city for a year, and its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.catalogue import CATALOGUE
    from reports.compute import report

    _auditor, period, province = _auditor_and_period()

    def evaluation():
        return [
            report(indicator, period=period, jurisdiction=province, by="jurisdiction")
            for indicator in CATALOGUE.values()
        ]

    with CaptureQueriesContext(connection) as captured:
        reports = evaluation()
    suppressed = sum(cell.suppressed for result in reports for cell in result.cells)
    cells = sum(len(result.cells) for result in reports)
    return [
        timing(
            "report_evaluation",
            f"report: the whole evaluation ({len(CATALOGUE)} indicators), province by city, year {period.key}",
            timed(evaluation, max(5, bench.repeat // 5), warmup=1),
            target="≤ 1 s",
            note=f"{len(captured.captured_queries)} queries; {suppressed} of {cells} cells suppressed",
        )
    ]


@measurement(82, "report_pdf")
def report_pdf(bench: Bench) -> list[Result]:
    """The whole evaluation report as its PDF: every indicator computed, charted and laid out."""
    from django.utils import translation

    from reports.catalogue import CATALOGUE
    from reports.compute import report
    from reports.files import evaluation_pdf

    auditor, period, province = _auditor_and_period()

    def pdf():
        reports = [
            report(indicator, period=period, jurisdiction=province, by="jurisdiction")
            for indicator in CATALOGUE.values()
        ]
        with translation.override("zh-hans"):  # the report an office sends upward, in Chinese
            return evaluation_pdf(reports, period=period, jurisdiction=province, user=auditor)

    size = len(pdf())
    return [
        timing(
            "report_pdf",
            f"report: the evaluation report as PDF ({len(CATALOGUE)} indicators), province by city, year {period.key}",
            timed(pdf, max(3, bench.repeat // 10), warmup=1),
            target="≤ 3 s",
            note=f"{size // 1024} KiB",
        )
    ]
