"""A receiving organization sees only the consents that cover the service referred to it (issue
13, item 12): a school deciding on a pending referral does not read who consented to legal aid
or on which statutory basis — through the API's case file, its records and history, and the
case file page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.victims.conftest import TODAY
from tests.victims.test_api_matrix import register_case
from victims import operations
from victims.choices import STATUTORY_BASES, ConsentGiver, Service

pytestmark = pytest.mark.django_db

GUARDIAN = "监护人（虚构）甲"
BASIS = STATUTORY_BASES[2]


@pytest.fixture
def case(places, cast):
    """Alice's case with a consent to each service — legal aid on a statutory basis, training
    by a named guardian — and one referral, for schooling, pending at Bob's education bureau."""
    case = register_case(places, cast, seed=701)
    for service, extra in (
        (Service.SCHOOLING, {"given_by": ConsentGiver.PERSON}),
        (Service.LEGAL_AID, {"given_by": ConsentGiver.STATUTORY, "statutory_basis": BASIS}),
        (Service.TRAINING, {"given_by": ConsentGiver.GUARDIAN, "guardian_name": GUARDIAN}),
    ):
        operations.record_add(
            actor=cast.alice, case=case, model="consent", data={"service": service, "given_on": TODAY, **extra}
        )
    operations.referral_create(
        actor=cast.alice, case=case, service=Service.SCHOOLING, to_organization=places.fz_education
    )
    return case


def services_in(consents) -> list[str]:
    return sorted(item["service"] for item in consents)


def test_a_receiver_of_a_pending_referral_sees_only_the_consent_to_its_service(case, cast, api_client_for):
    bob = api_client_for(cast.bob)

    detail = bob.get(reverse("case-detail", kwargs={"id": case.uuid}))
    records = bob.get(reverse("case-record-list", kwargs={"id": case.uuid, "kind": "consent"}))
    history = bob.get(reverse("case-history", kwargs={"id": case.uuid}))

    assert detail.status_code == records.status_code == history.status_code == 200
    assert services_in(detail.json()["consents"]) == services_in(records.json()["results"]) == ["schooling"]
    for answer in (detail, records, history):
        assert GUARDIAN not in answer.content.decode() and BASIS not in answer.content.decode()
    consent_entries = [entry for entry in history.json()["results"] if entry["kind"] == "consent"]
    assert [entry["changes"]["service"] for entry in consent_entries] == ["schooling"]


def test_the_consents_the_receiver_sees_follow_its_referrals(case, places, cast, api_client_for):
    operations.referral_create(actor=cast.alice, case=case, service=Service.TRAINING, to_organization=places.fz_labor)

    frank = api_client_for(cast.frank).get(reverse("case-detail", kwargs={"id": case.uuid})).json()
    alice = api_client_for(cast.alice).get(reverse("case-detail", kwargs={"id": case.uuid})).json()

    assert services_in(frank["consents"]) == ["training"]
    assert services_in(alice["consents"]) == ["legal_aid", "schooling", "training"]  # the case's own see all


def test_the_consents_tab_shows_the_receiver_only_the_consent_to_its_service(case, cast, client):
    client.force_login(cast.bob)

    page = client.get(reverse("victims:case", args=[case.uuid]) + "?tab=consents").content.decode()

    assert 'id="tab-consents"' in page
    assert GUARDIAN not in page and BASIS not in page
    client.force_login(cast.alice)
    own = client.get(reverse("victims:case", args=[case.uuid]) + "?tab=consents").content.decode()
    assert GUARDIAN in own and BASIS in own
