"""Two updates based on the same version: exactly one wins, the other gets 412, nothing is lost."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from tests.registry.test_api_base import sample_case
from tests.scaffold.models import SampleCase


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_with_one_version_never_lose_an_update(places, cast):
    case = sample_case(places, cast)
    url = reverse("sample-detail", kwargs={"id": case.uuid})
    barrier = threading.Barrier(2)
    statuses = {}

    def update(name):
        client = APIClient()
        client.force_authenticate(cast.alice)
        barrier.wait()
        try:
            statuses[name] = client.patch(url, {"name": name}, format="json", headers={"If-Match": '"1"'}).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=update, args=(name,)) for name in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses.values()) == [200, 412]
    winner = next(name for name, status in statuses.items() if status == 200)
    stored = SampleCase.objects.get(pk=case.pk)
    assert (stored.name, stored.version) == (winner, 2)
    assert stored.history.count() == 2  # the registration and the one accepted update
