"""The case notes' operations: append-only (a correction is a new note; a note is corrected once),
what a note holds (kind, a day not in the future, a duration, participants by role each once,
organizations, the section it concerns), a case conference's organizations and decisions — each
of which may create a goal of the care plan — history and audit.

The helpers here (a note's body, a case with a care plan) are shared by the other
``test_notes_*`` modules."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from care.choices import GoalStatus, NeedDomain, NeedRating, NoteKind, Participant
from care.models import CaseNote, ConferenceDecision, Goal
from care.notes import operations
from care.plan import operations as plan_operations
from registry import policy
from registry.choices import Role
from registry.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction, AuditEvent
from registry.policy import Section
from tests.victims.conftest import TODAY
from tests.victims.test_api_matrix import referred_case

pytestmark = pytest.mark.django_db

TEXT = "电话联系受援人，情绪稳定（虚构）"


def days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


def note_body(**overrides) -> dict:
    return {
        "kind": NoteKind.PHONE,
        "occurred_on": TODAY - days(1),
        "duration_minutes": 15,
        "participants": [Participant.PERSON, Participant.CASEWORKER],
        "text": TEXT,
        **overrides,
    }


def conference_body(places, **overrides) -> dict:
    return note_body(
        kind=NoteKind.CONFERENCE,
        duration_minutes=90,
        participants=[Participant.CASEWORKER, Participant.OFFICIAL, Participant.LAWYER],
        organizations=[places.fz_shelter, places.fz_civil_affairs, places.fz_legal_aid],
        text="个案会商，讨论安置与返乡（虚构）",
        **overrides,
    )


def goal_of(places, **overrides) -> dict:
    return {
        "domain": NeedDomain.MENTAL_HEALTH,
        "description": "每周一次心理辅导（虚构）",
        "owner": places.fz_shelter,
        "target_on": TODAY + days(60),
        **overrides,
    }


def write_plan(case, actor):
    needs = [{"domain": domain, "rating": NeedRating.MODERATE, "description": "需求（虚构）"} for domain in NeedDomain]
    return plan_operations.care_plan_create(
        actor=actor, case=case, data={"assessed_on": TODAY - days(5), "summary": "评估（虚构）", "needs": needs}
    )


def add_note(case, actor, **overrides) -> CaseNote:
    return operations.note_create(actor=actor, case=case, data=note_body(**overrides))


# The members who open the case of ``referred_case``; which of them write notes is the policy's.
OPENERS = ("alice", "dave", "bob", "erin", "frank")


def without_reading(monkeypatch, member, section: Section) -> None:
    """Take the reading of ``section`` from ``member``'s role for one test (``monkeypatch``
    restores the policy's table after it). The table gives every writer of notes each section a
    note may concern; this is how the rule "a writer writes and corrects only the notes of the
    sections they read" is held all the same."""
    monkeypatch.delitem(policy.SECTION_ACCESS[section], Role(member.role))
    assert policy.may_write(member, Section.NOTES) and not policy.may_read(member, section)


@pytest.fixture
def case(places, cast):
    """An adult's case of Alice's in Gulou, referred to Bob's, Erin's and Frank's organizations."""
    return referred_case(places, cast, seed=31)


# --- a note -------------------------------------------------------------------------------------------


def test_a_note_records_what_was_given_and_who_wrote_it(case, cast, places):
    note = add_note(case, cast.alice, organizations=[places.fz_shelter])
    note.refresh_from_db()
    assert (note.kind, note.occurred_on, note.duration_minutes) == (NoteKind.PHONE, TODAY - days(1), 15)
    assert sorted(note.participants) == sorted([Participant.PERSON, Participant.CASEWORKER])
    assert list(note.organizations.all()) == [places.fz_shelter]
    assert note.text == TEXT and note.created_by == cast.alice and note.corrects is None


def test_a_note_concerns_the_person_unless_told_otherwise(case, cast):
    assert add_note(case, cast.alice).concerns == Section.PERSON == operations.DEFAULT_CONCERNS


@pytest.mark.parametrize("occurred_on", [TODAY + days(1), TODAY + days(400)])
def test_a_note_of_a_day_to_come_is_refused(case, cast, occurred_on):
    with pytest.raises(RuleViolation) as refused:
        add_note(case, cast.alice, occurred_on=occurred_on)
    assert refused.value.field == "occurred_on"
    assert not CaseNote.objects.exists()


def test_a_note_of_today_is_taken(case, cast):
    assert add_note(case, cast.alice, occurred_on=TODAY).occurred_on == TODAY


