"""The services' API: a journey from admission to closure, the error answers (400 naming the
field, 403, 404 out of scope, 409, 412, 428 — never a 500), audit of reads, and the schema.
(Who may call what is held to the policy in ``test_api_matrix.py``; the race for the last bed
in ``test_api_concurrency.py``.)"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from registry.models import AuditAction, AuditEvent
from services.models import FollowUpVisit, ReturnPlan, ShelterPlacement
from services.operations.common import add_months
from tests.services.conftest import TODAY, plan_data
from tests.victims.test_api_matrix import if_match
from victims.choices import Service, Stage
from victims.models import Case

pytestmark = pytest.mark.django_db

MISSING = "00000000-0000-4000-8000-000000000000"


def url(name, case, record=None, **kwargs):
    kwargs["id"] = case.uuid
    if record is not None:
        kwargs["record_id"] = record.uuid if hasattr(record, "uuid") else record
    return reverse(name, kwargs=kwargs)


def json_plan(**extra) -> dict:
    return {name: value.isoformat() if isinstance(value, datetime.date) else value
            for name, value in plan_data(**extra).items()}  # fmt: skip


def call(client, method, path, body=None, status=200, headers=None):
    response = getattr(client, method)(path, body, format="json", headers=headers or {})
    assert response.status_code == status, (method, path, response.status_code, response.content[:400])
    return response


def version_of(response) -> dict:
    return {"If-Match": response["ETag"]}


def test_a_person_goes_from_shelter_home_and_the_case_closes_after_the_visits(
    make_case, places, cast, api_client_for, dora
):
    alice, dave = api_client_for(cast.alice), api_client_for(cast.dave)
    case = make_case()
    admitted = call(alice, "post", url("case-placement-list", case),
                    {"shelter": str(places.fz_shelter.uuid), "notes": "入站"}, status=201)  # fmt: skip
    placement = admitted.json()
    assert (placement["shelter_name"], placement["admitted_on"], admitted["ETag"]) == (
        places.fz_shelter.name, TODAY.isoformat(), '"1"',
    )  # fmt: skip
    detail = call(alice, "get", reverse("case-detail", kwargs={"id": case.uuid})).json()
    assert detail["stage"] == "sheltered" and detail["shelter"] == [placement]

    created = call(alice, "post", url("case-return-plan-list", case), json_plan(), status=201)
    plan_id = created.json()["id"]
    approve_url = url("case-return-plan-approve", case, plan_id)
    approved = call(dave, "post", approve_url, {}, headers=version_of(created))
    assert (approved.json()["status"], approved.json()["approved_by"]) == ("approved", "dave")
    completed = call(alice, "post", url("case-return-plan-complete", case, plan_id),
                     {"handover_on": TODAY.isoformat(), "receiving_party": "鼓楼区某社区（虚构）"},
                     headers=version_of(approved))  # fmt: skip
    assert completed.json()["status"] == "completed"
    assert Case.objects.get(pk=case.pk).stage == Stage.RETURNED
    assert ShelterPlacement.objects.get(uuid=placement["id"]).discharged_on == TODAY

    visits = call(alice, "get", url("case-follow-up-list", case)).json()
    assert [visit["due_on"] for visit in visits["results"]] == [
        add_months(TODAY, months).isoformat() for months in (1, 3, 6, 12)
    ]
    first, *others = visits["results"]
    one = call(alice, "get", url("case-follow-up-detail", case, first["id"]))
    call(alice, "patch", url("case-follow-up-detail", case, first["id"]),
         {"visited_on": TODAY.isoformat(), "visitor": "王某（虚构）", "living_conditions": "良好"},
         headers=version_of(one))  # fmt: skip
    close_url = reverse("case-close", kwargs={"id": case.uuid})
    refused = call(dave, "post", close_url, {}, status=409, headers=if_match(Case.objects.get(pk=case.pk).version))
    assert refused.json()["code"] == "follow_ups_outstanding"
    for visit in others:
        call(dave, "post", url("case-follow-up-waive", case, visit["id"]), {"reason": "已迁居（虚构）"},
             headers=if_match(visit["version"]))  # fmt: skip
    closed = call(dave, "post", close_url, {}, headers=if_match(Case.objects.get(pk=case.pk).version))
    assert closed.json()["stage"] == "closed"

    history = call(dave, "get", reverse("case-history", kwargs={"id": case.uuid})).json()["results"]
    assert {"shelterplacement", "returnplan", "followupvisit"} <= {entry["kind"] for entry in history}


def test_schooling_and_training_through_the_api(make_case, refer, cast, api_client_for):
    case = make_case(age=16)
    refer(case, Service.SCHOOLING)
    refer(case, Service.TRAINING)
    bob, frank = api_client_for(cast.bob), api_client_for(cast.frank)
    enrolment = {"school": "某中学（虚构）", "started_on": TODAY.isoformat(), "grade": "高一"}
    enrolled = call(bob, "post", url("case-enrollment-list", case), enrolment, status=201)
    changed = call(bob, "patch", url("case-enrollment-detail", case, enrolled.json()["id"]),
                   {"attendance": "irregular"}, headers=version_of(enrolled))  # fmt: skip
    assert (changed.json()["attendance"], changed["ETag"]) == ("irregular", '"2"')
    job = call(frank, "post", url("case-employment-list", case),
               {"employer": "某公司（虚构）", "job_title": "客服", "started_on": TODAY.isoformat(), "verified": True},
               status=201)  # fmt: skip
    assert (job.json()["verified_by"], job.json()["verified_on"]) == ("frank", TODAY.isoformat())
    young = make_case(age=16)  # referred at 16; the training may still not start before the birthday
    refer(young, Service.TRAINING)
    before_sixteen = young.victim.birth_date + datetime.timedelta(days=16 * 365 - 30)
    training = {"provider": "某职校", "programme": "烹饪", "started_on": before_sixteen.isoformat()}
    too_young = call(frank, "post", url("case-training-list", young), training, status=400)
    assert (too_young.json()["code"], list(too_young.json()["fields"])) == ("under_minimum_age", ["started_on"])


def test_education_with_a_pending_referral_is_refused_with_a_clear_code(make_case, refer, cast, api_client_for):
    case = make_case(age=10)
    refer(case, Service.SCHOOLING, status="pending")
    response = call(api_client_for(cast.bob), "post", url("case-enrollment-list", case),
                    {"school": "某小学", "started_on": TODAY.isoformat()}, status=403)  # fmt: skip
    assert response.json()["code"] == "referral_not_accepted"


# --- errors -------------------------------------------------------------------------------------


def test_changes_need_if_match_and_a_current_version(make_case, admit, plan, cast, api_client_for):
    case = make_case()
    placement = admit(case)
    created = plan(case)
    alice, dave = api_client_for(cast.alice), api_client_for(cast.dave)
    for client, path, body in (
        (alice, url("case-placement-detail", case, placement), {"notes": "x"}),
        (alice, url("case-placement-discharge", case, placement), {}),
        (dave, url("case-return-plan-approve", case, created), {}),
        (alice, url("case-return-plan-cancel", case, created), {"reason": "x"}),
    ):
        method = "patch" if path.endswith(f"{placement.uuid}/") else "post"
        assert call(client, method, path, body, status=428).json()["code"] == "version_required"
        assert call(client, method, path, body, status=412, headers=if_match(9)).json()["code"] == "stale_version"
    assert ShelterPlacement.objects.get(pk=placement.pk).version == 1
    assert ReturnPlan.objects.get(pk=created.pk).version == 1


def test_rule_violations_name_the_field_and_code(make_case, admit, household, shelter, cast, api_client_for):
    alice = api_client_for(cast.alice)
    case = make_case(age=12)
    unknown = call(alice, "post", url("case-placement-list", case), {"shelter": MISSING}, status=400)
    assert list(unknown.json()["fields"]) == ["shelter"]
    buyers = household(case, is_purchaser=True, jurisdiction_code="350102")
    purchaser = call(alice, "post", url("case-return-plan-list", case),
                     json_plan(household=str(buyers.uuid)), status=400)  # fmt: skip
    assert (purchaser.json()["code"], list(purchaser.json()["fields"])) == ("purchaser_household", ["household"])
    other = household(make_case(), jurisdiction_code="350102")
    foreign = call(alice, "post", url("case-return-plan-list", case), json_plan(household=str(other.uuid)), status=400)
    assert list(foreign.json()["fields"]) == ["household"]
    full = shelter(capacity=1)
    admit(make_case(), shelter=full)
    conflict = call(alice, "post", url("case-placement-list", case), {"shelter": str(full.uuid)}, status=409)
    assert conflict.json()["code"] == "shelter_full"


def test_four_eyes_over_the_api(make_case, plan, cast, api_client_for):
    created = plan(make_case(), actor=cast.dave)
    path = url("case-return-plan-approve", created.case, created)
    refused = call(api_client_for(cast.dave), "post", path, {}, status=403, headers=if_match(1))
    assert refused.json()["code"] == "four_eyes"
    assert call(api_client_for(cast.alice), "post", path, {}, status=403, headers=if_match(1)).json()["code"] == (
        "permission_denied"
    )


def test_out_of_scope_missing_and_malformed_ids_answer_the_same_404_and_are_audited(
    make_case, admit, cast, api_client_for
):
    case = make_case()
    placement = admit(case)
    carol = api_client_for(cast.carol)
    answers = [
        carol.get(url("case-placement-list", case)),
        carol.get(url("case-placement-detail", case, placement)),
        api_client_for(cast.alice).get(url("case-placement-detail", case, MISSING)),
        api_client_for(cast.alice).get(url("case-placement-detail", case, "not-a-uuid")),
        api_client_for(cast.alice).get(url("case-placement-detail", make_case(), placement)),  # another case's
        api_client_for(cast.bob).get(url("case-placement-list", case)),  # not referred: no case at all
    ]
    assert [response.status_code for response in answers] == [404] * 6
    denied = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=cast.carol)
    assert denied.count() == 2 and {event.case_uuid for event in denied} == {case.uuid}


def test_reads_are_audited_with_the_section_shown(make_case, admit, cast, api_client_for):
    case = make_case()
    placement = admit(case)
    client = api_client_for(cast.dave)
    client.get(url("case-placement-list", case))
    listed = AuditEvent.objects.order_by("-id").first()
    assert (listed.action, listed.sections, listed.detail["kind"]) == ("case_viewed", ["shelter"], "shelterplacement")
    client.get(url("case-placement-detail", case, placement))
    read = AuditEvent.objects.order_by("-id").first()
    assert (read.actor, read.case_uuid, read.detail["record"]) == (cast.dave, case.uuid, str(placement.uuid))


def test_occupancy_is_an_aggregate_of_the_users_area_and_its_read_is_audited(make_case, admit, cast, places,
                                                                             api_client_for):  # fmt: skip
    admit(make_case())
    rows = call(api_client_for(cast.dave), "get", reverse("shelter-occupancy")).json()["results"]
    assert [(row["name"], row["occupied"], row["capacity"]) for row in rows] == [(places.fz_shelter.name, 1, 40)]
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.detail) == (AuditAction.REPORT_VIEWED, {"report": "shelter_occupancy", "count": 1})
    assert call(api_client_for(cast.bob), "get", reverse("shelter-occupancy")).json()["count"] == 0


@pytest.fixture
def journey(make_case, admit, returned, cast):
    case = make_case()
    placement = admit(case)
    plan = returned(make_case())
    return {"case": case.uuid, "placement": placement.uuid, "plan_case": plan.case.uuid, "plan": plan.uuid,
            "visit": FollowUpVisit.objects.filter(case=plan.case).first().uuid}  # fmt: skip


@pytest.mark.parametrize(
    ("method", "route", "body", "headers", "status"),
    [
        ("post", "cases/{case}/placements/", [], {}, 400),
        ("post", "cases/{case}/placements/", "福州", {}, 400),
        ("post", "cases/{case}/placements/", {"shelter": "not-a-uuid"}, {}, 400),
        ("post", "cases/{case}/placements/", {"shelter": None}, {}, 400),
        ("post", "cases/{case}/placements/", {"shelter": "{case}", "admitted_on": "2026-02-30"}, {}, 400),
        ("post", "cases/{case}/placements/", {"shelter": "{case}", "bed": 3}, {}, 400),
        ("patch", "cases/{case}/placements/{placement}/", {}, {"If-Match": '"1"'}, 400),
        ("patch", "cases/{case}/placements/{placement}/", {"notes": "x"}, {"If-Match": "*"}, 400),
        ("patch", "cases/{case}/placements/{placement}/", {"notes": ["x"]}, {"If-Match": '"1"'}, 400),
        ("patch", "cases/{case}/placements/{placement}/", {"notes": "x" * 4001}, {"If-Match": '"1"'}, 400),
        ("post", "cases/{case}/placements/{placement}/transfer/", {"to_shelter": 1}, {"If-Match": '"1"'}, 400),
        ("post", "cases/{case}/placements/{placement}/discharge/", {"reason": "transferred"}, {"If-Match": '"1"'},
         400),
        ("post", "cases/{case}/placements/{placement}/discharge/", {"discharged_on": 5}, {"If-Match": '"1"'}, 400),
        ("post", "cases/{case}/placements/not-a-uuid/discharge/", {}, {"If-Match": '"1"'}, 404),
        ("put", "cases/{case}/placements/{placement}/", {}, {}, 405),
        ("delete", "cases/{case}/placements/{placement}/", None, {}, 405),
        ("get", "cases/{case}/placements/{placement}/discharge/", None, {}, 405),
        ("options", "cases/{case}/placements/", None, {}, 405),
        ("post", "cases/{case}/return-plans/", {"pathway": "teleport", "planned_on": "soon"}, {}, 400),
        ("post", "cases/{case}/return-plans/", {"pathway": "local_resettlement"}, {}, 400),
        ("post", "cases/{case}/return-plans/", {"pathway": "local_resettlement", "planned_on": "2026-01-01",
                                                "destination_code": "12345X"}, {}, 400),
        ("post", "cases/{case}/return-plans/", {"pathway": "local_resettlement", "planned_on": "2026-01-01",
                                                "destination_code": "350102", "household": "x"}, {}, 400),
        ("post", "cases/{plan_case}/return-plans/{plan}/complete/", {}, {"If-Match": '"3"'}, 400),
        ("post", "cases/{plan_case}/return-plans/{plan}/cancel/", {"reason": ""}, {"If-Match": '"3"'}, 400),
        ("post", "cases/{plan_case}/return-plans/{plan}/approve/", {"x": 1}, {"If-Match": '"3"'}, 403),
        ("patch", "cases/{plan_case}/follow-ups/{visit}/", {"visited_on": "yesterday"}, {"If-Match": '"1"'}, 400),
        ("patch", "cases/{plan_case}/follow-ups/{visit}/", {"waived_on": "2026-01-01"}, {"If-Match": '"1"'}, 400),
        ("post", "cases/{plan_case}/follow-ups/", {"due_on": None}, {}, 400),
        ("get", "cases/{plan_case}/follow-ups/?page=99", None, {}, 404),
        ("get", "shelters/occupancy/?page_size=lots", None, {}, 200),
    ],
)  # fmt: skip
def test_malformed_requests_are_answered_with_a_coded_error_never_a_500(
    journey, cast, api_client_for, method, route, body, headers, status
):
    path = "/api/v1/" + route.format(**journey)
    if isinstance(body, dict):
        body = {key: value.format(**journey) if isinstance(value, str) else value for key, value in body.items()}
    response = getattr(api_client_for(cast.alice), method)(path, data=body, format="json", headers=headers)
    assert response.status_code == status, response.content
    if status >= 400:
        assert {"code", "message"} <= set(response.json())


def test_a_body_that_is_not_json_is_refused(make_case, cast, api_client_for):
    client = api_client_for(cast.alice)
    path = url("case-placement-list", make_case())
    broken = client.post(path, data='{"shelter": ', content_type="application/json")
    assert (broken.status_code, broken.json()["code"]) == (400, "malformed_request")


# --- the schema ---------------------------------------------------------------------------------


def test_the_schema_documents_the_services_without_warnings_of_their_own(cast, client):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ours = [
        message for message in {**GENERATOR_STATS._warn_cache, **GENERATOR_STATS._error_cache} if "services" in message
    ]
    assert not ours, ours
    validate_schema(schema)
    paths = schema["paths"]
    assert {
        "/api/v1/cases/{id}/placements/", "/api/v1/cases/{id}/placements/{record_id}/transfer/",
        "/api/v1/cases/{id}/return-plans/{record_id}/approve/", "/api/v1/cases/{id}/follow-ups/{record_id}/waive/",
        "/api/v1/shelters/occupancy/",
    } <= set(paths)  # fmt: skip
    step = paths["/api/v1/cases/{id}/return-plans/{record_id}/complete/"]["post"]
    assert "If-Match" in {parameter["name"] for parameter in step["parameters"]}
    plan_input = schema["components"]["schemas"]["ReturnPlanInput"]
    assert {"pathway", "planned_on", "household"} <= set(plan_input["properties"])
