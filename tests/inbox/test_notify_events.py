"""The items the operations write, each inside its own transaction: who is told of what, never
the actor, and nothing left behind by an operation that fails after it wrote them."""

from __future__ import annotations

import pytest

from care.plan import operations as care
from inbox.choices import NotificationKind
from inbox.models import Notification
from registry.choices import Role
from services import operations as services
from tests.care.test_plan_operations import plan_body
from tests.factories import UserFactory
from tests.services.conftest import plan_data
from tests.victims.conftest import TODAY
from transfers import operations as transfers
from transfers.choices import TransferReason
from victims import operations
from victims.choices import ConsentGiver, Service

pytestmark = pytest.mark.django_db


def items(kind=None, **filters) -> list[tuple[str, str]]:
    """(recipient, kind) of every item written, sorted."""
    rows = Notification.objects.filter(**filters)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return sorted(rows.values_list("recipient__username", "kind"))


def consent(case, cast, service=Service.SCHOOLING, *, child=False) -> None:
    data = {"service": service, "given_on": TODAY, "given_by": ConsentGiver.PERSON}
    if child:
        data.update(given_by=ConsentGiver.GUARDIAN, guardian_name="监护人（虚构）")
    operations.record_add(actor=cast.alice, case=case, model="consent", data=data)


def refer_to_bob(case, places, cast):
    return operations.referral_create(
        actor=cast.alice, case=case, service=Service.SCHOOLING, to_organization=places.fz_education
    )


# --- referrals ----------------------------------------------------------------------------------


def test_a_referral_tells_the_receiving_departments_staff_only(make_case, places, cast):
    colleague = UserFactory(username="betty", role=Role.EDUCATION, organization=places.fz_education)
    case = make_case(age=30)
    consent(case, cast)
    referral = refer_to_bob(case, places, cast)
    assert items() == [("betty", "referral_received"), ("bob", "referral_received")]
    item = Notification.objects.get(recipient=cast.bob)
    assert (item.case_uuid, item.case_number, item.subject_uuid) == (case.uuid, case.number, referral.uuid)
    assert colleague.notifications.count() == 1


def test_a_childs_referral_goes_to_civil_affairs_first_and_to_the_receiver_once_approved(make_case, places, cast):
    case = make_case(age=10)
    consent(case, cast, child=True)
    referral = refer_to_bob(case, places, cast)
    assert items() == [("dave", "child_referral_to_approve")]  # not Xavier (Xiamen), not Bob yet
    operations.referral_approve(actor=cast.dave, referral=referral)
    assert items(NotificationKind.REFERRAL_RECEIVED) == [("bob", "referral_received")]
    assert not Notification.objects.filter(recipient=cast.dave, kind=NotificationKind.REFERRAL_RECEIVED).exists()


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_an_answer_to_a_referral_tells_its_creator(make_case, refer, cast, decision):
    referral = refer(make_case(age=30), status="pending")
    operations.referral_respond(actor=cast.bob, referral=referral, decision=decision)
    assert items(NotificationKind.REFERRAL_ANSWERED) == [("alice", "referral_answered")]
    if decision == "accept":  # completing it is no answer to the request
        operations.referral_respond(actor=cast.bob, referral=referral, decision="complete")
        assert len(items(NotificationKind.REFERRAL_ANSWERED)) == 1


# --- approvals ----------------------------------------------------------------------------------


def test_a_return_plan_awaiting_approval_tells_civil_affairs_over_the_case(make_case, plan, cast, places):
    created = plan(make_case(age=30))
    assert items(NotificationKind.RETURN_PLAN_TO_APPROVE) == [("dave", "return_plan_to_approve")]
    assert Notification.objects.get(recipient=cast.dave).subject_uuid == created.uuid
    approved = services.return_plan_approve(actor=cast.dave, plan=created, expected_version=created.version)
    services.return_plan_amend(actor=cast.alice, plan=approved, expected_version=approved.version, changes={})
    assert len(items(NotificationKind.RETURN_PLAN_TO_APPROVE)) == 2  # the approval withdrawn: again


def test_civil_affairs_writing_a_plan_is_not_told_of_it_but_a_colleague_is(make_case, plan, cast, places):
    UserFactory(username="dora", role=Role.CIVIL_AFFAIRS, organization=places.fz_civil_affairs)
    plan(make_case(age=30), actor=cast.dave)
    assert items() == [("dora", "return_plan_to_approve")]


def test_a_childs_care_plan_and_its_review_await_approval_an_adults_does_not(make_case, cast):
    care.care_plan_create(actor=cast.alice, case=make_case(age=30), data=plan_body())
    assert items() == []
    child_plan = care.care_plan_create(actor=cast.alice, case=make_case(age=10), data=plan_body())
    assert items() == [("dave", "care_plan_to_approve")]
    care.review_create(actor=cast.alice, plan=child_plan, data={"reviewed_on": TODAY, "summary": "复核（虚构）"})
    assert items() == [("dave", "care_plan_to_approve")] * 2


