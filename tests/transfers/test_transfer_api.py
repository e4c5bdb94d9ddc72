"""The transfers' API beyond the matrix: what a request refuses (400 naming the field, 409, 412,
428), and two receivers accepting at once — exactly one wins, the other gets 409."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from tests.transfers.test_transfer_operations import request_transfer
from tests.victims.test_api_matrix import if_match, register_case
from transfers.choices import TransferStatus
from transfers.models import CaseTransfer
from victims.models import Case


def post_request(api, case, body, *, version=None):
    headers = if_match(case.version if version is None else version)
    return api.post(reverse("case-transfer-list", kwargs={"id": case.uuid}), body, format="json", headers=headers)


def body_for(places, **overrides):
    return {"to_organization": str(places.xm_shelter.uuid), "reason": "capacity", **overrides}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "whim"}, "reason"),
        ({"to_organization": "00000000-0000-0000-0000-000000000000"}, "to_organization"),
        ({"sections_first": ["diary"]}, "sections_first"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_request_names_the_field_it_refuses(api_client_for, places, cast, overrides, field):
    case = register_case(places, cast)
    response = post_request(api_client_for(cast.alice), case, body_for(places, **overrides))
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {field}
    assert not CaseTransfer.objects.exists()


@pytest.mark.django_db
def test_a_request_to_the_lead_organization_is_refused_on_its_field(api_client_for, places, cast):
    case = register_case(places, cast)
    response = post_request(
        api_client_for(cast.alice), case, body_for(places, to_organization=str(places.fz_shelter.uuid))
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"to_organization"}


@pytest.mark.django_db
def test_a_request_needs_the_cases_version_and_refuses_a_stale_one(api_client_for, places, cast):
    case = register_case(places, cast)
    api = api_client_for(cast.alice)
    url = reverse("case-transfer-list", kwargs={"id": case.uuid})
    assert api.post(url, body_for(places), format="json").status_code == 428
    assert post_request(api, case, body_for(places), version=case.version + 1).status_code == 412
    created = post_request(api, case, body_for(places))
    assert created.status_code == 201
    again = post_request(api, case, body_for(places))
    assert (again.status_code, again.json()["code"]) == (409, "transfer_pending")


@pytest.mark.django_db
def test_a_case_out_of_scope_is_404(api_client_for, places, cast):
    case = register_case(places, cast)
    assert post_request(api_client_for(cast.carol), case, body_for(places)).status_code == 404


@pytest.mark.django_db
def test_a_decline_needs_a_comment(api_client_for, places, cast):
    transfer = request_transfer(places, cast)
    response = api_client_for(cast.carol).post(
        reverse("transfer-decline", kwargs={"id": transfer.uuid}), {}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"comment"}


@pytest.mark.django_db(transaction=True)
def test_two_receivers_accepting_at_once_one_wins_the_other_gets_409(places, cast):
    transfer = request_transfer(places, cast)
    url = reverse("transfer-accept", kwargs={"id": transfer.uuid})
    barrier = threading.Barrier(2)
    statuses = {}

    def accept(member):
        client = APIClient()
        client.force_authenticate(getattr(cast, member))
        barrier.wait()
        try:
            response = client.post(url, {}, format="json", headers=if_match(transfer.version))
            statuses[member] = (response.status_code, response.json().get("code"))
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(member,)) for member in ("carol", "xavier")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(status for status, _code in statuses.values()) == [200, 409]
    assert [code for status, code in statuses.values() if status == 409] == ["transfer_decided"]
    stored = CaseTransfer.objects.get(pk=transfer.pk)
    winner = next(member for member, (status, _code) in statuses.items() if status == 200)
    assert (stored.status, stored.decided_by, stored.version) == (TransferStatus.ACCEPTED, getattr(cast, winner), 2)
    assert (
        Case.objects.get(pk=transfer.case_id)
        .history.filter(history_change_reason="transferred to another organization")
        .count()
        == 1
    )
