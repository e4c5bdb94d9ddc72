"""The victim file's API: list and search, registration, the case file, the person's sections,
records, referrals, stage actions, history, errors and the schema. (Who may call what is held to
the policy in ``test_api_matrix.py``; races in ``test_api_concurrency.py``; plaintext in
``test_api_canary.py``.)"""

from __future__ import annotations

import datetime
import json
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import AuditAction, AuditEvent
from tests.transfers.test_handover_operations import body as handover_body
from tests.victims.conftest import CLOSING, RESCUE, TODAY, person
from tests.victims.test_api_matrix import if_match, referred_case, register_case
from victims import operations
from victims.choices import ConsentGiver, ReferralStatus, Service, Stage
from victims.models import Case, HealthAssessment, Referral, Rescue, Victim

pytestmark = pytest.mark.django_db

MISSING = "00000000-0000-4000-8000-000000000000"


def cases_url(**params) -> str:
    return reverse("case-list") + (f"?{urlencode(params)}" if params else "")


def case_url(case, name="case-detail", **kwargs) -> str:
    return reverse(name, kwargs={"id": case.uuid, **kwargs})


def records_url(case, kind, record=None) -> str:
    if record is None:
        return reverse("case-record-list", kwargs={"id": case.uuid, "kind": kind})
    return reverse("case-record-detail", kwargs={"id": case.uuid, "kind": kind, "record_id": record.uuid})


def referral_url(referral, decision) -> str:
    return reverse(f"referral-{decision}", kwargs={"id": referral.uuid})


def last_event(action=None) -> AuditEvent:
    events = AuditEvent.objects.order_by("-id")
    return (events.filter(action=action) if action else events).first()


def registration(seed=300, **victim) -> dict:
    return {"victim": person(seed, **victim), "jurisdiction": "350102", "rescue": dict(RESCUE)}


# --- list and search ----------------------------------------------------------------------------


def test_the_list_is_paginated_and_each_result_carries_id_number_stage_and_person(places, cast, api_client_for):
    for seed in (1, 2, 3):
        register_case(places, cast, seed=seed)
    body = api_client_for(cast.alice).get(cases_url(page_size=2)).json()
    assert (body["count"], len(body["results"]), body["previous"]) == (3, 2, None)
    assert "page=2" in body["next"]
    for item in body["results"]:
        assert set(item) == {"id", "case_number", "stage", "person"}
        assert set(item["person"]) == {"full_name", "sex", "age"}
    newest = Case.objects.order_by("-id").first()
    assert body["results"][0] == {
        "id": str(newest.uuid),
        "case_number": newest.number,
        "stage": "registered",
        "person": {"full_name": newest.victim.full_name, "sex": "female", "age": 30},
    }


def test_the_list_holds_no_case_outside_the_callers_reach(places, cast, api_client_for):
    register_case(places, cast)
    for member in (cast.carol, cast.xavier, cast.grace, cast.heidi, cast.bob):
        assert api_client_for(member).get(cases_url()).json()["count"] == 0


def test_filters_narrow_the_list_by_stage_jurisdiction_and_lead_organization(places, cast, api_client_for):
    in_gulou = register_case(places, cast, seed=1)
    in_fuzhou = register_case(places, cast, seed=2, jurisdiction=places.fuzhou)
    operations.case_close(actor=cast.dave, case=in_fuzhou, expected_version=1, **CLOSING)
    dave = api_client_for(cast.dave)

    def ids(**params):
        return {item["id"] for item in dave.get(cases_url(**params)).json()["results"]}

    assert ids() == {str(in_gulou.uuid), str(in_fuzhou.uuid)}
    assert ids(stage="closed") == {str(in_fuzhou.uuid)}
    assert ids(jurisdiction="350102") == {str(in_gulou.uuid)}
    assert ids(jurisdiction="3501") == ids()
    assert ids(organization=str(places.fz_shelter.uuid)) == ids()
    assert ids(organization=str(places.xm_shelter.uuid)) == set()


def test_search_by_id_number_and_name_is_exact_through_the_blind_indexes(places, cast, api_client_for):
    case = register_case(places, cast, seed=1)
    register_case(places, cast, seed=2)
    alice = api_client_for(cast.alice)
    victim = case.victim

    def found(**params):
        return [item["id"] for item in alice.get(cases_url(**params)).json()["results"]]

    assert found(id_number=victim.id_number) == [str(case.uuid)]
    assert found(id_number=f" {victim.id_number[:6]} {victim.id_number[6:]} ") == [str(case.uuid)]
    assert found(name=victim.full_name) == [str(case.uuid)]
    assert found(name=victim.full_name[:1]) == []  # exact, never a prefix
    assert found(id_number=victim.id_number[:-1]) == []
    assert api_client_for(cast.carol).get(cases_url(id_number=victim.id_number)).json()["count"] == 0


