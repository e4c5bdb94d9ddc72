"""The archival dossier holds the care plan and the notes its reader may read (civil affairs, who
generate dossiers, read the whole plan and every note), in the PDF itself."""

from __future__ import annotations

import pytest

from care.notes import operations as notes
from care.plan import operations as plans
from exports import operations as dossier_operations
from exports import storage
from tests.care.test_notes_operations import goal_of, note_body, write_plan
from tests.exports.helpers import pdf_text
from tests.victims.test_api_matrix import referred_case

pytestmark = pytest.mark.django_db

GOAL = "复学并跟上年级进度（档案测试）"
NOTE = "家访：与母亲商谈返乡安排（档案测试）"
NEED = "需求（虚构）"  # write_plan's description of every need


def test_the_dossier_prints_the_care_plan_and_the_notes(places, cast):
    case = referred_case(places, cast)
    write_plan(case, cast.alice)
    plans.goal_create(actor=cast.alice, case=case, data=goal_of(places, description=GOAL))
    notes.note_create(actor=cast.alice, case=case, data=note_body(text=NOTE, concerns="health"))
    record = dossier_operations.dossier_generate(actor=cast.dave, case=case)
    assert {"care_plan", "notes"} <= set(record.sections)
    text = "".join(pdf_text(storage.open_sealed(storage.read(record.storage_name), record_uuid=record.uuid)).split())
    for value in (GOAL, NOTE, NEED):
        assert value in text, value