@pytest.mark.parametrize("participants", [["person", "person"], ["person", "neighbour"], "person", [1]])
def test_participants_are_roles_of_the_list_each_once(case, cast, participants):
    with pytest.raises(RuleViolation) as refused:
        add_note(case, cast.alice, participants=participants)
    assert refused.value.field == "participants"
    assert not CaseNote.objects.exists()


@pytest.mark.parametrize("minutes", [0, -5, 1441, True, "30"])
def test_a_duration_is_from_one_minute_to_a_day(case, cast, minutes):
    with pytest.raises(RuleViolation) as refused:
        add_note(case, cast.alice, duration_minutes=minutes)
    assert refused.value.field == "duration_minutes"


@pytest.mark.parametrize("minutes", [1, 1440, None])
def test_a_duration_may_be_left_out_or_lie_within_a_day(case, cast, minutes):
    assert add_note(case, cast.alice, duration_minutes=minutes).duration_minutes == minutes


@pytest.mark.parametrize("field,value", [("kind", "visit"), ("text", "  "), ("text", None), ("colour", "red")])
def test_a_malformed_note_is_refused_naming_the_field(case, cast, field, value):
    with pytest.raises(RuleViolation) as refused:
        add_note(case, cast.alice, **{field: value})
    assert refused.value.field == field


def test_an_inactive_organization_is_refused(case, cast, places):
    places.xm_civil_affairs.is_active = False
    places.xm_civil_affairs.save()
    with pytest.raises(RuleViolation) as refused:
        add_note(case, cast.alice, organizations=[places.xm_civil_affairs])
    assert refused.value.field == "organizations"


# --- the section a note concerns -----------------------------------------------------------------------


@pytest.mark.parametrize("section", [Section.NOTES, Section.CARE_PLAN, Section.CONSENTS, Section.REFERRALS])
def test_a_note_may_not_concern_the_notes_nor_a_section_its_readers_see_in_part(case, cast, section):
    with pytest.raises(RuleViolation) as refused:
        add_note(case, cast.alice, concerns=section.value)
    assert refused.value.field == "concerns"


@pytest.mark.parametrize("member", OPENERS)
def test_a_writer_may_concern_exactly_the_sections_they_read(case, cast, member):
    """Computed from the policy: a role that writes notes has every section it reads (but the
    excluded ones) taken and every other one refused under ``concerns``; a role that only reads
    notes (the receiving departments) is refused whatever section it names, and nothing is
    written."""
    writer = getattr(cast, member)
    for section in Section:
        if not policy.may_write(writer, Section.NOTES):
            with pytest.raises(PermissionDenied):
                add_note(case, writer, concerns=section.value)
        elif policy.may_read(writer, section) and section not in operations.NOT_CONCERNED:
            assert add_note(case, writer, concerns=section.value).concerns == section
        else:
            with pytest.raises(RuleViolation) as refused:
                add_note(case, writer, concerns=section.value)
            assert refused.value.field == "concerns", (member, section)
    assert CaseNote.objects.exists() is policy.may_write(writer, Section.NOTES)


def test_a_writer_who_does_not_read_a_section_may_not_concern_it(case, cast, monkeypatch):
    without_reading(monkeypatch, cast.dave, Section.HEALTH)
    assert Section.HEALTH not in operations.concernable_sections(cast.dave)
    with pytest.raises(RuleViolation) as refused:
        add_note(case, cast.dave, concerns=Section.HEALTH.value)
    assert refused.value.field == "concerns"
    assert not CaseNote.objects.exists()


@pytest.mark.parametrize("member", OPENERS)
def test_a_role_that_only_reads_notes_corrects_none(case, cast, member):
    """A note every opener reads (about the person): who may not write notes may not correct it."""
    reader = getattr(cast, member)
    note = add_note(case, cast.alice)
    assert policy.may_read(reader, Section.NOTES)
    if policy.may_write(reader, Section.NOTES):
        assert operations.note_correct(actor=reader, note=note, data={"text": "更正"}).corrects == note
    else:
        with pytest.raises(PermissionDenied):
            operations.note_correct(actor=reader, note=note, data={"text": "更正"})
        assert not CaseNote.objects.filter(corrects=note).exists()


def test_roles_without_case_notes_write_none(case, cast):
    for member in (cast.grace, cast.heidi):
        with pytest.raises(PermissionDenied):
            add_note(case, member)
    assert not CaseNote.objects.exists()


def test_a_case_out_of_scope_is_absent(case, cast):
    with pytest.raises(NotFound):
        add_note(case, cast.carol)


# --- append-only: corrections ---------------------------------------------------------------------------


def test_nothing_changes_or_deletes_a_note():
    """The operations offer creation and correction only, and a note's queryset refuses a bulk
    update (``registry.history``): there is no path that rewrites a note."""
    assert {name for name in dir(operations) if name.startswith("note_")} == {"note_create", "note_correct"}
    with pytest.raises(Exception, match="history"):
        CaseNote.objects.update(text="x")


