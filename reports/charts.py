"""Server-rendered SVG bar charts of a report's table, for the pages and the evaluation PDF.

Guarantees:

- The SVG holds no script, no ``style`` attribute, no ``<style>`` element and no link: colours
  and fonts are presentation attributes, so the strict CSP (``style-src 'self'``) holds.
- Every text in it is escaped (``django.utils.html``); it draws only what the table it sits
  beside shows (:class:`reports.tables.Table`, already suppressed): a suppressed cell gets no
  bar, only its "<k" text, so the chart never hints at a number the table hides.
- It is accessible: ``role="img"`` and ``aria-labelledby`` naming its ``<title>`` and
  ``<desc>``; the desc says the numbers are in the table beside it.

The evaluation PDF draws the same bars in its table instead (:func:`row_bars`): a bar per row,
in the same scale, beside the row's label and text. WeasyPrint sets SVG text a letter at a time
(a layout per character), so the PDF keeps every text in HTML and its SVGs hold one rectangle.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.tables import Table

WIDTH = 400  # viewBox units; the chart scales to its container's width
MAX_LABEL_WIDTH = 190  # the labels' column grows with its longest label up to this
VALUE_WIDTH = 64
BAR_HEIGHT = 18
ROW_HEIGHT = 28
TOP = 8
FONT_SIZE = 13
BAR_COLOUR = "#1b6b7d"  # the pages' --accent (white text on it: 6.0:1)
TARGET_COLOUR = "#8a1c1c"
MUTED_COLOUR = "#4a5561"
TEXT_COLOUR = "#1f2933"
LINE_COLOUR = "#d5dae0"
WEB_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", sans-serif'


def _width(text: str) -> float:
    """About how wide ``text`` is set (a CJK character is one em, a narrow one some 0.6 em)."""
    return sum(FONT_SIZE if ord(char) > 0x2E7F else FONT_SIZE * 0.6 for char in text)


def _short(text: str, room: float) -> str:
    """``text``, cut with "…" where it would not fit ``room`` (the table beside it has it whole)."""
    if _width(text) <= room:
        return text
    while text and _width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _scale(table: Table, target: float | None = None) -> float:
    """The value a full-width bar stands for: the whole for a share, else the largest shown value."""
    if table.measure == "rate":
        return 1.0  # a share is drawn against the whole, never against the largest share
    return max([row.value for row in table.rows if row.value is not None and not row.suppressed] + [target or 0, 0])


def _bar_length(value: float, scale: float, length: float) -> float:
    """The length of ``value``'s bar out of ``length`` (a sliver for a small positive value)."""
    return max(value / scale * length, 1.0 if value > 0 else 0.0)


def row_bars(table: Table) -> tuple[SafeString, ...]:
    """A small SVG bar per row of ``table`` (empty for a suppressed or absent value, as in
    :func:`bar_chart`, and for a zero), for a column of the table itself: no text, no id, one ``rect``, its
    length out of 100 in :func:`bar_chart`'s scale; the SVG stretches to the cell's width."""
    scale = _scale(table)
    bars = []
    for row in table.rows:
        if row.value is None or row.suppressed or row.value <= 0 or scale <= 0:
            bars.append(mark_safe(""))
            continue
        bars.append(
            mark_safe(  # noqa: S308 (numbers only)
                '<svg xmlns="http://www.w3.org/2000/svg" class="bar" viewBox="0 0 100 10" '
                'preserveAspectRatio="none" aria-hidden="true">'
                f'<rect width="{_number(_bar_length(row.value, scale, 100))}" height="10" fill="{BAR_COLOUR}"/></svg>'
            )
        )
    return tuple(bars)


def bar_chart(table: Table, *, chart_id: str, target: float | None = None) -> SafeString:
    """A horizontal bar chart of ``table``'s rows (one bar per row, labelled with the row's
    labels, the bar's text the table's own text). ``target`` (in the table's scale) draws a
    dashed line named in the desc. ``chart_id`` makes the ids of title and desc unique on a page."""
    rows = table.rows
    scale = _scale(table, target)
    labels = [" · ".join(row.labels) or table.title for row in rows]
    label_width = round(min(max([_width(label) for label in labels] + [FONT_SIZE * 3]) + 10, MAX_LABEL_WIDTH))
    bar_area = WIDTH - label_width - VALUE_WIDTH
    height = TOP * 2 + max(len(rows), 1) * ROW_HEIGHT
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    description = _(
        "Bar chart of %(title)s by %(by)s, %(period)s, %(place)s. The numbers are in the table beside it."
    ) % {
        "title": table.title,
        "by": table.by_label,
        "period": table.period_label,
        "place": table.jurisdiction_name,
    }
    if table.suppressed_note:
        description += " " + table.suppressed_note
    if target is not None:
        description += " " + _("The dashed line marks the target, %(target)s.") % {"target": table.format(target)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" font-family="{escape(WEB_FONTS)}" '
        f'font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">',
        f'<title id="{escape(title_id)}">{escape(table.title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        f'<line x1="{label_width}" y1="{TOP}" x2="{label_width}" y2="{height - TOP}" stroke="{LINE_COLOUR}"/>',
    ]
    if not rows:
        parts.append(f'<text x="{label_width + 6}" y="{TOP + ROW_HEIGHT / 2 + 4}">{escape(_("No data"))}</text>')
    for index, (row, label) in enumerate(zip(rows, labels, strict=True)):
        y = TOP + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2 + FONT_SIZE / 3
        parts.append(
            f'<text x="{label_width - 6}" y="{_number(middle)}" text-anchor="end"><title>{escape(label)}</title>'
            f"{escape(_short(label, label_width - 10))}</text>"
        )
        width = 0.0
        if row.value is not None and not row.suppressed and scale > 0:
            width = _bar_length(row.value, scale, bar_area)
            parts.append(
                f'<rect x="{label_width}" y="{_number(y + (ROW_HEIGHT - BAR_HEIGHT) / 2)}" '
                f'width="{_number(width)}" height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>'
            )
        colour = MUTED_COLOUR if row.suppressed or row.value is None else TEXT_COLOUR
        x = _number(label_width + width + 4)
        parts.append(f'<text x="{x}" y="{_number(middle)}" fill="{colour}">{escape(row.text)}</text>')
    if target is not None and scale > 0:
        x = label_width + target / scale * bar_area
        parts.append(
            f'<line x1="{_number(x)}" y1="{TOP}" x2="{_number(x)}" y2="{height - TOP}" stroke="{TARGET_COLOUR}" '
            f'stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