def test_a_search_is_audited_with_its_terms_only_as_keyed_digests(places, cast, api_client_for):
    case = register_case(places, cast)
    name, number = case.victim.full_name, case.victim.id_number
    api_client_for(cast.alice).get(cases_url(name=name, id_number=number, stage="registered"))
    event = last_event()
    assert (event.action, event.sections, event.case_uuid) == (AuditAction.CASE_SEARCHED, ["person"], None)
    assert set(event.detail["terms"]) == {"name", "id_number"}
    assert all(digest.startswith("hmac:") for digest in event.detail["terms"].values())
    assert event.detail["filters"] == {"stage": "registered"}
    assert event.detail["cases"] == [str(case.uuid)]
    stored = json.dumps(event.detail, ensure_ascii=False)
    assert name not in stored and number not in stored


def test_a_plain_list_is_audited_as_listed(places, cast, api_client_for):
    register_case(places, cast)
    api_client_for(cast.dave).get(cases_url(stage="registered"))
    event = last_event()
    assert (event.action, event.actor, event.detail["count"]) == (AuditAction.CASE_LISTED, cast.dave, 1)


def test_the_list_costs_the_same_queries_at_any_page_size(places, cast, api_client_for, django_assert_max_num_queries):
    for seed in range(1, 7):
        register_case(places, cast, seed=seed)
    alice = api_client_for(cast.alice)
    counts = {}
    for size in (1, 6):
        with CaptureQueriesContext(connection) as queries:
            assert len(alice.get(cases_url(page_size=size)).json()["results"]) == size
        counts[size] = len(queries)
    assert counts[1] == counts[6]
    with django_assert_max_num_queries(counts[1]):
        alice.get(cases_url(page_size=6, stage="registered"))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stage": "lost"}, "stage"),
        ({"organization": "fz-shelter"}, "organization"),
        ({"jurisdiction": "福州"}, "jurisdiction"),
        ({"nmae": "王秀英"}, "nmae"),  # a misspelt filter is not silently ignored
        ({"name": "王" * 201}, "name"),
    ],
)
def test_malformed_or_unknown_list_parameters_are_refused_naming_them(cast, api_client_for, params, field):
    response = api_client_for(cast.alice).get(cases_url(**params))
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {field}
    assert "王" not in response.content.decode()  # the refused value is not echoed


# --- registration -------------------------------------------------------------------------------


def test_registration_answers_201_with_the_case_file_and_its_version(places, cast, api_client_for):
    body = registration()
    body["victim"]["aliases"] = ["阿梅"]
    response = api_client_for(cast.alice).post(cases_url(), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    case = Case.objects.get(uuid=data["id"])
    assert (case.lead_organization, case.jurisdiction, case.created_by) == (places.fz_shelter, places.gulou, cast.alice)
    assert response["ETag"] == '"1"' and data["version"] == 1
    assert set(data) >= {"person", "identity", "contacts", "rescue", "health", "dna", "consents", "referrals"}
    assert data["person"]["full_name"] == body["victim"]["full_name"]
    assert data["identity"]["aliases"] == ["阿梅"]
    assert data["identity"]["birth_date"] == case.victim.birth_date.isoformat()
    assert data["rescue"][0]["rescued_on"] == RESCUE["rescued_on"].isoformat()
    assert Rescue.objects.get(case=case).rescued_on == RESCUE["rescued_on"]
    assert last_event().action == AuditAction.CASE_VIEWED  # the answer shows the file: a read


def test_registration_without_a_jurisdiction_uses_the_organizations(places, cast, api_client_for):
    response = api_client_for(cast.carol).post(cases_url(), {"victim": person(301)}, format="json")
    assert response.status_code == 201
    assert Case.objects.get(uuid=response.json()["id"]).jurisdiction == places.xiamen


def _set(body, path, value):
    target = body
    *parents, last = path.split(".")
    for name in parents:
        target = target[name]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("victim.id_number", "530102199001011235", "victim.id_number"),  # wrong check digit
        ("victim.birth_date", "1990-13-01", "victim.birth_date"),
        ("victim.birth_date", "2001-01-01T00:00:00", "victim.birth_date"),
        ("victim.sex", "秘密值", "victim.sex"),
        ("victim.full_name", ["王"], "victim.full_name"),
        ("victim.full_name", None, "victim.full_name"),
        ("victim.aliases", "阿梅", "victim.aliases"),
        ("victim.aliases", ["x"] * 21, "victim.aliases"),
        ("victim.nickname", "阿梅", "victim.nickname"),
        ("victim.disability", "none", "victim.disability"),  # health: not part of registration
        ("victim.nationality", "Vietnam", "victim.nationality"),
        ("victim", KeyError, "victim"),
        ("victim", "王秀英", "victim"),
        ("rescue.rescued_on", "yesterday", "rescue.rescued_on"),
        ("rescue.rescued_on", (TODAY + datetime.timedelta(days=2)).isoformat(), "rescue.rescued_on"),
        ("rescue.exploitation", "unknown", "rescue.exploitation"),
        ("jurisdiction", "9999", "jurisdiction"),
        ("jurisdiction", "3502", "jurisdiction"),  # outside Alice's organization
        ("jurisdiction", "Fuzhou", "jurisdiction"),
        ("notes", "…", "notes"),
    ],
)
def test_registration_errors_name_the_field_and_the_reason_and_save_nothing(cast, api_client_for, path, value, field):
    body = json.loads(json.dumps(registration(), default=str))
    _set(body, path, value)
    response = api_client_for(cast.alice).post(cases_url(), body, format="json")
    assert response.status_code == 400, response.json()
    fields = response.json()["fields"]
    assert field in fields and all(reason for reason in fields[field])
    assert "秘密值" not in response.content.decode()
    assert not Case.objects.exists() and not Victim.objects.exists()


