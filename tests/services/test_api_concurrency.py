"""Races over the API, on whichever database the suite runs (SQLite or PostgreSQL): two
caseworkers admit two people to a shelter's last bed at the same moment; two officers send the
same version of a return plan."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from services.models import ReturnPlan, ShelterPlacement
from services.selectors import shelter_occupancy
from tests.factories import UserFactory
from tests.victims.test_api_matrix import if_match


def race(requests):
    """Send each ``(user, method, url, body, headers)`` from its own thread, all released
    together; the status of each, in order."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def send(index, user, method, url, body, headers):
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            statuses[index] = getattr(client, method)(url, body, format="json", headers=headers).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(index, *request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_one_bed_exactly_one_admission(make_case, admit, shelter, cast, places):
    beds = shelter(capacity=3)
    admit(make_case(), shelter=beds)
    admit(make_case(), shelter=beds)
    colleague = UserFactory(username="amy", role=cast.alice.role, organization=places.fz_shelter,
                            jurisdiction=places.fuzhou)  # fmt: skip
    first, second = make_case(), make_case()
    body = {"shelter": str(beds.uuid)}
    statuses = race([
        (cast.alice, "post", reverse("case-placement-list", kwargs={"id": first.uuid}), body, {}),
        (colleague, "post", reverse("case-placement-list", kwargs={"id": second.uuid}), body, {}),
    ])  # fmt: skip
    assert sorted(statuses) == [201, 409]
    assert ShelterPlacement.objects.filter(shelter=beds, discharged_on__isnull=True).count() == 3
    (row,) = [row for row in shelter_occupancy(cast.alice) if row["id"] == str(beds.uuid)]
    assert row["occupied"] == row["capacity"] == 3


@pytest.mark.django_db(transaction=True)
def test_two_approvals_of_one_version_approve_once(make_case, plan, cast, dora):
    created = plan(make_case())
    path = reverse("case-return-plan-approve", kwargs={"id": created.case.uuid, "record_id": created.uuid})
    statuses = race([(cast.dave, "post", path, {}, if_match(1)), (dora, "post", path, {}, if_match(1))])
    assert sorted(statuses) == [200, 412]
    stored = ReturnPlan.objects.get(pk=created.pk)
    assert (stored.status, stored.version, stored.history.count()) == ("approved", 2, 2)
