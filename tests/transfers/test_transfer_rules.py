"""Rules a transfer keeps beyond its request and answer: nobody accepts their own request, a bed
held at the sending shelter is given up first, the receiver's inbox item names the case by its
number only, and an answered item opens nothing; the accept page decides nothing without the
version the receiver read."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from inbox.choices import NotificationKind
from inbox.models import Notification
from inbox.openers import target_url
from registry.choices import Department, OrganizationKind
from registry.errors import Conflict, PermissionDenied
from services import operations as services
from tests.factories import OrganizationFactory
from tests.services.conftest import admit, make_case  # noqa: F401 (fixtures)
from tests.transfers.test_transfer_operations import request_transfer
from tests.victims.test_api_matrix import referred_case, register_case
from transfers import operations
from transfers.choices import TransferStatus
from transfers.models import CaseTransfer

pytestmark = pytest.mark.django_db


def test_who_requested_a_transfer_does_not_accept_it(places, cast):
    home = OrganizationFactory(
        name="福州市儿童福利院", department=Department.CIVIL_AFFAIRS, kind=OrganizationKind.CHILDREN_WELFARE,
        jurisdiction=places.fuzhou, capacity=20,
    )  # fmt: skip
    transfer = request_transfer(places, cast, actor=cast.dave, to=home)  # Dave oversees both ends
    with pytest.raises(PermissionDenied) as refused:
        operations.transfer_accept(actor=cast.dave, transfer=transfer)
    assert refused.value.code == "four_eyes"
    assert CaseTransfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING


def test_a_bed_at_the_sending_shelter_is_given_up_before_acceptance(places, cast, admit):  # noqa: F811
    case = register_case(places, cast)
    placement = admit(case)
    transfer = request_transfer(places, cast, case)
    with pytest.raises(Conflict) as refused:
        operations.transfer_accept(actor=cast.carol, transfer=transfer)
    assert refused.value.code == "placement_open"
    services.placement_discharge(actor=cast.alice, placement=placement, expected_version=placement.version)
    accepted = operations.transfer_accept(actor=cast.carol, transfer=transfer)
    assert accepted.status == TransferStatus.ACCEPTED


def test_the_receivers_item_names_the_case_by_its_number_only_and_opens_nothing_once_answered(places, cast):
    transfer = request_transfer(places, cast)
    item = Notification.objects.get(recipient=cast.carol, kind=NotificationKind.TRANSFER_TO_ANSWER)
    assert (item.case_uuid, item.case_number) == (None, transfer.case.number)
    assert target_url(cast.carol, item) == reverse("transfers:detail", args=[transfer.uuid])
    listed = Client()
    listed.force_login(cast.carol)
    [shown] = listed.get(reverse("notification-list")).json()["results"]
    assert shown["case_id"] is None and shown["case_number"] == transfer.case.number
    operations.transfer_withdraw(actor=cast.alice, transfer=transfer, comment="重复申请（虚构）")
    assert target_url(cast.carol, item) is None


@pytest.mark.parametrize("posted", [{}, {"version": "abc"}])
def test_the_accept_page_decides_nothing_without_the_version_read(places, cast, posted):
    transfer = request_transfer(places, cast)
    client = Client()
    client.force_login(cast.carol)
    answer = client.post(reverse("transfers:accept", args=[transfer.uuid]), posted)
    assert answer.status_code == 302 and answer["Location"] == reverse("transfers:detail", args=[transfer.uuid])
    assert CaseTransfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING


def test_the_sending_citys_departments_keep_the_case_through_their_referrals(places, cast, api_client_for):
    case = referred_case(places, cast)  # referred to Bob's, Erin's and Frank's organizations, accepted
    transfer = request_transfer(places, cast, case)
    operations.transfer_accept(actor=cast.carol, transfer=transfer)
    for member, status in (("alice", 404), ("dave", 404), ("bob", 200), ("erin", 200), ("frank", 200)):
        answer = api_client_for(getattr(cast, member)).get(reverse("case-detail", kwargs={"id": case.uuid}))
        assert answer.status_code == status, member
