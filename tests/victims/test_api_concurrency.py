"""Two updates carrying the same version, sent at the same moment: exactly one wins, the other
gets 412, and nothing is lost — on whichever database the suite runs (SQLite or PostgreSQL)."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from tests.victims.test_api_matrix import if_match, register_case
from victims.models import Case, Rescue, Victim


def race(user, method, url, bodies, headers):
    """Send each body from its own thread, all released together; the status of each."""
    barrier = threading.Barrier(len(bodies))
    statuses = {}

    def send(key, body):
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            statuses[key] = getattr(client, method)(url, body, format="json", headers=headers).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(key, body)) for key, body in bodies.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.django_db(transaction=True)
def test_two_section_updates_with_one_version_never_lose_an_update(places, cast):
    case = register_case(places, cast)
    url = reverse("case-section", kwargs={"id": case.uuid, "section": "contacts"})
    statuses = race(cast.alice, "patch", url, {"13700000001": {"phone": "13700000001"},
                                              "13700000002": {"phone": "13700000002"}}, if_match(1))  # fmt: skip

    assert sorted(statuses.values()) == [200, 412]
    winner = next(phone for phone, status in statuses.items() if status == 200)
    assert Victim.objects.get(pk=case.victim_id).phone == winner
    assert Case.objects.get(pk=case.pk).version == 2
    # The registration and the one accepted change; the refused one left no trace.
    assert [row.phone for row in Victim.history.filter(id=case.victim_id).order_by("history_id")] == [
        case.victim.phone,
        winner,
    ]


@pytest.mark.django_db(transaction=True)
def test_two_record_amendments_with_one_version_never_lose_an_update(places, cast):
    case = register_case(places, cast)
    rescue = Rescue.objects.get(case=case)
    url = reverse("case-record-detail", kwargs={"id": case.uuid, "kind": "rescue", "record_id": rescue.uuid})
    statuses = race(cast.alice, "patch", url, {"甲地": {"place": "甲地"}, "乙地": {"place": "乙地"}}, if_match(1))

    assert sorted(statuses.values()) == [200, 412]
    winner = next(place for place, status in statuses.items() if status == 200)
    stored = Rescue.objects.get(pk=rescue.pk)
    assert (stored.place, stored.version, stored.history.count()) == (winner, 2, 2)
