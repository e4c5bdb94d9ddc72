"""The one write of the reports app: recording that someone read or exported a report.

:func:`report_view` appends a ``report_viewed`` audit event (``registry.audit.record_event``)
naming the indicator, the period, the jurisdiction, the breakdown and the format — the report's
coordinates, which hold no personal value — and never a number of the report.
"""

from __future__ import annotations

from collections.abc import Iterable

from registry.audit import AuditAction, record_event
from registry.models import AuditEvent, Jurisdiction
from reports.catalogue import Indicator
from reports.periods import Period

FORMATS = ("json", "html", "csv", "xlsx", "pdf")


def report_view(
    *,
    actor,
    indicator: Indicator | Iterable[Indicator],
    period: Period,
    jurisdiction: Jurisdiction,
    by: Iterable[str] = (),
    fmt: str = "json",
    request=None,
) -> AuditEvent:
    """Record that ``actor`` viewed or downloaded a report (one indicator, or several: the
    scorecard, the evaluation PDF) in format ``fmt`` (:data:`FORMATS`). Call it once the
    report has been computed and access checked, in the request that answers it."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    keys = [indicator.key] if isinstance(indicator, Indicator) else [item.key for item in indicator]
    return record_event(
        action=AuditAction.REPORT_VIEWED,
        actor=actor,
        request=request,
        detail={
            "indicators": keys,
            "period": period.key,
            "jurisdiction": jurisdiction.code,
            "by": list(by),
            "format": fmt,
        },
    )
