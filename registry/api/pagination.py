"""Page-number pagination answering ``count``, ``count_exact``, ``next``, ``previous`` and
``results``.

A long list is not counted to its end on every page (``registry.paging.CappedPaginator``):
``count`` is exact when ``count_exact`` is true — below ``REGISTRY_LIST_COUNT_LIMIT`` items and on
the last page — and otherwise a lower bound (at least ``count`` items); ``next`` is given while
more items exist, and a page past the end answers 404. ``page=last`` counts every item to find
the last page.
"""

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from registry.paging import CappedPaginator


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedPaginator

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            paginator.limit = None  # the last page needs the total
        return super().get_page_number(request, paginator)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_exact": self.page.paginator.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        described["properties"]["count"]["description"] = (
            "The number of items when count_exact is true; otherwise a lower bound: the list holds at "
            "least this many (a long list is counted only so far, and exactly on its last page)."
        )
        described["properties"]["count_exact"] = {
            "type": "boolean",
            "description": "Whether count is the number of items (true) or a lower bound (false).",
        }
        described["required"] = [*described["required"], "count_exact"]
        return described