def test_registering_the_same_id_twice_within_reach_is_409_naming_the_case(places, cast, api_client_for):
    first = register_case(places, cast, seed=7)
    body = registration(seed=8, id_number=first.victim.id_number)
    response = api_client_for(cast.alice).post(cases_url(), body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_victim" and first.number in response.json()["message"]
    assert Case.objects.count() == 1


def test_a_person_registered_within_reach_is_409_even_when_a_newer_case_lies_outside_it(places, cast, api_client_for):
    first = register_case(places, cast, seed=7)
    register_case(places, cast, seed=8, actor=cast.carol, jurisdiction=places.xiamen, id_number=first.victim.id_number)
    response = api_client_for(cast.alice).post(
        cases_url(), registration(seed=9, id_number=first.victim.id_number), format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "duplicate_victim")
    assert first.number in response.json()["message"]


def test_registering_in_another_city_flags_a_possible_duplicate_and_reveals_nothing_of_the_other_case(
    places, cast, api_client_for
):
    first = register_case(places, cast, seed=7)
    carol = api_client_for(cast.carol)
    response = carol.post(cases_url(), {"victim": person(8, id_number=first.victim.id_number)}, format="json")
    assert response.status_code == 201
    second = Case.objects.get(uuid=response.json()["id"])
    assert second.possible_duplicate and second.duplicate_of == first
    seen = response.content.decode() + carol.get(case_url(second)).content.decode()
    seen += carol.get(reverse("case-history", kwargs={"id": second.uuid})).content.decode()
    for secret in (first.number, str(first.uuid), first.victim.full_name, first.victim.phone, first.victim.address):
        assert secret not in seen


def test_roles_that_may_not_register_get_403_before_their_body_is_read(cast, api_client_for):
    for member in (cast.dave, cast.bob, cast.grace, cast.heidi):
        response = api_client_for(member).post(cases_url(), {"victim": "whatever"}, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


# --- the case file ------------------------------------------------------------------------------


def test_the_case_file_shows_exactly_the_readable_sections_with_etag_and_is_audited(places, cast, api_client_for):
    case = referred_case(places, cast)
    response = api_client_for(cast.erin).get(case_url(case))
    assert response["ETag"] == '"1"'
    assert set(response.json()) == {"id", "case_number", "stage", "version"} | {
        "person", "identity", "rescue", "consents", "referrals", "legal_aid", "care_plan", "notes",
    }  # fmt: skip
    event = last_event()
    assert (event.action, event.case_uuid, event.actor) == (AuditAction.CASE_VIEWED, case.uuid, cast.erin)
    assert event.sections == [
        "person", "identity", "rescue", "consents", "referrals", "legal_aid", "care_plan", "notes",
    ]  # fmt: skip


def test_a_receiving_organization_sees_only_its_own_referral(places, cast, api_client_for):
    case = referred_case(places, cast)
    bob = api_client_for(cast.bob)
    for referrals in (
        bob.get(case_url(case)).json()["referrals"],
        bob.get(case_url(case, "case-referral-list")).json()["results"],
    ):
        assert [item["to_organization"] for item in referrals] == [str(places.fz_education.uuid)]
    assert len(api_client_for(cast.alice).get(case_url(case, "case-referral-list")).json()["results"]) == 3


def test_out_of_scope_missing_and_malformed_case_ids_answer_the_same_404(places, cast, api_client_for):
    case = register_case(places, cast)
    carol = api_client_for(cast.carol)
    answers = [carol.get(reverse("case-detail", kwargs={"id": value})) for value in (case.uuid, MISSING, "not-a-uuid")]
    assert {response.status_code for response in answers} == {404}
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert answers[0].json()["code"] == "not_found"


def test_an_out_of_scope_request_is_audited_as_access_denied(places, cast, api_client_for):
    case = register_case(places, cast)
    api_client_for(cast.carol).get(case_url(case))
    event = last_event()
    assert (event.action, event.case_uuid, event.actor, event.detail["status"]) == (
        AuditAction.ACCESS_DENIED, case.uuid, cast.carol, 404,
    )  # fmt: skip


# --- the person's sections ----------------------------------------------------------------------


def section_url(case, section):
    return reverse("case-section", kwargs={"id": case.uuid, "section": section})


def test_a_section_update_without_if_match_is_428_and_changes_nothing(places, cast, api_client_for):
    case = register_case(places, cast)
    response = api_client_for(cast.alice).patch(section_url(case, "contacts"), {"phone": "13700000000"}, format="json")
    assert (response.status_code, response.json()["code"]) == (428, "version_required")
    assert Victim.objects.get(pk=case.victim_id).phone == case.victim.phone


def test_a_section_update_with_a_stale_version_is_412_and_changes_nothing(places, cast, api_client_for):
    case = register_case(places, cast)
    alice = api_client_for(cast.alice)
    assert (
        alice.patch(
            section_url(case, "contacts"), {"phone": "13700000001"}, format="json", headers=if_match(1)
        ).status_code
        == 200
    )
    stale = alice.patch(section_url(case, "contacts"), {"phone": "13700000002"}, format="json", headers=if_match(1))
    assert (stale.status_code, stale.json()["code"]) == (412, "stale_version")
    assert Victim.objects.get(pk=case.victim_id).phone == "13700000001"


def test_a_section_update_answers_the_changed_section_with_the_new_version(places, cast, api_client_for):
    case = register_case(places, cast)
    response = api_client_for(cast.alice).patch(
        section_url(case, "identity"), {"ethnicity": "彝族", "aliases": ["小梅"]}, format="json", headers=if_match(1)
    )
    assert response.status_code == 200 and response["ETag"] == '"2"'
    assert set(response.json()) == {"id", "case_number", "stage", "version", "identity"}
    assert (response.json()["identity"]["ethnicity"], response.json()["version"]) == ("彝族", 2)
    victim = Victim.objects.get(pk=case.victim_id)
    assert (victim.ethnicity, victim.aliases) == ("彝族", ["小梅"])
    assert victim.history.first().history_user == cast.alice


@pytest.mark.parametrize(
    ("section", "changes", "field"),
    [
        ("contacts", {"full_name": "林某"}, "full_name"),  # a field of another section
        ("identity", {"id_number": "530102199001011235"}, "id_number"),  # validated as a whole
        ("identity", {"birth_date": "1990-02-30"}, "birth_date"),
        ("person", {"sex": "other"}, "sex"),
        ("person", {"full_name": ""}, "full_name"),
        ("health", {"disability": "severe"}, "disability"),
        ("contacts", {}, "non_field_errors"),
    ],
)
def test_section_changes_are_validated_naming_the_field(places, cast, api_client_for, section, changes, field):
    case = register_case(places, cast)
    response = api_client_for(cast.alice).patch(section_url(case, section), changes, format="json", headers=if_match(1))
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert Case.objects.get(pk=case.pk).version == 1


@pytest.mark.parametrize("section", ["rescue", "referrals", "bogus"])
def test_a_section_without_fields_of_the_person_is_404(places, cast, api_client_for, section):
    case = register_case(places, cast)
    response = api_client_for(cast.alice).patch(
        section_url(case, section), {"x": 1}, format="json", headers=if_match(1)
    )
    assert response.status_code == 404


# --- records ------------------------------------------------------------------------------------


def test_a_record_is_added_with_its_dates_parsed_and_answers_201_with_its_version(places, cast, api_client_for):
    case = register_case(places, cast)
    body = {"assessed_on": TODAY.isoformat(), "assessor": "福州市第一医院", "needs": "心理疏导"}
    response = api_client_for(cast.alice).post(records_url(case, "healthassessment"), body, format="json")
    assert response.status_code == 201 and response["ETag"] == '"1"'
    assert set(response.json()) == {"id", "version", "assessed_on", "assessor", "physical", "psychological", "needs"}
    record = HealthAssessment.objects.get(uuid=response.json()["id"])
    assert (record.assessed_on, record.needs, record.case) == (TODAY, "心理疏导", case)


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("healthassessment", {"assessed_on": "2026-02-30", "assessor": "x"}, "assessed_on"),
        ("healthassessment", {"assessed_on": "soon", "assessor": "x"}, "assessed_on"),
        ("healthassessment", {"assessor": "x"}, "assessed_on"),
        ("healthassessment", {"assessed_on": TODAY.isoformat(), "assessor": "x", "diagnosis": "y"}, "diagnosis"),
        ("healthassessment", {"assessed_on": TODAY.isoformat(), "assessor": "x", "version": 9}, "version"),
        ("household", {"address": "x", "is_purchaser": "maybe"}, "is_purchaser"),
        ("household", {"address": "x", "jurisdiction_code": "3501021"}, "jurisdiction_code"),
        ("rescue", {**RESCUE, "exploitation": "unknown"}, "exploitation"),
        ("rescue", {**RESCUE, "police_unit": "x" * 129}, "police_unit"),
        ("consent", {"service": "legal_aid", "given_by": "guardian", "given_on": TODAY.isoformat()}, None),
        ("dnasample", {"collected_on": TODAY.isoformat(), "collected_by": "x", "match": "confirmed"}, None),
        ("dnasample", {"collected_on": (TODAY + datetime.timedelta(days=1)).isoformat(), "collected_by": "x"},
         "collected_on"),
        ("familymember", ["relationship", "mother"], "non_field_errors"),
    ],
)  # fmt: skip
def test_record_input_is_validated_naming_the_field(places, cast, api_client_for, kind, body, field):
    case = register_case(places, cast)
    response = api_client_for(cast.alice).post(records_url(case, kind), body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] in {"validation_error", "rule_violation"}
    if field:
        assert field in response.json()["fields"]
    model = {"rescue": Rescue}.get(kind)
    assert model is None or model.objects.count() == 1  # only the registration's