def test_a_correction_is_a_new_note_pointing_at_the_corrected_one(case, cast):
    note = add_note(case, cast.alice)
    correction = operations.note_correct(actor=cast.dave, note=note, data={"text": "更正：应为家访（虚构）"})
    note.refresh_from_db()
    assert note.text == TEXT and note.version == 1  # the corrected note is as it was
    assert correction.corrects == note and note.correction == correction
    assert correction.created_by == cast.dave
    # What the correction leaves out is the corrected note's.
    assert (correction.kind, correction.occurred_on, correction.duration_minutes, correction.concerns) == (
        note.kind,
        note.occurred_on,
        note.duration_minutes,
        note.concerns,
    )
    assert sorted(correction.participants) == sorted(note.participants)


def test_a_correction_changes_what_it_names(case, cast):
    note = add_note(case, cast.alice)
    correction = operations.note_correct(
        actor=cast.alice,
        note=note,
        data={"kind": NoteKind.HOME_VISIT, "occurred_on": TODAY - days(2), "duration_minutes": None, "text": "更正"},
    )
    assert (correction.kind, correction.occurred_on, correction.duration_minutes) == (
        NoteKind.HOME_VISIT,
        TODAY - days(2),
        None,
    )


def test_a_note_is_corrected_once_then_its_correction_is(case, cast):
    note = add_note(case, cast.alice)
    first = operations.note_correct(actor=cast.alice, note=note, data={"text": "更正一"})
    with pytest.raises(Conflict) as refused:
        operations.note_correct(actor=cast.alice, note=note, data={"text": "更正二"})
    assert refused.value.code == "already_corrected"
    second = operations.note_correct(actor=cast.alice, note=first, data={"text": "更正二"})
    assert [n.pk for n in (second.corrects, second.corrects.corrects)] == [first.pk, note.pk]
    assert CaseNote.objects.count() == 3


def test_a_correction_keeps_the_concerns_unless_it_names_one_the_writer_reads(case, cast, monkeypatch):
    note = add_note(case, cast.alice, concerns=Section.HEALTH.value)
    assert operations.note_correct(actor=cast.alice, note=note, data={"text": "更正"}).concerns == Section.HEALTH
    other = add_note(case, cast.alice, concerns=Section.HEALTH.value)
    moved = operations.note_correct(actor=cast.alice, note=other, data={"text": "更正", "concerns": "shelter"})
    assert moved.concerns == Section.SHELTER
    general = add_note(case, cast.alice, concerns=Section.PERSON.value)
    without_reading(monkeypatch, cast.dave, Section.HEALTH)
    with pytest.raises(RuleViolation) as refused:
        operations.note_correct(actor=cast.dave, note=general, data={"text": "更正", "concerns": "health"})
    assert refused.value.field == "concerns"
    assert not CaseNote.objects.filter(corrects=general).exists()


def test_a_note_the_writer_may_not_read_cannot_be_corrected(case, cast, monkeypatch):
    health = add_note(case, cast.alice, concerns=Section.HEALTH.value)
    without_reading(monkeypatch, cast.dave, Section.HEALTH)
    with pytest.raises(NotFound):
        operations.note_correct(actor=cast.dave, note=health, data={"text": "更正"})
    assert not CaseNote.objects.filter(corrects=health).exists()


def test_a_correction_needs_its_text(case, cast):
    note = add_note(case, cast.alice)
    with pytest.raises(RuleViolation) as refused:
        operations.note_correct(actor=cast.alice, note=note, data={})
    assert refused.value.field == "text"


def test_a_correction_keeps_the_organizations_of_the_note_even_deactivated_since(case, cast, places):
    note = operations.note_create(actor=cast.alice, case=case, data=conference_body(places))
    places.fz_legal_aid.is_active = False
    places.fz_legal_aid.save()
    correction = operations.note_correct(actor=cast.alice, note=note, data={"text": "更正"})
    assert set(correction.organizations.all()) == set(note.organizations.all())


# --- case conferences -----------------------------------------------------------------------------------


def test_a_conference_names_the_organizations_present(case, cast):
    with pytest.raises(RuleViolation) as refused:
        add_note(case, cast.alice, kind=NoteKind.CONFERENCE, organizations=[])
    assert refused.value.field == "organizations"


def test_only_a_conference_records_decisions(case, cast):
    with pytest.raises(RuleViolation) as refused:
        add_note(case, cast.alice, decisions=[{"text": "决定（虚构）"}])
    assert refused.value.field == "decisions"


