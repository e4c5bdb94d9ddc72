"""The one search box (issue 18, item 2): a case number or its last digits, an ID number, part of a
name or its pinyin — found within the reader's scope only, ranked, capped, rate-limited and
audited with the term only as a keyed HMAC, on the page and over the API."""

import re
from html import unescape

import pytest
from django.test import override_settings
from django.urls import reverse

from registry.models import AuditAction, AuditEvent
from registry.policy import Section
from tests.policy_matrix import PolicyMatrix
from tests.victims.test_api_matrix import case_scope_facts, referred_case, register_case
from victims import search

pytestmark = pytest.mark.django_db

NAME = "吴雨欣"


@pytest.fixture
def wu(places, cast):
    """Alice's case of 吴雨欣 in Gulou, referred to (and accepted by) Bob's, Erin's and Frank's
    organizations, so a member of every case role sees it."""
    return referred_case(places, cast, seed=41, full_name=NAME)


@pytest.fixture
def xiamen_wu(places, cast):
    """Carol's case in Xiamen of a person of the same name: outside every Fuzhou user's scope."""
    return register_case(places, cast, seed=42, actor=cast.carol, jurisdiction=places.xiamen, full_name=NAME)


def searched(api_client_for, user, q) -> dict:
    response = api_client_for(user).post(reverse("case-search"), {"q": q}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def found_ids(api_client_for, user, q) -> list[str]:
    return [row["id"] for row in searched(api_client_for, user, q)["results"]]


FORMS = {  # what is typed, for the case of 吴雨欣 (``case``)
    "case number": lambda case: case.number,
    "case number, lower case": lambda case: case.number.lower(),
    "trailing digits": lambda case: case.number.rsplit("-", 1)[1],
    "trailing digits, no zeros": lambda case: str(int(case.number.rsplit("-", 1)[1])),
    "year and sequence": lambda case: case.number.split("-", 2)[2],
    "ID number": lambda case: case.victim.id_number,
    "ID number, spaced, lower case": lambda case: f" {case.victim.id_number[:6]} {case.victim.id_number[6:].lower()} ",
    "surname": lambda case: "吴",
    "start of the name": lambda case: "吴雨",
    "given name": lambda case: "雨欣",
    "full-width spaces around the name": lambda case: "\u3000吴雨欣\u3000",
    "pinyin": lambda case: "wuyu",
    "pinyin, capitals and a space": lambda case: "Wu Yu",
    "pinyin of the given name": lambda case: "yuxin",
    "whole pinyin": lambda case: "wuyuxin",
    "initials": lambda case: "wy",
    "all initials, capitals": lambda case: "WYX",
    "pinyin and initials mixed": lambda case: "wuyx",
}
BY_NAME = [form for form in FORMS if not form.startswith(("case number", "trailing", "year", "ID"))]


# --- every form, inside the scope and outside it --------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("member", ["alice", "dave", "erin"])
def test_each_form_finds_the_case_for_a_reader_of_names_and_identity(api_client_for, cast, wu, member, form):
    assert found_ids(api_client_for, getattr(cast, member), FORMS[form](wu)) == [str(wu.uuid)]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("member", ["carol", "xavier"])
def test_no_form_finds_a_case_outside_the_readers_scope(api_client_for, cast, wu, member, form):
    assert str(wu.uuid) not in found_ids(api_client_for, getattr(cast, member), FORMS[form](wu))


@pytest.mark.parametrize("form", FORMS)
def test_the_same_person_registered_in_xiamen_is_never_found_from_fuzhou(api_client_for, cast, wu, xiamen_wu, form):
    for member in ("alice", "dave", "bob"):
        assert str(xiamen_wu.uuid) not in found_ids(api_client_for, getattr(cast, member), FORMS[form](xiamen_wu))
    # ... while Xiamen finds it by the very same query
    assert str(xiamen_wu.uuid) in found_ids(api_client_for, cast.carol, FORMS[form](xiamen_wu))


@pytest.mark.parametrize("member", ["bob", "frank"])
def test_a_role_that_does_not_read_identity_finds_by_name_and_number_but_never_by_id_number(
    api_client_for, cast, wu, member
):
    user = getattr(cast, member)
    for form in [*BY_NAME, "case number", "trailing digits"]:
        assert found_ids(api_client_for, user, FORMS[form](wu)) == [str(wu.uuid)], form
    # The right ID number and a wrong one answer alike: nothing, and no refusal to tell them apart.
    assert searched(api_client_for, user, wu.victim.id_number) == searched(api_client_for, user, "110105194912310038")
    assert found_ids(api_client_for, user, wu.victim.id_number) == []


@pytest.mark.parametrize("member", ["grace", "heidi"])
def test_roles_without_cases_find_nothing(api_client_for, cast, wu, member):
    for form in FORMS:
        assert found_ids(api_client_for, getattr(cast, member), FORMS[form](wu)) == [], form


# --- ranking and the cap ------------------------------------------------------------------------


def test_the_whole_name_comes_first_then_names_that_start_with_the_term_then_the_others(api_client_for, places, cast):
    inside = register_case(places, cast, seed=51, full_name="李吴雨")
    start = register_case(places, cast, seed=52, full_name="吴雨欣")
    whole = register_case(places, cast, seed=53, full_name="吴雨")
    register_case(places, cast, seed=54, full_name="陈静")

    assert found_ids(api_client_for, cast.alice, "吴雨") == [str(whole.uuid), str(start.uuid), str(inside.uuid)]
    assert found_ids(api_client_for, cast.alice, "wuyu") == [str(whole.uuid), str(start.uuid), str(inside.uuid)]


def test_a_character_of_several_readings_is_found_by_each_and_u_umlaut_by_v_or_u(api_client_for, places, cast):
    shan = register_case(places, cast, seed=55, full_name="单丽")
    lv = register_case(places, cast, seed=56, full_name="吕芳")

    for typed in ("shanli", "danli", "sl"):
        assert found_ids(api_client_for, cast.alice, typed) == [str(shan.uuid)], typed
    for typed in ("lvfang", "lufang", "lüfang"):
        assert found_ids(api_client_for, cast.alice, typed) == [str(lv.uuid)], typed


def test_a_search_answers_at_most_the_cap_and_says_more_matched(api_client_for, client, places, cast, monkeypatch):
    monkeypatch.setattr(search, "CAP", 3)
    cases = [
        register_case(places, cast, seed=60 + index, full_name=f"吴{given}") for index, given in enumerate("甲乙丙丁戊")
    ]

    answer = searched(api_client_for, cast.alice, "吴")
    client.force_login(cast.alice)
    body = client.post(reverse("victims:list"), {"q": "吴"}).content.decode()

    newest = [str(case.uuid) for case in reversed(cases)][:3]
    assert answer["count"] == 3 and answer["more"] is True
    assert [row["id"] for row in answer["results"]] == newest
    assert 'id="search-capped"' in body
    assert sum(case.number in body for case in cases) == 3
    assert searched(api_client_for, cast.alice, "吴甲")["more"] is False


# --- the API's shape and its refusals -------------------------------------------------------------


def test_the_api_answers_in_the_case_lists_shape(api_client_for, cast, wu):
    listed = api_client_for(cast.alice).get(reverse("case-list")).json()
    answer = searched(api_client_for, cast.alice, "wy")

    assert set(answer) == set(listed) | {"more"}
    assert answer["results"] == listed["results"]


@pytest.mark.parametrize(
    "body",
    [{"q": ""}, {"q": "   "}, {"q": "吴" * (search.MAX_TERM + 1)}, {"q": "吴\u200b雨"}, {}, {"q": "x", "name": "y"}],
)
def test_the_api_refuses_a_missing_empty_overlong_or_spiked_term(api_client_for, cast, wu, body):
    response = api_client_for(cast.alice).post(reverse("case-search"), body, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) & {"q", "name"}
    assert NAME not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_SEARCHED).exists()


