"""Report periods: whole months, quarters, years and the plan period — no arbitrary day range.

``Period.parse`` accepts exactly ``"2026"``, ``"2026-Q3"``, ``"2026-09"`` and a plan period's key
(``"2021-2030"``, listed in :data:`PLAN_PERIODS`); anything else raises ``ValueError`` with a
message fit to show. A period knows its first and last day (both included), its key (the text
it was parsed from, normalized) and a label in the reader's language (2026年第三季度).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The plan periods whose evaluation the registry reports (keys of ``Indicator.targets``).
PLAN_PERIODS: dict[str, tuple[int, int]] = {"2021-2030": (2021, 2030)}
FIRST_YEAR, LAST_YEAR = 2000, 2099

_YEAR = re.compile(r"(?P<year>\d{4})")
_QUARTER = re.compile(r"(?P<year>\d{4})-Q(?P<quarter>[1-4])")
_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])")
_QUARTER_NAMES = {
    1: gettext_lazy("first quarter"),
    2: gettext_lazy("second quarter"),
    3: gettext_lazy("third quarter"),
    4: gettext_lazy("fourth quarter"),
}


@dataclass(frozen=True)
class Period:
    """A whole month, quarter, year or plan period; ``start`` and ``end`` are both included."""

    kind: str  # "month", "quarter", "year" or "plan"
    key: str
    start: date
    end: date

    @classmethod
    def parse(cls, text: str) -> Period:
        text = (text or "").strip()
        if text in PLAN_PERIODS:
            first, last = PLAN_PERIODS[text]
            return cls("plan", text, date(first, 1, 1), date(last, 12, 31))
        if match := _YEAR.fullmatch(text):
            year = _year(match)
            return cls("year", text, date(year, 1, 1), date(year, 12, 31))
        if match := _QUARTER.fullmatch(text):
            year, quarter = _year(match), int(match["quarter"])
            last_month = quarter * 3
            return cls(
                "quarter",
                text,
                date(year, last_month - 2, 1),
                date(year, last_month, calendar.monthrange(year, last_month)[1]),
            )
        if match := _MONTH.fullmatch(text):
            year, month = _year(match), int(match["month"])
            return cls("month", text, date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
        raise ValueError(
            _("Give a year (2026), a quarter (2026-Q3), a month (2026-09) or the plan period (%(plans)s).")
            % {"plans": ", ".join(PLAN_PERIODS)}
        )

    @property
    def label(self) -> str:
        year = self.start.year
        if self.kind == "plan":
            return _("Plan period %(first)s–%(last)s") % {"first": year, "last": self.end.year}
        if self.kind == "year":
            return _("Year %(year)s") % {"year": year}
        if self.kind == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return _("%(year)s, %(quarter)s") % {"year": year, "quarter": _QUARTER_NAMES[quarter]}
        return _("%(year)s, month %(month)s") % {"year": year, "month": self.start.month}

    @property
    def plan_period(self) -> str | None:
        """The key of the plan period this period lies within (for its targets), or ``None``."""
        for key, (first, last) in PLAN_PERIODS.items():
            if first <= self.start.year and self.end.year <= last:
                return key
        return None

    def __str__(self) -> str:
        return self.key


def _year(match: re.Match) -> int:
    year = int(match["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(_("Give a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR})
    return year
