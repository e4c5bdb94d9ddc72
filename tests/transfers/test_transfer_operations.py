"""A transfer between organizations of the province, through its operations: the request's rules,
acceptance moving the case (and the sender losing it), decline and withdrawal changing nothing,
the receivers' audience, the inbox items written in the operation's transaction."""

from __future__ import annotations

from unittest import mock

import pytest
from django.forms.models import model_to_dict

from inbox.choices import NotificationKind
from inbox.models import Notification
from registry.choices import Department, OrganizationKind
from registry.errors import Conflict, NotFound, PermissionDenied, RuleViolation, StaleVersion
from registry.models import AuditEvent
from registry.policy import Section
from tests.factories import OrganizationFactory
from tests.victims.test_api_matrix import referred_case, register_case
from transfers import operations, selectors
from transfers.choices import TransferReason, TransferStatus
from transfers.models import CaseTransfer
from victims.models import Case

pytestmark = pytest.mark.django_db
COMMENT = "王某某的姐姐住在厦门（虚构）"


def request_transfer(places, cast, case=None, *, actor=None, to=None, **overrides) -> CaseTransfer:
    """Alice (or ``actor``) asks the Xiamen shelter to take over ``case`` (a new case of hers)."""
    case = case or register_case(places, cast)
    case.refresh_from_db()
    data = {
        "reason": TransferReason.NEARER_HOME,
        "comment": COMMENT,
        "sections_first": [Section.HEALTH, Section.SHELTER],
        **overrides,
    }
    return operations.transfer_request(
        actor=actor or cast.alice,
        case=case,
        expected_version=case.version,
        to_organization=to or places.xm_shelter,
        **data,
    )


def case_row(case: Case) -> dict:
    row = Case.objects.get(pk=case.pk)
    return {**model_to_dict(row), "assigned_caseworkers": sorted(user.pk for user in row.assigned_caseworkers.all())}


# --- the request ---------------------------------------------------------------------------------


def test_a_request_records_the_transfer_and_tells_the_receivers_without_changing_the_case(places, cast):
    case = register_case(places, cast)
    before = case_row(case)

    transfer = request_transfer(places, cast, case)

    assert (transfer.from_organization, transfer.to_organization) == (places.fz_shelter, places.xm_shelter)
    assert transfer.from_jurisdiction == places.gulou
    assert (transfer.status, transfer.requested_by, transfer.comment) == (TransferStatus.PENDING, cast.alice, COMMENT)
    assert case_row(case) == before  # the case is the sender's, at its version, until acceptance
    told = Notification.objects.filter(kind=NotificationKind.TRANSFER_TO_ANSWER, subject_uuid=transfer.uuid)
    assert {item.recipient for item in told} == {cast.carol, cast.xavier}
    event = AuditEvent.objects.get(action="transfer_requested")
    assert event.detail == {"transfer": str(transfer.uuid), "to_organization": str(places.xm_shelter.uuid)}
    assert transfer.history.get().history_change_reason == "transfer requested"


def test_civil_affairs_of_the_case_may_request_too(places, cast):
    assert request_transfer(places, cast, actor=cast.dave).requested_by == cast.dave


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "because"}, "reason"),
        ({"sections_first": ["diary"]}, "sections_first"),
        ({"comment": "长" * 2001}, "comment"),
    ],
)
def test_a_request_refuses_bad_input_naming_the_field(places, cast, overrides, field):
    with pytest.raises(RuleViolation) as refused:
        request_transfer(places, cast, **overrides)
    assert refused.value.field == field
    assert not CaseTransfer.objects.exists()


@pytest.mark.parametrize(
    "receiver",
    ["lead", "bureau", "inactive", "other_province"],
)
def test_a_request_goes_to_an_active_shelter_of_the_province_other_than_the_lead(places, cast, receiver):
    organization = {
        "lead": places.fz_shelter,
        "bureau": places.xm_civil_affairs,
        "inactive": OrganizationFactory(jurisdiction=places.xiamen, is_active=False),
        "other_province": OrganizationFactory(
            department=Department.CIVIL_AFFAIRS, kind=OrganizationKind.SHELTER, jurisdiction__code="5301"
        ),
    }[receiver]

    with pytest.raises(RuleViolation) as refused:
        request_transfer(places, cast, to=organization)
    assert refused.value.field == "to_organization"


