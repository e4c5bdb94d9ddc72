"""The case notes' API: adding a note and a case conference, correcting one, the list (newest
first, by kind), the refusals in the API's error shape, and no way to change or delete a note."""

from __future__ import annotations

import pytest
from django.urls import reverse

from care.choices import NoteKind
from care.models import CaseNote, ConferenceDecision, Goal
from care.notes import operations
from registry import policy
from registry.models import AuditAction, AuditEvent
from registry.policy import Section
from tests.care.test_notes_operations import OPENERS, TEXT, days, note_body, without_reading, write_plan
from tests.victims.conftest import TODAY
from tests.victims.test_api_matrix import referred_case

pytestmark = pytest.mark.django_db


def as_json(body: dict) -> dict:
    return {name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in body.items()}


@pytest.fixture
def case(places, cast):
    return referred_case(places, cast, seed=51)


@pytest.fixture
def alice(api_client_for, cast):
    return api_client_for(cast.alice)


def notes_url(case) -> str:
    return reverse("case-notes", kwargs={"id": case.uuid})


def test_a_note_is_added_and_answered_as_the_section_shows_it(case, alice, cast, places):
    body = as_json(note_body(organizations=[str(places.fz_shelter.uuid)], concerns="health"))
    answer = alice.post(notes_url(case), body, format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    note = CaseNote.objects.get()
    assert data["id"] == str(note.uuid) and answer["ETag"] == '"1"'
    assert (data["kind"], data["concerns"], data["text"], data["duration_minutes"]) == ("phone", "health", TEXT, 15)
    assert data["organizations"] == [str(places.fz_shelter.uuid)]
    assert data["participants"] == ["caseworker", "person"]
    assert (data["corrects"], data["corrected_by"], data["decisions"]) == (None, None, [])
    assert data["created_by"] == str(cast.alice.uuid)


def test_a_conference_with_a_goal_creating_decision(case, alice, cast, places):
    write_plan(case, cast.alice)
    body = {
        "kind": "conference",
        "occurred_on": TODAY.isoformat(),
        "organizations": [str(places.fz_shelter.uuid), str(places.fz_civil_affairs.uuid)],
        "text": "个案会商（虚构）",
        "decisions": [
            {"text": "心理辅导（虚构）", "goal": {"domain": "mental_health", "description": "每周辅导（虚构）",
                                               "owner": str(places.fz_shelter.uuid),
                                               "target_on": (TODAY + days(30)).isoformat()}},
            {"text": "体检（虚构）"},
        ],
    }  # fmt: skip
    answer = alice.post(notes_url(case), body, format="json")
    assert answer.status_code == 201, answer.json()
    decisions = answer.json()["decisions"]
    goal = Goal.objects.get()
    assert [(d["text"], d["goal"]) for d in decisions] == [("心理辅导（虚构）", str(goal.uuid)), ("体检（虚构）", None)]


def test_a_goal_owner_unknown_is_refused_under_decisions(case, alice, cast):
    write_plan(case, cast.alice)
    goal = {"domain": "legal", "description": "诉讼（虚构）", "owner": "00000000-0000-0000-0000-000000000000",
            "target_on": TODAY.isoformat()}  # fmt: skip
    body = {**as_json(note_body(kind="conference")), "organizations": [], "decisions": [{"text": "决定", "goal": goal}]}
    answer = alice.post(notes_url(case), body, format="json")
    assert answer.status_code == 400
    assert set(answer.json()["fields"]) == {"decisions"}
    assert not CaseNote.objects.exists()


def test_a_conference_without_a_care_plan_cannot_create_goals(case, alice, places):
    goal = {"domain": "legal", "description": "诉讼（虚构）", "owner": str(places.fz_legal_aid.uuid),
            "target_on": TODAY.isoformat()}  # fmt: skip
    body = {
        **as_json(note_body(kind="conference")),
        "organizations": [str(places.fz_shelter.uuid)],
        "decisions": [{"text": "决定", "goal": goal}],
    }
    answer = alice.post(notes_url(case), body, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "no_care_plan" and set(answer.json()["fields"]) == {"decisions"}
    assert not CaseNote.objects.exists() and not ConferenceDecision.objects.exists()


@pytest.mark.parametrize(
    "change,field",
    [
        ({"occurred_on": (TODAY + days(1)).isoformat()}, "occurred_on"),
        ({"participants": ["person", "person"]}, "participants"),
        ({"participants": ["neighbour"]}, "participants"),
        ({"duration_minutes": 2000}, "duration_minutes"),
        ({"organizations": ["00000000-0000-0000-0000-000000000000"]}, "organizations"),
        ({"concerns": "notes"}, "concerns"),
        ({"kind": "visit"}, "kind"),
        ({"colour": "red"}, "colour"),
        ({"decisions": [{"text": "决定"}]}, "decisions"),
    ],
)
def test_bad_input_is_refused_naming_the_field(case, alice, change, field):
    answer = alice.post(notes_url(case), {**as_json(note_body()), **change}, format="json")
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["fields"]
    assert not CaseNote.objects.exists()


@pytest.mark.parametrize("member", OPENERS)
def test_a_role_that_only_reads_notes_may_neither_add_nor_correct_one(case, api_client_for, cast, member):
    """Computed from the policy: who reads the notes but may not write them (the receiving
    departments) is answered 403 on both writes, whatever the section the note concerns, and
    nothing is written; who writes them gets 201."""
    client = api_client_for(getattr(cast, member))
    note = operations.note_create(actor=cast.alice, case=case, data=note_body())
    writes = policy.may_write(getattr(cast, member), Section.NOTES)
    assert client.get(reverse("note", kwargs={"id": note.uuid})).status_code == 200
    added = client.post(notes_url(case), as_json(note_body(concerns="person")), format="json")
    corrected = client.post(reverse("note-correct", kwargs={"id": note.uuid}), {"text": "更正"}, format="json")
    if writes:
        assert (added.status_code, corrected.status_code) == (201, 201)
    else:
        assert (added.status_code, corrected.status_code) == (403, 403)
        assert added.json()["code"] == corrected.json()["code"] == "permission_denied"
        assert CaseNote.objects.get() == note


def test_a_writer_reading_no_health_may_not_write_about_it(case, api_client_for, cast, monkeypatch):
    without_reading(monkeypatch, cast.dave, Section.HEALTH)
    answer = api_client_for(cast.dave).post(notes_url(case), as_json(note_body(concerns="health")), format="json")
    assert answer.status_code == 400 and set(answer.json()["fields"]) == {"concerns"}
    assert not CaseNote.objects.exists()


def test_the_list_is_newest_first_and_filters_by_kind(case, alice, cast):
    old = operations.note_create(actor=cast.alice, case=case, data=note_body(occurred_on=TODAY - days(9)))
    visit = operations.note_create(
        actor=cast.alice, case=case, data=note_body(kind=NoteKind.HOME_VISIT, occurred_on=TODAY - days(2))
    )
    new = operations.note_create(actor=cast.alice, case=case, data=note_body(occurred_on=TODAY))
    listed = alice.get(notes_url(case)).json()["results"]
    assert [item["id"] for item in listed] == [str(new.uuid), str(visit.uuid), str(old.uuid)]
    phones = alice.get(notes_url(case), {"kind": "phone"}).json()["results"]
    assert [item["id"] for item in phones] == [str(new.uuid), str(old.uuid)]
    assert alice.get(notes_url(case), {"kind": "visit"}).status_code == 400


def test_the_list_is_logged_with_the_sections_its_notes_concern(case, alice, cast):
    operations.note_create(actor=cast.alice, case=case, data=note_body(concerns="health"))
    alice.get(notes_url(case))
    (event,) = [
        e for e in AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED) if e.detail.get("view") == "case_notes"
    ]
    assert event.sections == [Section.NOTES.value, Section.HEALTH.value]


def test_a_correction_is_answered_with_both_ids(case, alice, cast):
    note = operations.note_create(actor=cast.alice, case=case, data=note_body())
    url = reverse("note-correct", kwargs={"id": note.uuid})
    answer = alice.post(url, {"text": "更正（虚构）", "kind": "home_visit"}, format="json")
    assert answer.status_code == 201, answer.json()
    correction = answer.json()
    assert (correction["corrects"], correction["kind"], correction["text"]) == (
        str(note.uuid),
        "home_visit",
        "更正（虚构）",
    )
    original = alice.get(reverse("note", kwargs={"id": note.uuid})).json()
    assert original["corrected_by"] == correction["id"] and original["text"] == TEXT
    again = alice.post(url, {"text": "再次更正"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_corrected"


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_note_is_never_changed_nor_deleted(case, alice, cast, method):
    note = operations.note_create(actor=cast.alice, case=case, data=note_body())
    for url in (reverse("note", kwargs={"id": note.uuid}), notes_url(case)):
        answer = getattr(alice, method)(url, {"text": "改写"}, format="json", headers={"If-Match": '"1"'})
        assert answer.status_code == 405, url
        assert answer.json()["code"] == "method_not_allowed"
    note.refresh_from_db()
    assert note.text == TEXT and CaseNote.objects.count() == 1


def test_a_note_of_another_case_or_no_note_is_not_found(case, api_client_for, cast):
    note = operations.note_create(actor=cast.alice, case=case, data=note_body())
    assert api_client_for(cast.carol).get(reverse("note", kwargs={"id": note.uuid})).status_code == 404
    assert api_client_for(cast.alice).get(reverse("note", kwargs={"id": "not-a-uuid"})).status_code == 404
    refused = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, case_uuid=case.uuid)
    assert refused.exists()  # Carol's attempt, named against the note's case


def test_the_schema_documents_the_notes_without_warnings(db):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ours = [
        message
        for message in {**GENERATOR_STATS._warn_cache, **GENERATOR_STATS._error_cache}
        if "care/notes" in message or "Note" in message
    ]
    assert not ours, ours
    validate_schema(schema)
    paths = schema["paths"]
    assert set(paths["/api/v1/cases/{id}/notes/"]) == {"get", "post"}
    assert set(paths["/api/v1/notes/{id}/"]) == {"get"}
    assert set(paths["/api/v1/notes/{id}/correct/"]) == {"post"}
    kinds = next(p for p in paths["/api/v1/cases/{id}/notes/"]["get"]["parameters"] if p["name"] == "kind")
    assert set(kinds["schema"]["enum"]) == set(NoteKind.values)
