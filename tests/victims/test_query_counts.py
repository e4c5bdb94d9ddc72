"""The case list, the case file and its history cost a fixed number of queries (DESIGN §8: "the
same number of queries at any page size"): neither the page size, nor the number of cases, nor
the number of records in a section adds one. Every section registered with ``victims.selectors`` is built by
the detail endpoint, so a section another app registers is held to the same rule as soon as it
exists (records are made here for the victim file's own kinds only)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry import casefile
from registry.choices import Department, OrganizationKind
from tests.factories import OrganizationFactory
from tests.victims.conftest import RESCUE, TODAY, person
from victims import operations
from victims.choices import ConsentGiver, Relationship, Service

pytestmark = pytest.mark.django_db

RECEIVERS = {  # service -> (department, kind) of the organizations that receive its referrals
    Service.SCHOOLING: (Department.EDUCATION, OrganizationKind.SCHOOL),
    Service.LEGAL_AID: (Department.JUSTICE, OrganizationKind.LEGAL_AID_CENTRE),
    Service.TRAINING: (Department.LABOR, OrganizationKind.TRAINING_PROVIDER),
}


def register(places, cast, seed: int):
    return operations.case_register(
        actor=cast.alice, victim=person(seed, age=30), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )


def add_records(places, cast, case, per_kind: int) -> None:
    """``per_kind`` records of each kind of the victim file on ``case`` (the rescue
    registration made counts as one), referrals to ``per_kind`` organizations per service."""
    alice = cast.alice
    for number in range(per_kind):
        if number:
            operations.record_add(actor=alice, case=case, model="rescue", data=dict(RESCUE))
        operations.record_add(
            actor=alice, case=case, model="healthassessment",
            data={"assessed_on": TODAY, "assessor": "医务室", "physical": "良好", "needs": "心理辅导"},
        )  # fmt: skip
        operations.record_add(
            actor=alice, case=case, model="dnasample", data={"collected_on": TODAY, "collected_by": "刑侦大队"}
        )
        household = operations.record_add(
            actor=alice, case=case, model="household", data={"address": "某镇某村", "jurisdiction_code": "530102"}
        )
        operations.record_add(
            actor=alice, case=case, model="familymember",
            data={"household": household, "relationship": Relationship.MOTHER, "full_name": "王秀兰"},
        )  # fmt: skip
        for service, (department, kind) in RECEIVERS.items():
            operations.record_add(
                actor=alice, case=case, model="consent",
                data={"service": service, "given_by": ConsentGiver.PERSON, "given_on": TODAY},
            )  # fmt: skip
            receiver = OrganizationFactory(
                name=f"{service}-{case.pk}-{number}", department=department, kind=kind, jurisdiction=places.fuzhou
            )
            operations.referral_create(actor=alice, case=case, service=service, to_organization=receiver)


def queries_of(client, url: str, *, expect_results: int | None = None) -> list[str]:
    """The SQL of one GET (after a first one, so no first-request cache is counted)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    if expect_results is not None:
        assert len(response.json()["results"]) == expect_results
    return [query["sql"] for query in captured.captured_queries]


def _shape(sql: str) -> str:
    """A query with its literal values blanked, so the same query for another row compares equal."""
    return re.sub(r"'[^']*'|\d+", "?", sql)[:200]


def same_count(few: list[str], many: list[str]) -> None:
    grown = Counter(map(_shape, many)) - Counter(map(_shape, few))
    assert len(few) == len(many), f"{len(few)} queries became {len(many)}; more of: " + "\n".join(
        f"{n} x {shape}" for shape, n in grown.items()
    )


# --- the case list ---------------------------------------------------------------------------


def test_the_case_list_costs_the_same_queries_at_page_sizes_1_and_50(places, cast, api_client_for):
    for seed in range(1, 51):
        register(places, cast, seed)
    for user in (cast.alice, cast.dave):  # scope by organization, by jurisdiction
        client = api_client_for(user)
        one = queries_of(client, reverse("case-list") + "?page_size=1", expect_results=1)
        fifty = queries_of(client, reverse("case-list") + "?page_size=50", expect_results=50)
        same_count(one, fifty)


def test_the_case_list_costs_the_same_queries_for_2_and_20_cases_with_records(places, cast, api_client_for):
    cases = [register(places, cast, seed) for seed in (1, 2)]
    for case in cases:
        add_records(places, cast, case, per_kind=2)
    client = api_client_for(cast.dave)
    url = reverse("case-list") + "?page_size=50"
    two = queries_of(client, url, expect_results=2)
    for seed in range(3, 21):
        add_records(places, cast, register(places, cast, seed), per_kind=1)
    twenty = queries_of(client, url, expect_results=20)
    same_count(two, twenty)
    # A search through the blind index costs no more for more cases either.
    searched = queries_of(client, reverse("case-list") + f"?id_number={person(7, age=30)['id_number']}")
    assert len(searched) <= len(twenty) + 1  # the search adds at most its own subquery


# --- the case file ---------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["alice", "dave"])
def test_the_case_file_costs_the_same_queries_for_one_and_several_records_per_section(
    places, cast, api_client_for, member
):
    user = getattr(cast, member)
    shown = casefile.shown_sections(user)  # whatever sections the installed apps registered
    few, many = register(places, cast, 1), register(places, cast, 2)
    add_records(places, cast, few, per_kind=1)
    add_records(places, cast, many, per_kind=4)
    client = api_client_for(user)
    body = client.get(reverse("case-detail", kwargs={"id": many.uuid})).json()
    assert {section.value for section in shown} <= set(body)  # every registered section was built
    assert len(body["rescue"]) == 4 and len(body["referrals"]) == 12
    same_count(
        queries_of(client, reverse("case-detail", kwargs={"id": few.uuid})),
        queries_of(client, reverse("case-detail", kwargs={"id": many.uuid})),
    )


def test_the_case_history_costs_the_same_queries_for_one_and_several_records(places, cast, api_client_for):
    few, many = register(places, cast, 1), register(places, cast, 2)
    add_records(places, cast, few, per_kind=1)
    add_records(places, cast, many, per_kind=4)
    client = api_client_for(cast.dave)
    same_count(
        queries_of(client, reverse("case-history", kwargs={"id": few.uuid})),
        queries_of(client, reverse("case-history", kwargs={"id": many.uuid})),
    )
