"""The care plan and the notes cost the case file, its history and its page a fixed number of
queries (DESIGN §8): a case with one goal, review, note, correction and conference decision
costs the same as one with four of each — for a writer (Alice), civil affairs (Dave) and a
receiving department whose rows are narrowed (Erin, legal aid)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from care.choices import NeedDomain
from care.notes import operations as notes
from care.plan import operations as plans
from tests.care.test_notes_operations import TODAY, conference_body, days, goal_of, note_body, write_plan
from tests.victims.test_api_matrix import referred_case
from tests.victims.test_query_counts import queries_of, same_count

pytestmark = pytest.mark.django_db


def with_care(places, cast, *, seed: int, per_kind: int):
    """A referred case with a care plan holding ``per_kind`` goals (one owned by the legal aid
    centre, so Erin reads it), reviews, notes (one on legal aid), corrections and conference
    decisions creating goals."""
    case = referred_case(places, cast, seed=seed)
    plan = write_plan(case, cast.alice)
    for number in range(per_kind):
        owner = places.fz_legal_aid if number == 0 else places.fz_shelter
        plans.goal_create(actor=cast.alice, case=case, data=goal_of(places, owner=owner, domain=NeedDomain.LEGAL))
        plans.review_create(
            actor=cast.alice,
            plan=plan,
            data={"reviewed_on": TODAY - days(per_kind - number), "summary": "复评（虚构）"},
        )
        note = notes.note_create(actor=cast.alice, case=case, data=note_body(concerns="legal_aid"))
        notes.note_correct(actor=cast.alice, note=note, data={"text": "更正（虚构）"})
        notes.note_create(
            actor=cast.alice,
            case=case,
            data=conference_body(places, decisions=[{"text": "决定（虚构）", "goal": goal_of(places)}]),
        )
    return case


@pytest.mark.parametrize("member", ["alice", "dave", "erin"])
def test_the_case_file_history_and_page_cost_the_same_with_one_or_four_of_each(
    places, cast, api_client_for, client, member
):
    user = getattr(cast, member)
    few = with_care(places, cast, seed=1, per_kind=1)
    many = with_care(places, cast, seed=2, per_kind=4)
    api = api_client_for(user)
    body = api.get(reverse("case-detail", kwargs={"id": many.uuid})).json()
    assert {"care_plan", "notes"} <= set(body)  # both sections were built for this reader
    if member == "alice":  # four of each: the goals, the decisions' goals, the notes and corrections
        assert (len(body["care_plan"]["goals"]), len(body["notes"])) == (8, 12)
    for route in ("case-detail", "case-history"):
        same_count(
            queries_of(api, reverse(route, kwargs={"id": few.uuid})),
            queries_of(api, reverse(route, kwargs={"id": many.uuid})),
        )
    client.force_login(user)
    for tab in ("care_plan", "notes"):
        same_count(*(queries_of(client, f"/cases/{case.uuid}/?tab={tab}") for case in (few, many)))
