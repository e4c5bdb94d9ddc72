"""``{{ page|page_numbers }}``: the numbers a pager shows for a Django ``Page`` — the first,
the last and two either side of the current one, with ``None`` where numbers are left out
(``registry/_pager.html`` shows it as an ellipsis)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def page_numbers(page) -> list[int | None]:
    paginator = page.paginator
    return [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