def test_a_second_request_while_one_is_pending_is_a_conflict(places, cast):
    case = register_case(places, cast)
    request_transfer(places, cast, case)

    with pytest.raises(Conflict) as refused:
        request_transfer(places, cast, case, to=OrganizationFactory(jurisdiction=places.xiamen))
    assert refused.value.code == "transfer_pending"


def test_a_closed_case_is_not_transferred(places, cast):
    from tests.victims.conftest import CLOSING
    from victims import operations as case_operations

    case = register_case(places, cast)
    case_operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)

    with pytest.raises(Conflict) as refused:
        request_transfer(places, cast, case)
    assert refused.value.code == "case_closed"


def test_a_stale_case_version_is_refused(places, cast):
    case = register_case(places, cast)
    with pytest.raises(StaleVersion):
        operations.transfer_request(
            actor=cast.alice, case=case, expected_version=case.version + 1, to_organization=places.xm_shelter,
            reason=TransferReason.CAPACITY,
        )  # fmt: skip


@pytest.mark.parametrize(("member", "error"), [("carol", NotFound), ("xavier", NotFound), ("bob", PermissionDenied)])
def test_only_who_sees_the_case_and_may_transfer_requests(places, cast, member, error):
    case = referred_case(places, cast)
    with pytest.raises(error):
        request_transfer(places, cast, case, actor=getattr(cast, member))


# --- the receivers -------------------------------------------------------------------------------


def test_the_receivers_are_the_receiving_shelters_caseworkers_and_civil_affairs_over_it(places, cast):
    transfer = request_transfer(places, cast)

    for member in ("carol", "xavier"):
        assert selectors.transfer_for_receiver(getattr(cast, member), transfer.uuid) == transfer
    for member in ("alice", "dave", "bob", "erin", "frank", "grace", "heidi"):
        with pytest.raises(NotFound):
            selectors.transfer_for_receiver(getattr(cast, member), transfer.uuid)


# --- acceptance ----------------------------------------------------------------------------------


def test_acceptance_moves_the_case_to_the_receiver_in_one_step(places, cast):
    case = register_case(places, cast)
    case.assigned_caseworkers.add(cast.alice)
    transfer = request_transfer(places, cast, case)
    version = Case.objects.get(pk=case.pk).version

    accepted = operations.transfer_accept(actor=cast.carol, transfer=transfer, expected_version=transfer.version)

    case.refresh_from_db()
    assert (case.lead_organization, case.jurisdiction) == (places.xm_shelter, places.xiamen)
    assert not case.assigned_caseworkers.exists()
    assert case.version == version + 1
    assert case.history.first().history_change_reason == "transferred to another organization"
    assert (accepted.status, accepted.decided_by, accepted.version) == (TransferStatus.ACCEPTED, cast.carol, 2)
    assert accepted.decided_at is not None
    assert AuditEvent.objects.get(action="transfer_accepted").case_uuid == case.uuid
    answered = Notification.objects.get(kind=NotificationKind.TRANSFER_ANSWERED)
    assert answered.recipient == cast.alice
    # The sender's side no longer sees the case; the receiver's does.
    for member in ("alice", "dave"):
        assert not Case.objects.visible_to(getattr(cast, member)).filter(pk=case.pk).exists()
    for member in ("carol", "xavier"):
        assert Case.objects.visible_to(getattr(cast, member)).filter(pk=case.pk).exists()


def test_an_answered_transfer_cannot_be_answered_again(places, cast):
    transfer = request_transfer(places, cast)
    operations.transfer_accept(actor=cast.carol, transfer=transfer)

    for answer in (
        lambda: operations.transfer_accept(actor=cast.xavier, transfer=transfer),
        lambda: operations.transfer_decline(actor=cast.xavier, transfer=transfer, comment="没有床位"),
    ):
        with pytest.raises(Conflict) as refused:
            answer()
        assert refused.value.code == "transfer_decided"