@override_settings(REGISTRY_SEARCH_RATE=2, REGISTRY_SEARCH_RATE_SECONDS=3600)
def test_the_search_is_counted_by_the_rate_limit_on_the_api_and_the_page(api_client_for, client, cast, wu):
    api = api_client_for(cast.alice)
    client.force_login(cast.alice)

    answers = [
        api.post(reverse("case-search"), {"q": "wy"}, format="json").status_code,
        client.post(reverse("victims:list"), {"q": "wy"}).status_code,
        api.post(reverse("case-search"), {"q": "wy"}, format="json").status_code,
        client.post(reverse("victims:list"), {"q": "wy"}).status_code,
    ]

    assert answers == [200, 200, 429, 429]


# --- never in a URL or a log in clear -------------------------------------------------------------


def test_the_page_answers_in_place_and_audits_the_term_as_a_keyed_hmac(client, cast, wu):
    client.force_login(cast.alice)

    response = client.post(reverse("victims:list"), {"q": "吴雨"})

    body = response.content.decode()
    assert response.status_code == 200 and "Location" not in response
    assert wu.number in body and NAME in body
    links = re.findall(r'(?:href|action|src)="([^"]*)"', body)
    assert not [url for url in links if "吴" in unescape(url) or "%E5%90%B4" in url.upper()]
    event = AuditEvent.objects.get(action=AuditAction.CASE_SEARCHED)
    assert event.detail["terms"]["q"].startswith("hmac:")
    assert "吴" not in str(event.detail) and "wu" not in str(event.detail["terms"])
    assert event.detail["cases"] == [str(wu.uuid)] and event.detail["count"] == 1