def test_a_conference_records_its_decisions_and_the_goals_they_create(case, cast, places):
    write_plan(case, cast.alice)
    note = operations.note_create(
        actor=cast.alice,
        case=case,
        data=conference_body(
            places,
            decisions=[
                {"text": "安排心理辅导（虚构）", "goal": goal_of(places)},
                {"text": "下次会商前完成体检（虚构）"},
            ],
        ),
    )
    decisions = list(ConferenceDecision.objects.filter(note=note).order_by("id"))
    assert [d.text for d in decisions] == ["安排心理辅导（虚构）", "下次会商前完成体检（虚构）"]
    goal = Goal.objects.get()
    assert decisions[0].goal == goal and decisions[1].goal is None
    assert (goal.domain, goal.description, goal.owner, goal.status) == (
        NeedDomain.MENTAL_HEALTH,
        "每周一次心理辅导（虚构）",
        places.fz_shelter,
        GoalStatus.OPEN,
    )
    assert set(note.organizations.all()) == {places.fz_shelter, places.fz_civil_affairs, places.fz_legal_aid}


def test_a_goal_refused_refuses_the_whole_conference_under_decisions(case, cast, places):
    """No care plan yet: goal_create refuses (no_care_plan); nothing of the note is kept."""
    with pytest.raises(RuleViolation) as refused:
        operations.note_create(
            actor=cast.alice,
            case=case,
            data=conference_body(places, decisions=[{"text": "决定一"}, {"text": "决定二", "goal": goal_of(places)}]),
        )
    assert (refused.value.field, refused.value.code) == ("decisions", "no_care_plan")
    assert "2" in refused.value.message
    assert not CaseNote.objects.exists() and not ConferenceDecision.objects.exists() and not Goal.objects.exists()


def test_a_goal_with_a_field_missing_is_named_under_decisions(case, cast, places):
    write_plan(case, cast.alice)
    with pytest.raises(RuleViolation) as refused:
        operations.note_create(
            actor=cast.alice,
            case=case,
            data=conference_body(places, decisions=[{"text": "决定", "goal": goal_of(places, description="")}]),
        )
    assert refused.value.field == "decisions"
    assert not CaseNote.objects.exists() and not Goal.objects.exists()


def test_a_role_that_may_not_write_the_care_plan_records_decisions_without_goals(case, cast, places):
    write_plan(case, cast.alice)
    assert not policy.may_write(cast.dave, Section.CARE_PLAN)
    with pytest.raises(PermissionDenied) as refused:
        operations.note_create(
            actor=cast.dave,
            case=case,
            data=conference_body(places, decisions=[{"text": "决定", "goal": goal_of(places)}]),
        )
    assert refused.value.code == "care_plan_read_only"
    note = operations.note_create(
        actor=cast.dave, case=case, data=conference_body(places, decisions=[{"text": "决定"}])
    )
    assert note.decisions.get().goal is None


# --- history and audit ------------------------------------------------------------------------------------


def test_each_note_has_its_history_and_an_audit_event_without_its_text(case, cast, places):
    write_plan(case, cast.alice)
    note = operations.note_create(
        actor=cast.alice, case=case, data=conference_body(places, decisions=[{"text": "决定", "goal": goal_of(places)}])
    )
    correction = operations.note_correct(actor=cast.alice, note=note, data={"text": "更正（虚构）"})
    rows = CaseNote.history.order_by("history_id")
    assert [(row.history_change_reason, row.history_user) for row in rows] == [
        ("case note added", cast.alice),
        ("case note corrected", cast.alice),
    ]
    created = AuditEvent.objects.filter(action=AuditAction.RECORD_CREATED).order_by("id")
    events = [event for event in created if event.detail.get("model") == "casenote"]
    assert [event.detail["record"] for event in events] == [str(note.uuid), str(correction.uuid)]
    assert events[0].detail["goals"] == 1 and events[1].detail["corrects"] == str(note.uuid)
    assert all("text" not in event.detail and "更正" not in str(event.detail) for event in events)


def test_the_database_refuses_a_second_correction_of_a_note(case, cast):
    """The rule holds below the operations too: a second row pointing at the same note fails."""
    note = add_note(case, cast.alice)
    operations.note_correct(actor=cast.alice, note=note, data={"text": "更正"})
    row = CaseNote(
        case=case,
        kind=NoteKind.PHONE,
        occurred_on=TODAY,
        concerns="person",
        text="x",
        corrects=note,
        created_by=cast.alice,
    )
    with recorded_change(actor=cast.alice, reason="test"), pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_a_case_holds_a_bounded_number_of_notes(case, cast, settings):
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 2
    add_note(case, cast.alice)
    add_note(case, cast.alice)
    with pytest.raises(Conflict) as refused:
        add_note(case, cast.alice)
    assert refused.value.code == "too_many_records"
