"""A long list is counted only so far (issue 19): ``registry.paging.CappedPaginator`` counts at
most the limit or the end of the page asked for, plus one row, never the whole queryset; the
count is exact under the limit and on the last page, which needs no count at all; the API's
envelope says which."""

from __future__ import annotations

import pytest
from django.core.paginator import EmptyPage
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from registry.api.pagination import StandardPagination
from registry.models import Jurisdiction
from registry.paging import CappedPaginator
from tests.factories import JurisdictionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven():
    """Seven rows, two a page: pages 1–3 full, page 4 holds the seventh."""
    for n in range(1, 8):
        JurisdictionFactory(code=f"99{n:02d}")
    return Jurisdiction.objects.filter(parent__code="99").order_by("code")


def counts(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "COUNT(" in query["sql"].upper()]


def page_of(rows, number, *, limit):
    with override_settings(REGISTRY_LIST_COUNT_LIMIT=limit), CaptureQueriesContext(connection) as captured:
        paginator = CappedPaginator(rows, 2)
        page = paginator.page(number)
        list(page)
    return page, counts(captured)


def test_under_the_limit_the_count_is_exact(seven):
    page, (count,) = page_of(seven, 1, limit=10)

    assert (page.paginator.count, page.paginator.count_exact, page.paginator.num_pages) == (7, True, 4)
    assert "LIMIT 11" in count.upper()


def test_over_the_limit_it_counts_one_row_past_it_and_never_the_whole_list(seven):
    page, (count,) = page_of(seven, 1, limit=2)

    assert (page.paginator.count, page.paginator.count_exact) == (3, False)  # at least 3
    assert "LIMIT 3" in count.upper() and "ORDER BY" not in count.upper()
    assert page.has_next() and page.paginator.num_pages == 2  # the pages known to hold rows
    assert [row.code for row in page] == ["9901", "9902"]


def test_a_page_past_the_limit_counts_to_its_end_and_knows_the_next(seven):
    page, (count,) = page_of(seven, 3, limit=2)

    assert "LIMIT 7" in count.upper()
    assert (page.paginator.count, page.paginator.count_exact, page.has_next()) == (7, False, True)
    assert [row.code for row in page] == ["9905", "9906"]


def test_a_lower_bound_counted_before_a_later_page_is_counted_again_past_it(seven):
    with override_settings(REGISTRY_LIST_COUNT_LIMIT=2):
        paginator = CappedPaginator(seven, 2)
        assert (paginator.count, paginator.count_exact) == (3, False)
        page = paginator.page(3)

    assert [row.code for row in page] == ["9905", "9906"] and page.has_next()


def test_the_last_page_is_exact_without_a_count(seven):
    page, no_count = page_of(seven, 4, limit=2)

    assert (page.paginator.count, page.paginator.count_exact, page.has_next(), no_count) == (7, True, False, [])
    assert [row.code for row in page] == ["9907"]


def test_a_list_shorter_than_a_page_needs_no_count(seven):
    with override_settings(REGISTRY_LIST_COUNT_LIMIT=2), CaptureQueriesContext(connection) as captured:
        page = CappedPaginator(seven, 10).page(1)
        empty = CappedPaginator(seven.none(), 10).page(1)

    assert (page.paginator.count, page.paginator.count_exact, len(page)) == (7, True, 7)
    assert (empty.paginator.count, empty.paginator.num_pages) == (0, 1)
    assert counts(captured) == []


def test_a_page_past_the_end_is_empty_and_get_page_falls_back_to_the_exact_last(seven):
    with override_settings(REGISTRY_LIST_COUNT_LIMIT=2):
        with pytest.raises(EmptyPage):
            CappedPaginator(seven, 2).page(5)
        last = CappedPaginator(seven, 2).get_page(9)
        huge = CappedPaginator(seven, 2).get_page("9" * 30)  # still a number every database takes

    assert (last.number, last.paginator.count, last.paginator.count_exact) == (4, 7, True)
    assert (huge.number, huge.paginator.count_exact) == (4, True)


def test_a_list_is_counted_whole(seven):
    page, no_count = page_of(list(seven), 1, limit=2)

    assert (page.paginator.count, page.paginator.count_exact, no_count) == (7, True, [])


def test_the_schema_of_a_page_documents_count_exact():
    described = StandardPagination().get_paginated_response_schema({"type": "array"})

    assert described["properties"]["count_exact"]["type"] == "boolean"
    assert {"count", "count_exact", "results"} <= set(described["required"])
