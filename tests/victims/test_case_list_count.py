"""The case list, over the API and on its page, counts a long list only so far (issue 19): past
``REGISTRY_LIST_COUNT_LIMIT`` it answers a lower bound ("more than"), with the next page, and the
exact total on the last page; no query counts the whole scoped list."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import AuditEvent
from tests.helpers import zh
from tests.victims.conftest import RESCUE, person
from victims import operations

pytestmark = pytest.mark.django_db

CASES = reverse("case-list")
LIST = reverse("victims:list")


@pytest.fixture
def five(places, cast):
    """Five cases in Alice's and Dave's reach."""
    for seed in range(1, 6):
        operations.case_register(actor=cast.alice, victim=person(seed), jurisdiction=places.gulou, rescue=dict(RESCUE))


def counted(captured) -> list[str]:
    """The queries counting cases; each must stop at a LIMIT."""
    queries = [query["sql"].upper() for query in captured.captured_queries]
    counts = [sql for sql in queries if "COUNT(" in sql and '"VICTIMS_CASE"' in sql]
    assert all("LIMIT" in sql for sql in counts), counts
    return counts


@override_settings(REGISTRY_LIST_COUNT_LIMIT=2)
def test_the_api_answers_a_lower_bound_with_next_and_the_exact_total_on_the_last_page(five, cast, api_client_for):
    client = api_client_for(cast.dave)
    with CaptureQueriesContext(connection) as captured:
        first = client.get(CASES, {"page_size": 2}).json()
    assert counted(captured)

    assert (first["count"], first["count_exact"], len(first["results"])) == (3, False, 2)
    assert "page=2" in first["next"]
    assert AuditEvent.objects.filter(action="case_listed").latest("id").detail == {"count": 3, "count_exact": False}

    with CaptureQueriesContext(connection) as captured:
        last = client.get(first["next"].replace("page=2", "page=3")).json()
    assert counted(captured) == []  # a short page is the last: its rows give the total
    assert (last["count"], last["count_exact"], last["next"], len(last["results"])) == (5, True, None, 1)
    assert client.get(CASES, {"page_size": 2, "page": 4}).status_code == 404
    assert client.get(CASES, {"page_size": 2, "page": "last"}).json()["count"] == 5


def test_under_the_limit_the_api_count_is_exact(five, cast, api_client_for):
    body = api_client_for(cast.dave).get(CASES, {"page_size": 2}).json()

    assert (body["count"], body["count_exact"]) == (5, True)


def heading(response) -> str:
    return unescape(response.content.decode().split('id="results-title">', 1)[1].split("</h2>", 1)[0])


def pager(response) -> str:
    return response.content.decode().split('class="pager"', 1)[1].split("</nav>", 1)[0]


@override_settings(REGISTRY_LIST_COUNT_LIMIT=2)
def test_the_page_says_more_than_the_limit_then_the_exact_total_on_the_last_page(five, cast, client, monkeypatch):
    monkeypatch.setattr("victims.views.cases.PAGE_SIZE", 2)
    client.force_login(cast.dave)
    with CaptureQueriesContext(connection) as captured:
        first = client.get(LIST)
    assert counted(captured)

    assert zh("More than %(limit)s cases", limit=2) in heading(first)
    numbers = pager(first)
    assert 'href="?page=2">2</a>' in numbers and 'rel="next"' in numbers and "pager__gap" in numbers
    assert 'href="?page=3"' not in numbers  # not known to exist yet

    last = client.get(LIST, {"page": "3"})
    assert zh("More than %(limit)s cases", limit=2) not in heading(last)
    assert re.search(r"\d+", heading(last)).group() == "5"
    assert 'rel="next"' not in pager(last) and "pager__gap" not in pager(last)
