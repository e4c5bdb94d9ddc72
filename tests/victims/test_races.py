"""Twenty requests released together by a barrier, each on its own database connection, on
whichever database the suite runs (SQLite or PostgreSQL — run it with ``DATABASE_URL`` set to
try the second): the same person registered twenty times gives one case, the others 409 (or,
outside the registrar's scope, one flagged duplicate); twenty people registered at once get
twenty consecutive case numbers; one referral asked for twenty times is created once.

The races of the services' records (the last beds of a shelter, one open stay, one return plan
in force) are in ``tests/services/test_races.py``, with the same :func:`race`.
"""

from __future__ import annotations

import datetime
import json
import threading

import pytest
from django.db import connection
from django.db.transaction import TransactionManagementError
from django.urls import reverse
from rest_framework.test import APIClient

from registry.locks import lock_keys
from tests.victims.conftest import RESCUE, person
from tests.victims.test_api_matrix import register_case
from victims import operations
from victims.choices import ConsentGiver, Service
from victims.models import Case, Referral, Victim

THREADS = 20


def race(requests) -> list[tuple[int, str | None]]:
    """Send each ``(user, method, url, body)`` from its own thread and connection, all released
    together by a barrier; the ``(status, error code)`` of each answer, in order."""
    barrier = threading.Barrier(len(requests))
    answers: list[tuple[int, str | None] | None] = [None] * len(requests)

    def send(index, user, method, url, body):
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait()
            response = getattr(client, method)(url, body, format="json")
            code = response.json().get("code") if response.status_code >= 400 else None
            answers[index] = (response.status_code, code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(index, *request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _registration(seed: int, **victim) -> dict:
    return json.loads(json.dumps({"victim": person(seed, **victim), "rescue": RESCUE}, default=str))


@pytest.mark.django_db(transaction=True)
def test_twenty_registrations_of_one_person_in_scope_make_one_case_and_nineteen_409(cast):
    body = _registration(40)
    answers = race([(cast.alice, "post", reverse("case-list"), body)] * THREADS)

    assert sorted(answers, key=str) == [(201, None)] + [(409, "duplicate_victim")] * (THREADS - 1)
    assert Case.objects.count() == Victim.objects.count() == 1
    assert not Case.objects.get().possible_duplicate


@pytest.mark.django_db(transaction=True)
def test_twenty_registrations_of_one_name_and_birth_date_make_one_case(cast):
    body = _registration(41, document_type="none", id_number=None, birth_date=datetime.date(2010, 3, 4))
    answers = race([(cast.alice, "post", reverse("case-list"), body)] * THREADS)

    assert sorted(answers, key=str) == [(201, None)] + [(409, "duplicate_victim")] * (THREADS - 1)
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_person_registered_at_once_in_two_cities_gives_one_case_each_and_the_later_flagged(cast):
    """Alice (Fuzhou) and Carol (Xiamen) do not see each other's cases: each registers the
    person once (the rest of her own attempts are 409), and the later of the two cases is
    flagged as a possible duplicate of the earlier — never both, never neither."""
    body = _registration(42)
    answers = race([(member, "post", reverse("case-list"), body) for member in (cast.alice, cast.carol)] * 10)

    assert sorted(answers, key=str) == [(201, None)] * 2 + [(409, "duplicate_victim")] * (THREADS - 2)
    earlier, later = Case.objects.order_by("id")
    assert {earlier.lead_organization_id, later.lead_organization_id} == {
        cast.alice.organization_id,
        cast.carol.organization_id,
    }
    assert (earlier.possible_duplicate, earlier.duplicate_of_id) == (False, None)
    assert (later.possible_duplicate, later.duplicate_of_id) == (True, earlier.pk)


@pytest.mark.django_db(transaction=True)
def test_twenty_people_registered_at_once_get_twenty_consecutive_case_numbers(cast):
    answers = race([(cast.alice, "post", reverse("case-list"), _registration(100 + seed)) for seed in range(THREADS)])

    assert answers == [(201, None)] * THREADS
    numbers = sorted(Case.objects.values_list("number", flat=True))
    prefix = numbers[0].rsplit("-", 1)[0]
    assert numbers == [f"{prefix}-{serial:05d}" for serial in range(1, THREADS + 1)]


@pytest.mark.django_db(transaction=True)
def test_one_referral_asked_for_twenty_times_is_created_once(places, cast):
    case = register_case(places, cast, seed=43)
    operations.record_add(
        actor=cast.alice,
        case=case,
        model="consent",
        data={"service": Service.SCHOOLING, "given_by": ConsentGiver.PERSON, "given_on": RESCUE["rescued_on"]},
    )
    url = reverse("case-referral-list", kwargs={"id": case.uuid})
    body = {"service": "schooling", "to_organization": str(places.fz_education.uuid)}
    answers = race([(cast.alice, "post", url, body)] * THREADS)

    assert sorted(answers, key=str) == [(201, None)] + [(409, "duplicate_referral")] * (THREADS - 1)
    assert Referral.objects.filter(case=case).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_value_lock_outside_a_transaction_is_refused_not_silently_dropped():
    """Outside a transaction the lock would end at once: a caller's mistake, said loudly."""
    with pytest.raises(TransactionManagementError):
        lock_keys("victims.person", "digest")