def test_a_record_amendment_needs_the_records_own_version(places, cast, api_client_for):
    case = register_case(places, cast)
    rescue = Rescue.objects.get(case=case)
    operations.victim_update(
        actor=cast.alice, case=case, expected_version=1, section="contacts", changes={"phone": "1"}
    )
    alice = api_client_for(cast.alice)
    url = records_url(case, "rescue", rescue)
    assert alice.patch(url, {"place": "新地点"}, format="json").status_code == 428
    assert alice.patch(url, {"place": "新地点"}, format="json", headers=if_match(2)).status_code == 412  # the case's
    response = alice.patch(url, {"place": "新地点"}, format="json", headers=if_match(1))
    assert (response.status_code, response["ETag"], response.json()["place"]) == (200, '"2"', "新地点")
    assert alice.patch(url, {"place": "又一处"}, format="json", headers=if_match(1)).status_code == 412
    assert Rescue.objects.get(pk=rescue.pk).place == "新地点"


def test_a_record_is_read_one_at_a_time_with_its_etag_and_the_read_is_audited(places, cast, api_client_for):
    case = register_case(places, cast)
    rescue = Rescue.objects.get(case=case)
    response = api_client_for(cast.dave).get(records_url(case, "rescue", rescue))
    assert (response.status_code, response["ETag"], response.json()["id"]) == (200, '"1"', str(rescue.uuid))
    event = last_event()
    assert (event.action, event.sections, event.detail["record"]) == (
        AuditAction.CASE_VIEWED,
        ["rescue"],
        str(rescue.uuid),
    )