def test_an_item_to_approve_is_written_once_while_unread_and_settled_by_the_approval(make_case, cast, places):
    dora = UserFactory(username="dora", role=Role.CIVIL_AFFAIRS, organization=places.fz_civil_affairs)
    child_plan = care.care_plan_create(actor=cast.alice, case=make_case(age=10), data=plan_body())
    for _ in range(2):  # amended twice before anyone approved: still one item each
        child_plan = care.care_plan_update(
            actor=cast.alice, plan=child_plan, expected_version=child_plan.version, changes={"summary": "补充（虚构）"}
        )
    assert items() == [("dave", "care_plan_to_approve"), ("dora", "care_plan_to_approve")]
    care.care_plan_approve(actor=cast.dave, plan=child_plan, expected_version=child_plan.version)
    # Dave decided: Dora's item is settled too, nobody is left asked to approve it.
    assert not Notification.objects.filter(read_at=None).exists()
    assert dora.notifications.get().read_at is not None


def test_a_childs_referral_approved_settles_every_officers_item(make_case, places, cast):
    UserFactory(username="dora", role=Role.CIVIL_AFFAIRS, organization=places.fz_civil_affairs)
    case = make_case(age=10)
    consent(case, cast, child=True)
    referral = refer_to_bob(case, places, cast)
    operations.referral_approve(actor=cast.dave, referral=referral)
    unread = Notification.objects.filter(read_at=None)
    assert sorted(unread.values_list("recipient__username", "kind")) == [("bob", "referral_received")]
    operations.referral_respond(actor=cast.bob, referral=referral, decision="accept")
    assert sorted(Notification.objects.filter(read_at=None).values_list("recipient__username", "kind")) == [
        ("alice", "referral_answered")
    ]


# --- a shelter nearly full ----------------------------------------------------------------------


def test_a_shelter_at_90_percent_tells_its_caseworkers_and_civil_affairs_once_a_day(
    make_case,
    admit,
    shelter,
    places,
    cast,
):
    small = shelter(capacity=3)
    UserFactory(username="sally", role=Role.CASEWORKER, organization=small)
    admit(make_case(), small)  # 1 of 3: room
    assert items() == []
    admit(make_case(), small)  # 2 of 3: one bed left
    assert items() == [("dave", "shelter_nearly_full"), ("sally", "shelter_nearly_full")]
    admit(make_case(), small)  # full, the same day: told once
    assert len(items()) == 2
    item = Notification.objects.get(recipient__username="sally")
    assert item.organization == small and item.case_uuid is None


# --- inside the operation's transaction ---------------------------------------------------------


def _refuse(*args, **kwargs):
    raise RuntimeError("the audit log refuses the event")


def test_a_referral_rolled_back_after_notifying_leaves_no_item(make_case, places, cast, monkeypatch):
    case = make_case(age=30)
    consent(case, cast)
    monkeypatch.setattr("victims.operations.referrals.record_event", _refuse)
    with pytest.raises(RuntimeError):
        refer_to_bob(case, places, cast)
    assert not Notification.objects.exists()


def test_a_return_plan_rolled_back_after_notifying_leaves_no_item(make_case, cast, monkeypatch):
    case = make_case(age=30)
    monkeypatch.setattr("services.operations.common.record_event", _refuse)
    with pytest.raises(RuntimeError):
        services.return_plan_create(actor=cast.alice, case=case, data=plan_data())
    assert not Notification.objects.exists()


def test_an_admission_rolled_back_after_notifying_leaves_no_item(make_case, admit, shelter, cast, monkeypatch):
    small = shelter(capacity=1)
    case = make_case()
    monkeypatch.setattr("services.operations.common.record_event", _refuse)
    with pytest.raises(RuntimeError):
        admit(case, small)
    assert not Notification.objects.exists()


def test_a_care_plan_rolled_back_after_notifying_leaves_no_item(make_case, cast, monkeypatch):
    case = make_case(age=10)
    monkeypatch.setattr("services.operations.common.record_event", _refuse)
    with pytest.raises(RuntimeError):
        care.care_plan_create(actor=cast.alice, case=case, data=plan_body())
    assert not Notification.objects.exists()


# --- transfers ----------------------------------------------------------------------------------


def test_a_transfer_asks_every_receiver_and_one_answer_settles_it(make_case, places, cast):
    case = make_case(age=30)
    transfer = transfers.transfer_request(
        actor=cast.alice, case=case, expected_version=case.version, to_organization=places.xm_shelter,
        reason=TransferReason.NEARER_HOME,
    )  # fmt: skip
    assert items() == [("carol", "transfer_to_answer"), ("xavier", "transfer_to_answer")]
    transfers.transfer_accept(actor=cast.carol, transfer=transfer)
    unread = Notification.objects.filter(read_at=None)
    assert sorted(unread.values_list("recipient__username", "kind")) == [("alice", "transfer_answered")]
