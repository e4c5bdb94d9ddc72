"""Once a transfer is accepted, the sender has lost the case: every route of the registry that
names a case answers 404 to its caseworker and to the civil affairs officer whose jurisdiction
the case left — the API and the pages, found by walking the URL configuration, so a route added
later is held to it too — while the receiver reads the case. Before acceptance, the receiver
reads only the summary, which carries no personal value (a canary)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.transfers.test_transfer_operations import request_transfer
from tests.victims.conftest import person
from tests.victims.test_api_matrix import referred_case, register_case
from transfers import operations

pytestmark = pytest.mark.django_db


def case_routes(patterns=None, prefix="", namespace=""):
    """``(name, keyword)`` of every route whose one argument is a case's id: ``id`` under the
    API's ``cases/``, ``case_id`` for the pages."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from case_routes(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            keywords = set(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else set()
            if keywords == {"case_id"}:
                yield f"{namespace}{pattern.name}", "case_id"
            elif keywords == {"id"} and route.startswith("api/") and "cases/<" in route:
                yield f"{namespace}{pattern.name}", "id"


ROUTES = sorted(set(case_routes()))


def test_the_walk_finds_the_case_routes():
    names = {name for name, _keyword in ROUTES}
    assert {"victims:case", "case-detail", "case-transfer-list", "transfers:request", "case-notes"} <= names


def answer(client, url):
    """GET, or POST for a route that takes only POST."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, data={}, content_type="application/json")
    return response


@pytest.fixture
def accepted(places, cast):
    case = referred_case(places, cast, full_name="柳如烟")
    transfer = request_transfer(places, cast, case)
    operations.transfer_accept(actor=cast.carol, transfer=transfer)
    return case


@pytest.mark.parametrize("member", ["alice", "dave"])
def test_the_sender_gets_404_on_every_case_route_once_the_transfer_is_accepted(client, cast, accepted, member):
    client.force_login(getattr(cast, member))

    answers = {
        name: answer(client, reverse(name, kwargs={keyword: accepted.uuid})).status_code for name, keyword in ROUTES
    }

    assert answers == dict.fromkeys(answers, 404)


def test_the_receiver_reads_the_case_once_accepted(client, cast, accepted):
    for member in ("carol", "xavier"):
        client.force_login(getattr(cast, member))
        assert client.get(reverse("case-detail", kwargs={"id": accepted.uuid})).status_code == 200
        page = client.get(reverse("victims:case", args=[accepted.uuid]))
        assert page.status_code == 200
        assert "柳如烟" in page.content.decode()


def test_before_acceptance_the_receiver_sees_nothing_of_the_case(client, places, cast):
    case = referred_case(places, cast)
    request_transfer(places, cast, case)
    client.force_login(cast.carol)

    answers = {name: answer(client, reverse(name, kwargs={keyword: case.uuid})).status_code for name, keyword in ROUTES}

    assert answers == dict.fromkeys(answers, 404)


CANARY_NAME = "金丝雀测试名"
CANARY_COMMENT = "她的表姐金丝雀某在厦门思明区（虚构）"


def test_the_summary_carries_no_personal_value(client, api_client_for, places, cast):
    victim = person(77, full_name=CANARY_NAME, address="金丝雀路77号")
    case = register_case(places, cast, seed=77, full_name=CANARY_NAME, address="金丝雀路77号")
    transfer = request_transfer(places, cast, case, comment=CANARY_COMMENT)
    secrets = [CANARY_NAME, CANARY_COMMENT, "金丝雀", victim["id_number"], victim["phone"]]
    client.force_login(cast.carol)

    pages = [
        client.get(reverse("transfers:detail", args=[transfer.uuid])),
        client.get(reverse("transfers:list")),
        client.get(reverse("dashboard")),
    ]
    api = api_client_for(cast.carol)
    answers = [api.get(reverse("transfer-detail", kwargs={"id": transfer.uuid})), api.get(reverse("transfer-list"))]

    for response in pages + answers:
        assert response.status_code == 200
        body = response.content.decode()
        assert case.number in body  # the summary is there ...
        assert not [secret for secret in secrets if secret in body]  # ... and nothing of the person
    summary = answers[0].json()
    assert "comment" not in summary and "case_id" not in summary
    assert (summary["sex"], summary["age_band"], summary["direction"]) == ("female", case.age_band, "incoming")