@pytest.mark.parametrize("kind", ["referral", "victim", "case", "bogus", "Rescue"])
def test_unknown_kinds_of_record_are_404(places, cast, api_client_for, kind):
    case = register_case(places, cast)
    alice = api_client_for(cast.alice)
    assert alice.get(records_url(case, kind)).status_code == 404
    assert alice.post(records_url(case, kind), {}, format="json").status_code == 404


def test_a_record_of_another_case_or_a_malformed_record_id_is_404(places, cast, api_client_for):
    case, other = register_case(places, cast, seed=1), register_case(places, cast, seed=2)
    alice = api_client_for(cast.alice)
    assert alice.get(records_url(case, "rescue", Rescue.objects.get(case=other))).status_code == 404
    url = reverse("case-record-detail", kwargs={"id": case.uuid, "kind": "rescue", "record_id": "nope"})
    assert alice.get(url).status_code == 404
    assert alice.patch(url, {"place": "x"}, format="json", headers=if_match(1)).status_code == 404


def test_education_cannot_read_health_records_even_of_a_case_referred_to_it(places, cast, api_client_for):
    case = referred_case(places, cast)
    operations.record_add(actor=cast.alice, case=case, model="healthassessment",
                          data={"assessed_on": TODAY, "assessor": "医院"})  # fmt: skip
    bob = api_client_for(cast.bob)
    assert bob.get(records_url(case, "healthassessment")).status_code == 404
    assert bob.get(records_url(case, "healthassessment", HealthAssessment.objects.get())).status_code == 404
    assert bob.get(records_url(case, "consent")).status_code == 200


