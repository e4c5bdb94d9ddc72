"""``seed_demo``'s case notes step (``care.notes.seed``): service logs of every kind written
through the operations, corrections, case conferences whose decisions create goals, and open
cases left without contact for the dashboard's alert — in the demo of ``make run``, seeded once
for every module that reads it (``seeded_demo``, tests/conftest.py)."""

from django.db.models import Count

from care.choices import NoteKind
from care.models import CaseNote, ConferenceDecision
from care.notes.seed import seed_notes
from care.notes.selectors import cases_without_contact
from registry import policy
from registry.choices import Role
from registry.management.commands.seed_demo import DEFAULT_SEED
from registry.models import User
from registry.policy import Section
from victims.validation import today


def test_the_demo_holds_notes_of_every_kind_corrections_and_conferences_with_goals(seeded_demo, db):
    kinds = set(CaseNote.objects.values_list("kind", flat=True))
    assert kinds == set(NoteKind.values)
    assert CaseNote.objects.filter(corrects__isnull=False).exists()
    assert ConferenceDecision.objects.filter(goal__isnull=False).exists()
    for note in CaseNote.objects.filter(kind=NoteKind.CONFERENCE):
        assert note.organizations.exists()


def test_the_seeded_notes_obey_the_rules(seeded_demo, db):
    day = today()
    for note in CaseNote.objects.select_related("case", "created_by"):
        note.full_clean()
        assert note.case.opened_on <= note.occurred_on <= day
        assert note.history.earliest("history_id").history_user == note.created_by
        # Written by a role that writes notes and reads the section the note concerns.
        assert policy.may_write(note.created_by, Section.NOTES), note.created_by.role
        assert policy.may_read(note.created_by, note.concerns), (note.created_by.role, note.concerns)
    assert set(CaseNote.objects.values_list("created_by__role", flat=True)) == {Role.CASEWORKER}
    twice = CaseNote.objects.values("corrects").exclude(corrects=None).annotate(n=Count("id")).filter(n__gt=1)
    assert not twice.exists()


def test_caseworkers_see_open_cases_without_contact_on_their_dashboard(seeded_demo, db):
    caseworker = User.objects.get(username="caseworker_fz")
    assert cases_without_contact(caseworker, today()).exists()


def test_a_second_run_adds_nothing(seeded_demo, db):
    before = CaseNote.objects.count()
    result = seed_notes(seed=DEFAULT_SEED)
    assert CaseNote.objects.count() == before and result.notes == 0
