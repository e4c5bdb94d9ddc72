"""The case file reads its records in a number of queries independent of the number of record
kinds (``registry.casefile.kinds_records``, ``registry.union``): a case with one kind of
record present and a case with fourteen cost the same, exact number of queries — for civil
affairs, who read every section, and for the labour officer, whose rows are narrowed — and
what they read is exactly what reading each kind on its own gives."""

from __future__ import annotations

import pytest
from django.db.models import Count
from django.urls import reverse

from care.plan.operations import goal_create, review_create
from registry import casefile
from services import operations as services
from tests.care.test_notes_operations import TODAY, days, goal_of, write_plan
from tests.services.test_assistance import JOB, TRAINING
from tests.victims.conftest import RESCUE, person
from victims import operations
from victims.choices import ConsentGiver, Relationship, Service

pytestmark = pytest.mark.django_db

# The queries of the case file, by reader: the records of every kind the sections list, in one;
# the notes (both) and the legal aid matters (civil affairs), which their sections build.
CASE_FILE_QUERIES = {"dave": 3, "frank": 2}
# The API's case detail adds the case's scoped lookup and the audit event of the read (the
# chain head read under its lock, the event, which advances the head in the database).
DETAIL_QUERIES = {member: 1 + count + 2 for member, count in CASE_FILE_QUERIES.items()}


def register(places, cast, seed: int):
    return operations.case_register(
        actor=cast.alice, victim=person(seed, age=30), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )


def refer_to_labour(places, cast, case) -> None:
    """A consent to training and a referral of it to Frank's bureau, accepted by him."""
    consent = {"service": Service.TRAINING, "given_by": ConsentGiver.PERSON, "given_on": TODAY}
    operations.record_add(actor=cast.alice, case=case, model="consent", data=consent)
    referral = operations.referral_create(
        actor=cast.alice, case=case, service=Service.TRAINING, to_organization=places.fz_labor
    )
    operations.referral_respond(actor=cast.frank, referral=referral, decision="accept")


def with_fourteen_kinds(places, cast, seed: int):
    """A case with one record of each of fourteen kinds: rescue, consent, referral, health
    assessment, DNA sample, household, family member, care plan, its needs, a goal, a review,
    a shelter placement, a training and a job."""
    alice = cast.alice
    case = register(places, cast, seed)
    refer_to_labour(places, cast, case)
    assessment = {"assessed_on": TODAY, "assessor": "医务室", "physical": "良好", "needs": "心理辅导"}
    operations.record_add(actor=alice, case=case, model="healthassessment", data=assessment)
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
    plan = write_plan(case, alice)
    goal_create(actor=alice, case=case, data=goal_of(places, owner=places.fz_labor))
    review_create(actor=alice, plan=plan, data={"reviewed_on": TODAY - days(1), "summary": "复评（虚构）"})
    services.placement_admit(actor=alice, case=case, shelter=places.fz_shelter)
    services.training_add(actor=cast.frank, case=case, data=TRAINING)
    services.employment_add(actor=cast.frank, case=case, data=JOB)
    return case


def kinds_present(user, case) -> int:
    """How many of the kinds the case file lists itself hold a record ``user`` reads."""
    return sum(
        bool(kind.records(case, user))
        for key in casefile.shown_sections(user)
        for kind in casefile.declared(key).listed_kinds
    )


def each_kind_alone(user, case) -> dict:
    """The case file as one query per kind reads it (:meth:`RecordKind.records` of each)."""
    built = {}
    for key in casefile.shown_sections(user):
        section = casefile.declared(key)
        records = {id(kind): kind.records(case, user) for kind in section.listed_kinds}
        built[key.value] = section.content(case, user, records)
    return built


@pytest.mark.parametrize(("member", "few_kinds"), [("dave", 1), ("frank", 2)])
def test_the_case_file_costs_the_same_queries_with_one_or_fourteen_kinds(
    places, cast, api_client_for, django_assert_num_queries, member, few_kinds
):
    user = getattr(cast, member)
    few = register(places, cast, 1)
    if member == "frank":  # he sees a case referred to him: its consent and referral, no fewer
        refer_to_labour(places, cast, few)
    many = with_fourteen_kinds(places, cast, 2)
    assert (kinds_present(user, few), kinds_present(user, many)) == (few_kinds, 14 if member == "dave" else 5)
    client = api_client_for(user)
    for case in (few, many):
        url = reverse("case-detail", kwargs={"id": case.uuid})
        client.get(url)  # nothing cached on a first request is counted
        with django_assert_num_queries(CASE_FILE_QUERIES[member]):
            built = casefile.case_sections(user, case)
        with django_assert_num_queries(DETAIL_QUERIES[member]):
            response = client.get(url)
        assert response.status_code == 200
        # The same records as each kind read alone: narrowed, decrypted, related rows, order.
        assert built == each_kind_alone(user, case)
        assert set(built) <= set(response.json())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "shape",
    [
        lambda rows: rows.order_by("code"),
        lambda rows: rows[:5],
        lambda rows: rows.select_for_update(),
        lambda rows: rows.union(rows),
        lambda rows: rows.annotate(n=Count("children")),
    ],
    ids=["ordered", "sliced", "locked", "combined", "annotated"],
)
def test_union_rows_refuses_a_queryset_that_cannot_stand_in_a_branch(shape):
    from registry.models import Jurisdiction
    from registry.union import union_rows

    with pytest.raises(ValueError, match="read together"):
        union_rows([shape(Jurisdiction.objects.order_by())])