def test_the_api_audits_the_term_as_a_keyed_hmac_and_names_the_cases_returned(api_client_for, cast, wu, caplog):
    searched(api_client_for, cast.dave, "wuyu")

    event = AuditEvent.objects.get(action=AuditAction.CASE_SEARCHED)
    assert event.detail["terms"]["q"].startswith("hmac:") and "wuyu" not in str(event.detail)
    assert event.detail["cases"] == [str(wu.uuid)]
    assert "wuyu" not in caplog.text and NAME not in caplog.text


def test_the_same_term_gives_the_same_keyed_hmac_so_an_auditor_can_match_searches(api_client_for, cast, wu):
    for _ in range(2):
        searched(api_client_for, cast.alice, "wy")

    digests = {event.detail["terms"]["q"] for event in AuditEvent.objects.filter(action=AuditAction.CASE_SEARCHED)}
    assert len(digests) == 1


# --- the page ---------------------------------------------------------------------------------------


def test_the_page_keeps_the_stage_filter_and_the_exact_fields_with_the_box(client, cast, wu, places):
    other = register_case(places, cast, seed=70, full_name="吴静")
    client.force_login(cast.alice)

    by_box = client.post(reverse("victims:list"), {"q": "吴", "name": NAME}).content.decode()
    nothing = client.post(reverse("victims:list"), {"q": "吴", "stage": "closed"}).content.decode()

    assert wu.number in by_box and other.number not in by_box
    assert 'id="no-cases"' in nothing


def test_the_page_shows_a_refused_term_on_the_box(client, cast, wu):
    client.force_login(cast.alice)

    response = client.post(reverse("victims:list"), {"q": "吴\u200b雨"})

    assert response.status_code == 200
    assert wu.number not in response.content.decode()
    assert re.search(r'class="field field--error" id="field-q"', response.content.decode())


# --- the policy matrix ------------------------------------------------------------------------------


class TestCaseSearchMatrix(PolicyMatrix):
    route_name = "case-search"
    kind = "list"
    method = "post"
    always_keys = frozenset({"id", "case_number", "stage"})
    section_keys = {Section.PERSON: frozenset({"person"})}

    def make_record(self, places, cast):
        return referred_case(places, cast, seed=43, full_name=NAME)

    def scope_facts(self, record):
        return case_scope_facts(record)

    def url(self, record):
        return reverse("case-search")

    def body(self, record):
        return {"q": "wuyx"}  # by name: decrypted and matched for the roles that read names only
