"""The transfers' pages: the request from the case header, the pending banner and withdrawal,
the receiver's summary with accept and decline, the list, the case file's tab and the dashboard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.decisions import MARKER
from tests.transfers.test_transfer_operations import COMMENT, request_transfer
from tests.victims.test_api_matrix import register_case
from transfers.choices import TransferStatus
from transfers.models import CaseTransfer
from victims.models import Case

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_caseworker_requests_a_transfer_from_the_case_file(client, places, cast):
    case = register_case(places, cast)
    client.force_login(cast.alice)
    assert reverse("transfers:request", args=[case.uuid]) in page(client.get(reverse("victims:case", args=[case.uuid])))

    form = page(client.get(reverse("transfers:request", args=[case.uuid])))
    assert str(places.xm_shelter.uuid) in form
    assert str(places.fz_shelter.uuid) not in form and str(places.xm_civil_affairs.uuid) not in form  # not eligible
    response = client.post(
        reverse("transfers:request", args=[case.uuid]),
        {"version": case.version, "to_organization": places.xm_shelter.uuid, "reason": "nearer_home",
         "sections_first": ["health"], "comment": COMMENT},
    )  # fmt: skip

    assert response.status_code == 302
    transfer = CaseTransfer.objects.get()
    assert (transfer.to_organization, transfer.sections_first) == (places.xm_shelter, ["health"])
    banner = page(client.get(reverse("victims:case", args=[case.uuid])))
    assert 'id="transfer-pending"' in banner and places.xm_shelter.name in banner
    tab = page(client.get(reverse("victims:case", args=[case.uuid]) + "?tab=transfers")).split('id="tab-transfers"')[1]
    assert places.xm_shelter.name in tab and str(cast.alice.uuid) not in tab  # names, never ids


def test_a_stale_request_form_says_so_on_the_form(client, places, cast):
    case = register_case(places, cast)
    client.force_login(cast.alice)
    response = client.post(
        reverse("transfers:request", args=[case.uuid]),
        {"version": case.version + 1, "to_organization": places.xm_shelter.uuid, "reason": "capacity"},
    )
    assert 'id="form-errors"' in page(response)
    assert not CaseTransfer.objects.exists()


def test_the_sender_withdraws_after_a_confirmation(client, places, cast):
    transfer = request_transfer(places, cast)
    client.force_login(cast.alice)
    url = reverse("transfers:withdraw", args=[transfer.uuid])
    assert 'id="decision-withdraw"' in page(client.get(url))
    assert client.post(url, {MARKER: "1", "version": transfer.version}).status_code == 400  # no reason given
    assert CaseTransfer.objects.get().status == TransferStatus.PENDING
    response = client.post(url, {MARKER: "1", "version": transfer.version, "comment": "重复申请（虚构）"})
    assert response.status_code == 302 and response.url == reverse("transfers:list")
    withdrawn = CaseTransfer.objects.get()
    assert (withdrawn.status, withdrawn.decision_comment) == (TransferStatus.WITHDRAWN, "重复申请（虚构）")


def test_the_receiver_declines_with_a_reason_or_accepts_and_lands_on_the_case(client, places, cast):
    transfer = request_transfer(places, cast)
    client.force_login(cast.carol)
    detail = page(client.get(reverse("transfers:detail", args=[transfer.uuid])))
    assert 'id="accept-form"' in detail and 'id="decline-form"' in detail

    refused = client.post(
        reverse("transfers:decline", args=[transfer.uuid]), {"decline-version": 1, "decline-comment": ""}
    )
    assert 'id="form-errors"' in page(refused)
    response = client.post(reverse("transfers:accept", args=[transfer.uuid]), {"version": transfer.version})

    assert response.status_code == 302 and response.url == reverse("victims:case", args=[transfer.case.uuid])
    assert Case.objects.get(pk=transfer.case_id).lead_organization == places.xm_shelter
    client.force_login(cast.alice)
    assert client.get(reverse("transfers:detail", args=[transfer.uuid])).status_code == 404


def test_the_list_and_the_dashboard_show_what_awaits_the_receiver(client, places, cast):
    transfer = request_transfer(places, cast)
    client.force_login(cast.xavier)
    assert reverse("transfers:detail", args=[transfer.uuid]) in page(client.get(reverse("transfers:list")))
    dashboard = page(client.get(reverse("dashboard")))
    assert 'id="incoming-transfers-count">1<' in dashboard
    client.force_login(cast.alice)
    outgoing = page(client.get(reverse("transfers:list") + "?direction=outgoing"))
    assert transfer.case.number in outgoing


def test_roles_without_transfers_are_refused_the_list(client, cast):
    client.force_login(cast.bob)
    assert client.get(reverse("transfers:list")).status_code == 403