# --- referrals ----------------------------------------------------------------------------------


def test_a_childs_referral_shows_nothing_to_bob_until_dave_approves(places, cast, api_client_for):
    child = register_case(places, cast, age=10)
    alice, bob, dave = (api_client_for(member) for member in (cast.alice, cast.bob, cast.dave))
    consent = {
        "service": "schooling",
        "given_by": "guardian",
        "guardian_name": "监护人（虚构）",
        "given_on": str(TODAY),
    }
    assert alice.post(records_url(child, "consent"), consent, format="json").status_code == 201
    body = {"service": "schooling", "to_organization": str(places.fz_education.uuid), "reason": "复学"}
    created = alice.post(case_url(child, "case-referral-list"), body, format="json")
    assert created.status_code == 201 and created.json()["status"] == ReferralStatus.AWAITING_APPROVAL
    referral = Referral.objects.get(uuid=created.json()["id"])

    assert bob.get(case_url(child)).status_code == 404
    assert bob.get(cases_url()).json()["count"] == 0
    assert bob.get(case_url(child, "case-referral-list")).status_code == 404
    assert bob.post(referral_url(referral, "accept"), {}, format="json").status_code == 404
    assert alice.post(referral_url(referral, "approve"), {}, format="json").status_code == 403

    approved = dave.post(referral_url(referral, "approve"), {}, format="json")
    assert (approved.status_code, approved.json()["status"]) == (200, ReferralStatus.PENDING)
    assert bob.get(case_url(child)).status_code == 200
    assert bob.post(referral_url(referral, "accept"), {"note": "已安排"}, format="json").json()["status"] == "accepted"


def test_revoking_a_referral_ends_the_receivers_access_at_once(places, cast, api_client_for):
    case = referred_case(places, cast)
    referral = Referral.objects.get(case=case, service=Service.SCHOOLING)
    bob = api_client_for(cast.bob)
    assert bob.get(case_url(case)).status_code == 200
    assert bob.post(referral_url(referral, "revoke"), {}, format="json").status_code == 403
    body = {"comment": "重复（虚构）"}
    revoked = api_client_for(cast.alice).post(referral_url(referral, "revoke"), body, format="json")
    assert (revoked.status_code, revoked.json()["status"]) == (200, ReferralStatus.REVOKED)
    assert bob.get(case_url(case)).status_code == 404
    assert bob.get(cases_url()).json()["count"] == 0
    assert bob.get(records_url(case, "consent")).status_code == 404
    assert api_client_for(cast.erin).get(case_url(case)).status_code == 200  # her referral stands


def test_a_referral_needs_a_recorded_consent(places, cast, api_client_for):
    case = register_case(places, cast)
    body = {"service": "legal_aid", "to_organization": str(places.fz_legal_aid.uuid)}
    response = api_client_for(cast.alice).post(case_url(case, "case-referral-list"), body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "consent_required")
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"service": "legal_aid", "to_organization": MISSING}, "to_organization"),
        ({"service": "legal_aid", "to_organization": "legal-aid-centre"}, "to_organization"),
        ({"service": "housing", "to_organization": MISSING}, "service"),
        ({"service": "schooling", "to_organization": "LEGAL_AID"}, "to_organization"),  # wrong department
        ({"service": "legal_aid", "to_organization": MISSING, "status": "accepted"}, "status"),
    ],
)
def test_referral_input_is_validated_naming_the_field(places, cast, api_client_for, body, field):
    case = register_case(places, cast)
    consent = {"service": "schooling", "given_by": ConsentGiver.PERSON, "given_on": TODAY}
    operations.record_add(actor=cast.alice, case=case, model="consent", data=consent)
    if body["to_organization"] == "LEGAL_AID":
        body = {**body, "to_organization": str(places.fz_legal_aid.uuid)}
    response = api_client_for(cast.alice).post(case_url(case, "case-referral-list"), body, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]


def test_a_referral_is_answered_once_and_out_of_order_steps_are_409(places, cast, api_client_for):
    case = referred_case(places, cast, pending={Service.SCHOOLING})
    referral = Referral.objects.get(case=case, service=Service.SCHOOLING)
    bob = api_client_for(cast.bob)
    assert (
        bob.post(referral_url(referral, "complete"), {}, format="json").json()["code"] == "invalid_referral_transition"
    )
    assert bob.post(referral_url(referral, "accept"), {}, format="json").status_code == 200
    second = bob.post(referral_url(referral, "decline"), {}, format="json")
    assert (second.status_code, second.json()["code"]) == (409, "invalid_referral_transition")
    assert (
        bob.post(referral_url(referral, "complete"), {"note": "已入学"}, format="json").json()["status"] == "completed"
    )


