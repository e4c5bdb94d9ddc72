"""The case notes' API held to the policy: every route and method, run as every member of the cast.

The record is a note Alice writes about the person (``concerns="person"``, which every role that
opens a case reads) on the case of ``tests.victims.test_api_matrix`` (Alice's, in Gulou,
referred to Bob's, Erin's and Frank's organizations, all accepted). Every role that opens cases
reads notes, caseworkers and civil affairs write them, the receiving departments may not (403) —
as ``registry.policy`` says, from which the matrix computes each answer; auditors and
administrators see no case (404). How a note of another section is read is
``test_notes_visibility``'s.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from care.notes import operations
from care.notes.selectors import NOTE_FIELDS
from registry.policy import Section
from tests.care.test_notes_operations import note_body
from tests.policy_matrix import PolicyMatrix
from tests.victims.test_api_matrix import ENVELOPE, case_scope_facts, referred_case

NOTE_KEYS = frozenset({"id", "version", *NOTE_FIELDS, "decisions"})


class NoteMatrix(PolicyMatrix):
    def make_record(self, places, cast):
        case = referred_case(places, cast)
        return operations.note_create(actor=cast.alice, case=case, data=note_body(concerns=Section.PERSON.value))

    def scope_facts(self, record):
        return case_scope_facts(record.case)


class CaseNotesMatrix(NoteMatrix):
    route_name = "case-notes"

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.case.uuid})


@pytest.mark.django_db
class TestCaseNoteListMatrix(CaseNotesMatrix):
    always_keys = ENVELOPE


@pytest.mark.django_db
class TestCaseNoteCreateMatrix(CaseNotesMatrix):
    kind = "write"
    method = "post"
    success_status = 201
    write_section = Section.NOTES

    def body(self, record):
        body = note_body(concerns=Section.PERSON.value)
        return {**body, "occurred_on": body["occurred_on"].isoformat()}


class OneNoteMatrix(NoteMatrix):
    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})


@pytest.mark.django_db
class TestNoteDetailMatrix(OneNoteMatrix):
    route_name = "note"
    always_keys = NOTE_KEYS


@pytest.mark.django_db
class TestNoteCorrectMatrix(OneNoteMatrix):
    route_name = "note-correct"
    kind = "write"
    method = "post"
    success_status = 201
    write_section = Section.NOTES

    def body(self, record):
        return {"text": "更正：应为家访（虚构）"}
