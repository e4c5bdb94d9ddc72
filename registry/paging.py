"""Pages of a long list without counting it to its end: :class:`CappedPaginator`.

Counting every row a user may see, on every page, was a fifth of the case list's time. The
paginator reads the page first: a page shorter than a full one is the last, and its rows give the
total without a count. Otherwise it counts a queryset only as far as it must: up to
``REGISTRY_LIST_COUNT_LIMIT`` rows (or to the end of the page asked for, when that lies further)
and one more, as ``SELECT COUNT(*) FROM (SELECT id … LIMIT n)``. The API says which with
``count_exact`` (``registry.api.pagination``), the pages with "more than n"
(``victims/case_list.html``, ``registry/_pager.html``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Beyond any list's last page (2**31 pages): such a number is refused before it reaches the SQL,
# where its OFFSET or LIMIT would not fit an integer.
_FAR_PAGE = 2**31


class CappedPaginator(Paginator):
    """Django's ``Paginator`` without a full count of a long queryset. Guarantees:

    - a page shorter than ``per_page`` (or an empty first page) is the last: ``count`` is its
      offset plus its rows, exact, and no count query runs;
    - otherwise one count query reads at most ``max(limit, end of the page asked for) + 1`` primary
      keys (no join of ``select_related``, no ordering): ``count_exact`` is true when that is
      every row, and otherwise ``count`` is a lower bound (``limit`` + 1: more rows may exist),
      ``num_pages`` counts the pages known to hold rows — at least one past the page asked for, so
      that page ``has_next``;
    - a list (``len``) and a sliced queryset are counted whole, as by ``Paginator``;
    - a page past the end is ``EmptyPage``; ``get_page`` then answers the last page, exactly.
    """

    def __init__(self, object_list, per_page):
        super().__init__(object_list, per_page)
        capped = isinstance(object_list, QuerySet) and not object_list.query.is_sliced
        # Rows counted at most before ``count`` becomes a lower bound; None: the total is known,
        # or is counted whole (a caller that needs it, e.g. for the last page, sets None).
        self.limit: int | None = settings.REGISTRY_LIST_COUNT_LIMIT if capped else None

    def page(self, number):
        if "count" in self.__dict__:
            if self.count_exact:  # counted already: Paginator's way
                return super().page(number)
            # A lower bound counted before this page was asked for: count again, past this page.
            self.__dict__.pop("count")
            self.__dict__.pop("num_pages", None)
        number = self._page_number(number)
        if self.limit is not None:
            self.limit = max(self.limit, number * self.per_page)  # the count reaches past this page
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page])
        if 0 < len(rows) < self.per_page or (number == 1 and not rows):
            self.count, self.limit = bottom + len(rows), None  # the last page ends the list
        else:
            self.validate_number(number)  # counts; EmptyPage past the end
        return self._get_page(rows, number, self)

    def get_page(self, number):
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            if "count" not in self.__dict__:
                self.limit = None  # to find the last page
            return self.page(self.num_pages)

    def _page_number(self, number) -> int:
        """``number`` as an int, before any count (``PageNotAnInteger`` or ``EmptyPage`` otherwise)."""
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if number > _FAR_PAGE:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    @cached_property
    def count(self) -> int:
        if self.limit is None:
            return super().count
        return self.object_list.order_by().values("pk")[: self.limit + 1].count()

    @property
    def count_exact(self) -> bool:
        return self.limit is None or self.count <= self.limit