def test_a_referral_step_checks_if_match_when_it_is_sent(places, cast, api_client_for):
    case = referred_case(places, cast, pending={Service.SCHOOLING})
    referral = Referral.objects.get(case=case, service=Service.SCHOOLING)
    bob = api_client_for(cast.bob)
    assert bob.post(referral_url(referral, "accept"), {}, format="json", headers={"If-Match": "one"}).status_code == 400
    assert bob.post(referral_url(referral, "accept"), {}, format="json", headers=if_match(7)).status_code == 412
    accepted = bob.post(referral_url(referral, "accept"), {}, format="json", headers=if_match(referral.version))
    assert (accepted.status_code, accepted["ETag"]) == (200, f'"{referral.version + 1}"')


def test_a_receiver_cannot_see_or_answer_another_organizations_referral(places, cast, api_client_for):
    case = referred_case(places, cast)
    legal_aid = Referral.objects.get(case=case, service=Service.LEGAL_AID)
    response = api_client_for(cast.bob).post(referral_url(legal_aid, "complete"), {}, format="json")
    assert response.status_code == 404
    assert Referral.objects.get(pk=legal_aid.pk).status == ReferralStatus.ACCEPTED


# --- stage actions ------------------------------------------------------------------------------


def test_civil_affairs_closes_and_reopens_a_case_naming_the_version_each_time(places, cast, api_client_for):
    case = register_case(places, cast)
    dave = api_client_for(cast.dave)
    assert dave.post(case_url(case, "case-close"), CLOSING, format="json").status_code == 428
    closed = dave.post(case_url(case, "case-close"), CLOSING, format="json", headers=if_match(1))
    assert closed.status_code == 200 and closed["ETag"] == '"2"'
    assert closed.json() == {"id": str(case.uuid), "case_number": case.number, "stage": "closed", "version": 2}
    body = {"comment": "再次求助（虚构）"}
    assert dave.post(case_url(case, "case-reopen"), body, format="json", headers=if_match(1)).status_code == 412
    reopened = dave.post(case_url(case, "case-reopen"), body, format="json", headers=if_match(2))
    assert (reopened.status_code, reopened.json()["stage"]) == (200, Stage.REGISTERED)
    refused = api_client_for(cast.alice).post(case_url(case, "case-close"), CLOSING, headers=if_match(3))
    assert refused.status_code == 403


def test_a_move_the_stages_forbid_is_409(places, cast, api_client_for):
    case = register_case(places, cast)
    operations.case_close(actor=cast.dave, case=case, expected_version=1, **CLOSING)
    handover = {**handover_body(), "handed_over_on": TODAY.isoformat()}
    response = api_client_for(cast.dave).post(
        case_url(case, "case-hand-over"), handover, format="json", headers=if_match(2)
    )
    assert (response.status_code, response.json()["code"]) == (409, "invalid_stage_transition")


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("case-hand-over", {}, "destination"),
        ("case-resolve-duplicate", {}, "same_person"),
        ("case-resolve-duplicate", {"same_person": "perhaps"}, "same_person"),
        ("case-close", {"closed_on": "2026-01-01"}, "closed_on"),
    ],
)
def test_stage_action_bodies_are_validated(places, cast, api_client_for, name, body, field):
    case = register_case(places, cast)
    response = api_client_for(cast.dave).post(case_url(case, name), body, format="json", headers=if_match(1))
    assert response.status_code == 400 and field in response.json()["fields"]
    assert Case.objects.get(pk=case.pk).version == 1


def test_civil_affairs_resolves_a_possible_duplicate_and_a_case_not_flagged_is_409(places, cast, api_client_for):
    first = register_case(places, cast, seed=9)
    flagged = register_case(places, cast, seed=9, actor=cast.carol, jurisdiction=places.xiamen)
    xavier = api_client_for(cast.xavier)
    url = reverse("case-resolve-duplicate", kwargs={"id": flagged.uuid})
    assert xavier.post(url, {"same_person": True}, format="json", headers=if_match(1)).status_code == 200
    stored = Case.objects.get(pk=flagged.pk)
    assert (stored.possible_duplicate, stored.duplicate_of, stored.version) == (False, first, 2)
    again = xavier.post(url, {"same_person": True}, format="json", headers=if_match(2))
    assert (again.status_code, again.json()["code"]) == (409, "not_a_duplicate")


# --- history ------------------------------------------------------------------------------------


def test_history_shows_only_fields_the_reader_may_read_and_is_audited(places, cast, api_client_for):
    case = referred_case(places, cast)
    operations.victim_update(actor=cast.alice, case=case, expected_version=1, section="contacts",
                             changes={"phone": "13811112222"})  # fmt: skip
    url = reverse("case-history", kwargs={"id": case.uuid})
    alice = api_client_for(cast.alice).get(url).json()
    assert {"phone": "13811112222"} in [entry["changes"] for entry in alice["results"]]
    erin = api_client_for(cast.erin).get(url).json()
    assert erin["count"] > 0
    assert all("phone" not in entry["changes"] and "address" not in entry["changes"] for entry in erin["results"])
    assert "13811112222" not in json.dumps(erin, ensure_ascii=False)
    event = last_event()
    assert (event.action, event.actor, event.detail["view"]) == (AuditAction.CASE_VIEWED, cast.erin, "history")
    assert "contacts" not in event.sections


# --- errors: never a 500 ------------------------------------------------------------------------


@pytest.fixture
def a_case(places, cast):
    return register_case(places, cast)


@pytest.mark.parametrize(
    ("method", "route", "body", "headers", "status"),
    [
        ("get", "cases/not-a-uuid/", None, {}, 404),
        ("get", "cases/{case}/history/?page=99", None, {}, 404),
        ("get", "cases/?page=0", None, {}, 404),
        ("get", "cases/?page_size=lots", None, {}, 200),
        ("put", "cases/{case}/", {}, {}, 405),
        ("delete", "cases/{case}/", None, {}, 405),
        ("options", "cases/", None, {}, 405),
        ("post", "cases/", [], {}, 400),
        ("post", "cases/", "王秀英", {}, 400),
        ("post", "cases/", {"victim": []}, {}, 400),
        ("patch", "cases/{case}/sections/person/", {"full_name": {"a": 1}}, {"If-Match": '"1"'}, 400),
        ("patch", "cases/{case}/sections/person/", {"full_name": "x"}, {"If-Match": '"1", "2"'}, 400),
        ("patch", "cases/{case}/sections/person/", {"full_name": "x"}, {"If-Match": '"' + "9" * 20 + '"'}, 400),
        ("patch", "cases/{case}/sections/person/", {"full_name": "x"}, {"If-Match": "*"}, 400),
        ("patch", "cases/{case}/sections/identity/", {"nationality": "ZZ"}, {"If-Match": '"1"'}, 400),
        ("post", "cases/{case}/records/household/", {"address": "x" * 4001}, {}, 400),
        ("post", "cases/{case}/records/consent/", {"service": 1, "given_by": True, "given_on": 2}, {}, 400),
        ("get", "cases/{case}/records/rescue/%E7%8E%8B/", None, {}, 404),
        ("post", "cases/{case}/referrals/", {"service": None}, {}, 400),
        ("post", "referrals/not-a-uuid/accept/", {}, {}, 404),
        ("post", "referrals/" + MISSING + "/revoke/", {}, {}, 404),
        ("post", "cases/{case}/close/", ["x"], {"If-Match": '"1"'}, 403),
        ("get", "cases/{case}/sections/person/", None, {}, 405),
    ],
)
def test_malformed_requests_are_answered_with_a_coded_error_never_a_500(
    a_case, cast, api_client_for, method, route, body, headers, status
):
    url = "/api/v1/" + route.format(case=a_case.uuid)
    client = api_client_for(cast.alice)
    response = getattr(client, method)(url, data=body, format="json", headers=headers)
    assert response.status_code == status, response.content
    if status >= 400:
        assert {"code", "message"} <= set(response.json())


def test_a_body_that_is_not_json_is_refused(cast, api_client_for):
    client = api_client_for(cast.alice)
    broken = client.post(cases_url(), data='{"victim": ', content_type="application/json")
    assert (broken.status_code, broken.json()["code"]) == (400, "malformed_request")
    text = client.post(cases_url(), data="victim", content_type="text/plain")
    assert (text.status_code, text.json()["code"]) == (415, "unsupported_media_type")


# --- the schema ---------------------------------------------------------------------------------


def test_the_schema_documents_the_victim_file_without_warnings(cast, client):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ours = [
        message for message in {**GENERATOR_STATS._warn_cache, **GENERATOR_STATS._error_cache} if "victims" in message
    ]
    assert not ours, ours
    validate_schema(schema)
    paths = schema["paths"]
    assert {"/api/v1/cases/", "/api/v1/cases/{id}/", "/api/v1/cases/{id}/records/{kind}/{record_id}/"} <= set(paths)
    assert "If-Match" in {parameter["name"] for parameter in paths["/api/v1/cases/{id}/close/"]["post"]["parameters"]}

    client.force_login(cast.alice)
    response = client.get(reverse("api-schema"))
    assert response.status_code == 200 and b"/api/v1/cases/" in response.content