def test_only_a_receiver_accepts_and_anyone_else_finds_nothing(places, cast):
    transfer = request_transfer(places, cast)

    for member in ("alice", "dave", "bob", "grace"):
        with pytest.raises(NotFound):
            operations.transfer_accept(actor=getattr(cast, member), transfer=transfer)
    assert CaseTransfer.objects.get().status == TransferStatus.PENDING


def test_a_stale_transfer_version_is_refused(places, cast):
    transfer = request_transfer(places, cast)
    with pytest.raises(StaleVersion):
        operations.transfer_accept(actor=cast.carol, transfer=transfer, expected_version=transfer.version + 1)


# --- decline and withdrawal ----------------------------------------------------------------------


def test_a_declined_transfer_changes_nothing_of_the_case(places, cast):
    case = register_case(places, cast)
    transfer = request_transfer(places, cast, case)
    before = case_row(case)

    declined = operations.transfer_decline(actor=cast.xavier, transfer=transfer, comment="本站暂无床位")

    assert case_row(case) == before
    assert (declined.status, declined.decided_by, declined.decision_comment) == (
        TransferStatus.DECLINED,
        cast.xavier,
        "本站暂无床位",
    )
    assert Notification.objects.filter(kind=NotificationKind.TRANSFER_ANSWERED, recipient=cast.alice).count() == 1
    assert "本站暂无床位" not in str(AuditEvent.objects.get(action="transfer_declined").detail)


def test_a_decline_says_why(places, cast):
    transfer = request_transfer(places, cast)
    with pytest.raises(RuleViolation) as refused:
        operations.transfer_decline(actor=cast.carol, transfer=transfer, comment="  ")
    assert refused.value.field == "comment"


def test_a_withdrawn_transfer_changes_nothing_of_the_case_and_cannot_be_accepted(places, cast):
    case = register_case(places, cast)
    transfer = request_transfer(places, cast, case)
    before = case_row(case)

    withdrawn = operations.transfer_withdraw(
        actor=cast.dave, transfer=transfer, comment="重复申请（虚构）", expected_version=transfer.version
    )

    assert case_row(case) == before
    assert withdrawn.status == TransferStatus.WITHDRAWN
    assert AuditEvent.objects.filter(action="transfer_withdrawn", case_uuid=case.uuid).exists()
    with pytest.raises(Conflict):
        operations.transfer_accept(actor=cast.carol, transfer=transfer)
    with pytest.raises(Conflict):
        operations.transfer_withdraw(actor=cast.alice, transfer=transfer, comment="重复申请（虚构）")
    # Withdrawn, the case may be transferred again.
    assert request_transfer(places, cast, case).status == TransferStatus.PENDING


@pytest.mark.parametrize(("member", "error"), [("carol", NotFound), ("bob", PermissionDenied)])
def test_only_the_sender_side_withdraws(places, cast, member, error):
    transfer = request_transfer(places, cast, referred_case(places, cast))
    with pytest.raises(error):
        operations.transfer_withdraw(actor=getattr(cast, member), transfer=transfer, comment="重复申请（虚构）")


# --- the inbox items belong to the operation's transaction ------------------------------------------


@pytest.mark.parametrize("step", ["request", "accept", "decline"])
def test_an_operation_rolled_back_leaves_no_inbox_item(places, cast, step):
    transfer = None if step == "request" else request_transfer(places, cast)
    before = Notification.objects.count()
    run = {
        "request": lambda: request_transfer(places, cast),
        "accept": lambda: operations.transfer_accept(actor=cast.carol, transfer=transfer),
        "decline": lambda: operations.transfer_decline(actor=cast.carol, transfer=transfer, comment="没有床位"),
    }[step]

    real = operations.notify

    def notify_then_fail(*args, **kwargs):
        assert real(*args, **kwargs) > 0  # the items are written, inside the operation's transaction
        raise RuntimeError("a failure after the items were written")

    with mock.patch.object(operations, "notify", side_effect=notify_then_fail), pytest.raises(RuntimeError):
        run()
    assert Notification.objects.count() == before
    if transfer is not None:
        assert CaseTransfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING
