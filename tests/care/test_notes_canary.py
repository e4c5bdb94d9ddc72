"""The canary of the case notes: unique strings in a note's text, a correction's, a conference
decision's and the goal it creates, written through the API and the pages and read back through
every face — and then not one of them is found in clear in the database (notes, decisions,
goals, their history, the audit log) nor in any log record."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from care.models import CaseNote, ConferenceDecision
from registry import policy
from registry.policy import Section
from tests.care.test_notes_operations import days, write_plan
from tests.helpers import assert_history_holds_only_ciphertext, assert_not_stored
from tests.victims.conftest import TODAY
from tests.victims.test_api_matrix import referred_case

TAG = "5e1f3a"


def call(client, method, url, body=None, status=200):
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == status, (method, url, response.status_code, response.content[:300])
    return response


@pytest.mark.django_db(transaction=True)
def test_no_text_of_a_note_is_stored_or_logged_in_clear(places, cast, caplog):
    caplog.set_level(logging.DEBUG)
    canary = {name: f"金丝雀{TAG}{name}" for name in ("note", "correction", "decision", "goal", "form", "quick")}
    case = referred_case(places, cast, seed=95)
    write_plan(case, cast.alice)
    alice = APIClient()
    alice.force_authenticate(cast.alice)
    today = TODAY.isoformat()
    notes = reverse("case-notes", kwargs={"id": case.uuid})

    note = call(alice, "post", notes, {"kind": "phone", "occurred_on": today, "text": canary["note"]}, 201).json()
    call(alice, "post", reverse("note-correct", kwargs={"id": note["id"]}), {"text": canary["correction"]}, 201)
    goal = {"domain": "legal", "description": canary["goal"], "owner": str(places.fz_legal_aid.uuid),
            "target_on": (TODAY + days(30)).isoformat()}  # fmt: skip
    conference = {
        "kind": "conference",
        "occurred_on": today,
        "organizations": [str(places.fz_shelter.uuid), str(places.fz_legal_aid.uuid)],
        "concerns": "legal_aid",
        "text": "个案会商（虚构）",
        "decisions": [{"text": canary["decision"], "goal": goal}],
    }
    call(alice, "post", notes, conference, 201)
    reads = (
        notes,
        reverse("case-detail", kwargs={"id": case.uuid}),
        reverse("case-history", kwargs={"id": case.uuid}),
        reverse("note", kwargs={"id": note["id"]}),
    )
    for member in (cast.alice, cast.erin):
        client = APIClient()
        client.force_authenticate(member)
        for url in reads:
            call(client, "get", url)

    pages = Client()
    pages.force_login(cast.alice)
    answer = pages.post(
        reverse("care:note-add", args=[case.uuid]),
        {"kind": "home_visit", "occurred_on": today, "concerns": "health", "text": canary["form"]},
    )
    assert answer.status_code == 302
    answer = pages.post(
        reverse("care:note-quick", args=[case.uuid]),
        {"quick-kind": "phone", "quick-occurred_on": today, "quick-text": canary["quick"], "quick-tab": "notes"},
    )
    assert answer.status_code == 302
    first = CaseNote.objects.get(uuid=note["id"])
    for member in (cast.alice, cast.dave, cast.erin):
        reader = Client()
        reader.force_login(member)
        for path in (
            reverse("victims:case", args=[case.uuid]) + "?tab=notes",
            reverse("victims:case", args=[case.uuid]) + "?tab=timeline",
            reverse("dashboard"),
        ):
            assert reader.get(path).status_code == 200, (member, path)
        # The correction form shows the note's text to who writes notes; the others are refused.
        correct = reader.get(reverse("care:note-correct", args=[case.uuid, first.uuid]))
        assert correct.status_code == (200 if policy.may_write(member, Section.NOTES) else 403), member
    html = pages.get(reverse("victims:case", args=[case.uuid]) + "?tab=notes").content.decode()
    assert all(canary[name] in html for name in ("note", "correction", "decision", "form", "quick"))
    assert ConferenceDecision.objects.get().text == canary["decision"]

    assert_not_stored(*canary.values())
    for model in (CaseNote, ConferenceDecision):
        assert_history_holds_only_ciphertext(model)
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {getattr(record, 'exc_text', '') or ''}" for record in caplog.records
    )
    for secret in canary.values():
        assert secret not in logged, f"{secret!r} found in a log record"
