"""Who reads a note: only the readers of the section it concerns (and of its case) — through the
API (list, one note, the case detail, its history), the case file (the notes tab and the
timeline) and the dossier alike, all following from the section's declaration.

The expectations are computed from the policy (``registry.policy.may_read``) and the scope
oracle of the policy matrix, never written out by hand: a change of the policy table changes
what every face is held to.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from care.notes import operations
from exports.dossier import content as dossier
from registry import policy
from registry.policy import Section
from tests.care.test_notes_operations import conference_body, note_body, write_plan
from tests.policy_matrix import CAST, in_scope
from tests.victims.test_api_matrix import case_scope_facts, referred_case

pytestmark = pytest.mark.django_db

# Sections a note may concern, read by different roles: everyone, caseworkers and civil affairs,
# each receiving department.
CONCERNS = (Section.PERSON, Section.HEALTH, Section.LEGAL_AID, Section.SCHOOLING, Section.TRAINING)


@pytest.fixture
def notes(places, cast):
    """The referred case with one note per section of ``CONCERNS``, written by a member who
    writes notes and reads it (Alice, or Dave for the receiving departments' sections: those
    departments only read notes), and a health case conference with a decision."""
    case = referred_case(places, cast, seed=41)
    writers = {Section.SCHOOLING: cast.dave, Section.TRAINING: cast.dave, Section.LEGAL_AID: cast.dave}
    written = {
        section: operations.note_create(
            actor=writers.get(section, cast.alice),
            case=case,
            data=note_body(concerns=section.value, text=f"关于{section.value}的记录（虚构）"),
        )
        for section in CONCERNS
    }
    write_plan(case, cast.alice)
    conference = operations.note_create(
        actor=cast.alice,
        case=case,
        data=conference_body(places, concerns=Section.HEALTH.value, decisions=[{"text": "安排复诊（虚构）"}]),
    )
    return case, written, conference


def expected(member, case, section) -> bool:
    return in_scope(member, **case_scope_facts(case)) and policy.may_read(member, section)


@pytest.mark.parametrize("name", CAST)
def test_the_api_shows_a_note_to_the_readers_of_its_section_only(notes, cast, api_client_for, name):
    case, written, conference = notes
    member = getattr(cast, name)
    client = api_client_for(member)
    listed = client.get(reverse("case-notes", kwargs={"id": case.uuid}))
    detail = client.get(reverse("case-detail", kwargs={"id": case.uuid}))
    history = client.get(reverse("case-history", kwargs={"id": case.uuid}))
    if not in_scope(member, **case_scope_facts(case)):
        assert (listed.status_code, detail.status_code, history.status_code) == (404, 404, 404)
        return
    ids = {item["id"] for item in listed.json()["results"]}
    in_detail = {item["id"] for item in detail.json()["notes"]}
    in_history = {entry["record"] for entry in history.json()["results"] if entry["kind"] == "casenote"}
    for section, note in written.items():
        shown = expected(member, case, section)
        assert (str(note.uuid) in ids) is shown, (name, section)
        assert (str(note.uuid) in in_detail) is shown, (name, section)
        assert (str(note.uuid) in in_history) is shown, (name, section)
        answer = client.get(reverse("note", kwargs={"id": note.uuid}))
        assert answer.status_code == (200 if shown else 404), (name, section)
    decisions = {entry["record"] for entry in history.json()["results"] if entry["kind"] == "conferencedecision"}
    health = expected(member, case, Section.HEALTH)
    assert (str(conference.decisions.get().uuid) in decisions) is health, name
    assert (str(conference.uuid) in ids) is health, name


def test_a_health_note_is_read_by_health_readers_and_not_by_education_or_legal_aid(notes, cast, api_client_for):
    case, written, _conference = notes
    url = reverse("note", kwargs={"id": written[Section.HEALTH].uuid})
    assert api_client_for(cast.alice).get(url).status_code == 200
    assert api_client_for(cast.dave).get(url).status_code == 200
    for member in (cast.bob, cast.erin, cast.frank):
        assert not policy.may_read(member, Section.HEALTH)
        assert api_client_for(member).get(url).status_code == 404


def test_a_legal_aid_note_is_read_by_legal_aid_readers_only(notes, cast, api_client_for):
    case, written, _conference = notes
    url = reverse("note", kwargs={"id": written[Section.LEGAL_AID].uuid})
    for member in (cast.alice, cast.dave, cast.erin, cast.bob, cast.frank):
        status = api_client_for(member).get(url).status_code
        assert status == (200 if policy.may_read(member, Section.LEGAL_AID) else 404), member.username


@pytest.mark.parametrize("name", ["alice", "dave", "bob", "erin", "frank"])
def test_the_tab_the_timeline_and_the_dossier_follow_the_same_rule(notes, cast, name):
    case, written, conference = notes
    member = getattr(cast, name)
    pages = Client()
    pages.force_login(member)
    tab = pages.get(reverse("victims:case", args=[case.uuid]) + "?tab=notes").content.decode()
    timeline = pages.get(reverse("victims:case", args=[case.uuid]) + "?tab=timeline").content.decode()
    content = dossier.build(member, case, language="en")
    in_dossier = {item["id"] for item in content.sections.get("notes", [])}
    for section, note in written.items():
        shown = expected(member, case, section)
        assert (f'id="note-{note.uuid}"' in tab) is shown, (name, section)
        assert (note.text in tab) is shown, (name, section)
        assert (note.text in timeline) is False  # the timeline names the kind, never the text
        assert (str(note.uuid) in in_dossier) is shown, (name, section)
    health = expected(member, case, Section.HEALTH)
    assert ("安排复诊（虚构）" in tab) is health
    dossier_decisions = [d["text"] for item in content.sections.get("notes", []) for d in item["decisions"]]
    assert ("安排复诊（虚构）" in dossier_decisions) is health
    titles = [event["what"] for event in content.timeline]
    assert titles.count("Phone contact") == sum(expected(member, case, section) for section in written)
    assert ("Case conference" in titles) is health
