"""Twenty requests released together on the services' check-then-insert rules, each on its own
connection, on whichever database the suite runs (SQLite or PostgreSQL): a shelter never holds
more people than beds, a person has one open stay, a case one return plan in force. The helper
and the registration races are in ``tests/victims/test_races.py``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from services.models import ReturnPlan, ShelterPlacement
from tests.services.test_api import json_plan
from tests.victims.test_races import THREADS, race


@pytest.mark.django_db(transaction=True)
def test_twenty_admissions_to_five_beds_admit_five(make_case, shelter, cast):
    beds = shelter(capacity=5)
    cases = [make_case() for _ in range(THREADS)]
    body = {"shelter": str(beds.uuid)}
    answers = race(
        [(cast.alice, "post", reverse("case-placement-list", kwargs={"id": case.uuid}), body) for case in cases]
    )

    assert sorted(answers, key=str) == [(201, None)] * 5 + [(409, "shelter_full")] * (THREADS - 5)
    assert ShelterPlacement.objects.filter(shelter=beds, discharged_on__isnull=True).count() == 5


@pytest.mark.django_db(transaction=True)
def test_one_person_admitted_twenty_times_at_once_has_one_open_stay(make_case, places, cast):
    case = make_case()
    url = reverse("case-placement-list", kwargs={"id": case.uuid})
    answers = race([(cast.alice, "post", url, {"shelter": str(places.fz_shelter.uuid)})] * THREADS)

    # The first admission moves the case to sheltered; the others find the open stay.
    assert sorted(answers, key=str) == [(201, None)] + [(409, "placement_open")] * (THREADS - 1)
    assert ShelterPlacement.objects.filter(case=case).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_return_plans_at_once_leave_one_in_force(make_case, cast):
    case = make_case()
    url = reverse("case-return-plan-list", kwargs={"id": case.uuid})
    answers = race([(cast.alice, "post", url, json_plan())] * THREADS)

    assert sorted(answers, key=str) == [(201, None)] + [(409, "return_plan_active")] * (THREADS - 1)
    assert ReturnPlan.objects.filter(case=case).count() == 1
