"""Small-cell suppression (issue 14 item 4), applied by ``reports.compute.report`` to every
table before any face sees it.

Rules, with ``k`` = ``REPORTS_MIN_CELL`` (default 5):

- **Primary.** A count from 1 to k−1 is suppressed. So is a rate whose denominator, a median
  whose number of values, and a sum of money whose number of non-zero amounts is from 1 to
  k−1: each of them would otherwise describe fewer than k people. Zero is shown (it describes
  nobody).
- **Complementary** (additive measures: counts and money). A table's cells add up along every
  *line* — the cells that agree on all dimensions but one — to a margin that another report
  (the same indicator by fewer dimensions) or the table's total publishes. Wherever a line holds
  exactly one suppressed cell, the smallest other non-zero cell of that line is suppressed too
  (a zero cell when no other is left), and this repeats until no line has a lone suppressed
  cell; so no suppressed cell can be
  recovered from a margin and its siblings in the same table. Rates and medians add up to
  nothing, so they need no complement.

What it does not protect — differencing across tables (a county's own report against its
city's drill-down, overlapping periods, a table and the same table a month later) — is stated
in the README. The raw numbers never leave :func:`suppress`'s caller: it returns cells whose
suppressed values are ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

ADDITIVE = frozenset({"count", "money"})


@dataclass(frozen=True)
class Raw:
    """A computed cell before suppression: ``value`` as shown, ``weight`` the number of people
    (or records) behind it that the rule counts — the count itself, a rate's denominator, a
    median's number of values, the number of non-zero amounts of money."""

    dims: tuple[str, ...]
    value: int | float | Decimal | None
    weight: int
    suppressed: bool = False


def is_small(weight: int, k: int) -> bool:
    return 0 < weight < k


def suppress(cells: Sequence[Raw], total: Raw, *, measure: str, k: int) -> tuple[list[Raw], Raw]:
    """The cells and total with the primary and (for counts and money) complementary rule
    applied; a suppressed cell's ``value`` is ``None``. ``cells`` all have one code per
    dimension of the table, in the same order."""
    marked = [replace(cell, suppressed=is_small(cell.weight, k)) for cell in cells]
    total = replace(total, suppressed=is_small(total.weight, k))
    if measure in ADDITIVE and marked:
        _complement(marked)
    hidden = [replace(cell, value=None) if cell.suppressed else cell for cell in marked]
    return hidden, replace(total, value=None) if total.suppressed else total


def _lines(cells: list[Raw]) -> list[list[int]]:
    """Indexes of the cells of every line: the whole table (its margin is the total), and for
    each dimension the groups of cells agreeing on every other dimension."""
    lines = [list(range(len(cells)))]
    width = len(cells[0].dims)
    if width > 1:
        for position in range(width):
            groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
            for index, cell in enumerate(cells):
                groups[cell.dims[:position] + cell.dims[position + 1 :]].append(index)
            lines.extend(groups.values())
    return lines


def _complement(cells: list[Raw]) -> None:
    """Suppress, in place, the smallest non-zero unsuppressed cell (a zero one when no other is
    left) of every line that holds exactly one suppressed cell, until none does. Ties go to the
    first cell in table order, so the same data always hides the same cells."""
    lines = _lines(cells)
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cells[index].suppressed for index in line) != 1:
                continue
            shown = [index for index in line if not cells[index].suppressed]
            if not shown:
                continue  # a line of one cell: its margin is the cell, hidden where it is shown
            # A non-zero cell if there is one; else a zero (the hidden cell would otherwise be
            # its margin minus zeros — and a complement, once recovered, gives the next away).
            chosen = min(shown, key=lambda index: (cells[index].weight == 0, _size(cells[index]), index))
            cells[chosen] = replace(cells[chosen], suppressed=True)
            changed = True


def _size(cell: Raw):
    return cell.value if cell.value is not None else 0
