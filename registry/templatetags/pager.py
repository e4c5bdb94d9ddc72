"""``{{ page|page_numbers }}``: the numbers a pager shows for a Django ``Page`` — the first,
the last and two either side of the current one, with ``None`` where numbers are left out
(``registry/_pager.html`` shows it as an ellipsis). A list counted only so far
(``registry.paging.CappedPaginator``, ``count_exact`` false) shows the pages known to exist and
ends on a gap: its last page is not known yet."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def page_numbers(page) -> list[int | None]:
    paginator = page.paginator
    numbers = [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    if not getattr(paginator, "count_exact", True):
        numbers.append(None)
    return numbers
