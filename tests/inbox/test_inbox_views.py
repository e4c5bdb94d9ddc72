"""The inbox's pages: the header's counter, the list (newest first, unread marked, by kind, no
name), opening an item (own only; scope re-checked: a case out of reach opens a 404 page), mark
all read, and the e-mail preference. Every kind has an opener."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from inbox.choices import NotificationKind
from inbox.models import Notification
from inbox.notify import notify
from inbox.openers import OPENERS
from inbox.selectors import sentence
from registry.choices import EmailNotice
from registry.history import recorded_change
from registry.models import AuditAction, AuditEvent
from tests.care.test_plan_views import zh
from tests.victims.test_api_matrix import register_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages():
    def signed_in(user):
        client = Client()
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def case(places, cast):
    return register_case(places, cast, seed=71)


def page(response) -> str:
    assert response.status_code == 200
    return unescape(response.content.decode())


def item_of(user, kind=NotificationKind.FOLLOW_UP_DUE, case=None, **fields) -> Notification:
    notify(kind, [user], case=case, **fields)
    return Notification.objects.filter(recipient=user).first()


def test_every_kind_has_an_opener():
    assert set(OPENERS) == set(NotificationKind)


def test_the_header_counts_the_unread_items_on_every_page(cast, case, pages):
    item_of(cast.alice, case=case)
    item_of(cast.alice, NotificationKind.CARE_PLAN_REVIEW_DUE, case=case)
    body = page(pages(cast.alice).get(reverse("dashboard")))
    assert 'id="inbox-count">2<' in body and zh("unread") in body
    assert 'id="inbox-count">0<' in page(pages(cast.carol).get(reverse("victims:list")))
    assert "inbox-count" not in Client().get(reverse("login")).content.decode()


def test_the_list_tells_each_item_newest_first_by_case_number_and_due_day_never_a_name(cast, case, pages):
    old = item_of(cast.alice, case=case, due_on=datetime.date(2026, 12, 5))
    new = item_of(cast.alice, NotificationKind.REFERRAL_RECEIVED, case=case)
    body = page(pages(cast.alice).get(reverse("inbox:list")))
    assert body.index(f'id="item-{new.uuid}"') < body.index(f'id="item-{old.uuid}"')
    with translation.override("zh-hans"):
        assert sentence(old) in body and sentence(new) in body
    assert case.number in body and "2026-12-05" in body
    assert case.victim.full_name not in body
    assert body.count(zh("Unread")) >= 2


def test_the_list_filters_by_kind_and_shows_only_ones_own(cast, case, pages):
    mine = item_of(cast.alice, case=case)
    review = item_of(cast.alice, NotificationKind.CARE_PLAN_REVIEW_DUE, case=case)
    theirs = item_of(cast.carol, case=case)
    body = page(pages(cast.alice).get(reverse("inbox:list"), {"kind": NotificationKind.CARE_PLAN_REVIEW_DUE}))
    assert f"item-{review.uuid}" in body and f"item-{mine.uuid}" not in body
    assert f"item-{theirs.uuid}" not in page(pages(cast.alice).get(reverse("inbox:list")))


def test_opening_marks_read_and_leads_to_the_cases_tab(cast, case, pages):
    item = item_of(cast.alice, NotificationKind.REFERRAL_RECEIVED, case=case)
    response = pages(cast.alice).get(reverse("inbox:open", args=[item.uuid]))
    assert response.status_code == 302
    assert response["Location"] == reverse("victims:case", args=[case.uuid]) + "?tab=referrals"
    item.refresh_from_db()
    assert item.read_at is not None


def test_another_users_item_is_not_found(cast, case, pages):
    item = item_of(cast.carol, case=case)
    assert pages(cast.alice).get(reverse("inbox:open", args=[item.uuid])).status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


def test_an_item_about_a_case_moved_out_of_reach_opens_nothing(cast, case, pages, places):
    item = item_of(cast.alice, NotificationKind.FOLLOW_UP_DUE, case=case)
    # The case moves to Xiamen's relief station (as an accepted transfer leaves it).
    case.lead_organization, case.jurisdiction = places.xm_shelter, places.xiamen
    with recorded_change(actor=cast.xavier, reason="transferred to another organization"):
        case.save()
        case.assigned_caseworkers.clear()
    response = pages(cast.alice).get(reverse("inbox:open", args=[item.uuid]))
    assert response.status_code == 404
    body = unescape(response.content.decode())
    assert zh("No longer in your reach") in body and case.number in body
    item.refresh_from_db()
    assert item.read_at is not None  # read all the same
    refusal = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).last()
    assert refusal.case_uuid == case.uuid


def test_a_shelter_item_opens_the_occupancy_page_within_reach_only(cast, places, pages):
    item = item_of(cast.dave, NotificationKind.SHELTER_NEARLY_FULL, organization=places.fz_shelter)
    response = pages(cast.dave).get(reverse("inbox:open", args=[item.uuid]))
    assert response["Location"] == reverse("services:occupancy")
    far = item_of(cast.xavier, NotificationKind.SHELTER_NEARLY_FULL, organization=places.fz_shelter)
    assert pages(cast.xavier).post(reverse("inbox:open", args=[far.uuid])).status_code == 404


def test_mark_all_read_reads_only_ones_own(cast, case, pages):
    item_of(cast.alice, case=case)
    item_of(cast.alice, NotificationKind.CARE_PLAN_REVIEW_DUE, case=case)
    theirs = item_of(cast.carol, case=case)
    client = pages(cast.alice)
    assert client.get(reverse("inbox:read-all")).status_code == 405
    assert client.post(reverse("inbox:read-all")).status_code == 302
    assert not Notification.objects.filter(recipient=cast.alice, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert 'id="inbox-count">0<' in page(client.get(reverse("inbox:list")))


def test_the_email_preference_is_the_holders_choice_and_audited(cast, pages):
    client = pages(cast.bob)
    body = page(client.get(reverse("inbox:settings")))
    assert zh("A daily digest") in body
    assert client.post(reverse("inbox:settings"), {"email_notice": "hourly"}).status_code == 200
    response = client.post(reverse("inbox:settings"), {"email_notice": EmailNotice.DAILY})
    assert response.status_code == 302
    cast.bob.refresh_from_db()
    assert cast.bob.email_notice == EmailNotice.DAILY
    event = AuditEvent.objects.filter(action=AuditAction.USER_UPDATED).last()
    assert event.detail["changed"] == ["email_notice"] and event.detail["email_notice"] == "daily"


def test_the_inbox_needs_a_sign_in(client):
    assert client.get(reverse("inbox:list")).status_code == 302


def test_a_transfer_opens_for_its_receiver_and_its_answer_no_longer_opens_the_moved_case(cast, case, pages, places):
    from transfers import operations as transfers
    from transfers.choices import TransferReason

    transfer = transfers.transfer_request(
        actor=cast.alice, case=case, expected_version=case.version, to_organization=places.xm_shelter,
        reason=TransferReason.NEARER_HOME,
    )  # fmt: skip
    (incoming,) = Notification.objects.filter(recipient=cast.carol, kind=NotificationKind.TRANSFER_TO_ANSWER)
    response = pages(cast.carol).get(reverse("inbox:open", args=[incoming.uuid]))
    assert response["Location"] == reverse("transfers:detail", args=[transfer.uuid])
    transfers.transfer_accept(actor=cast.carol, transfer=transfer)
    (answer,) = Notification.objects.filter(recipient=cast.alice, kind=NotificationKind.TRANSFER_ANSWERED)
    assert pages(cast.alice).get(reverse("inbox:open", args=[answer.uuid])).status_code == 404  # the case left
    stranger = item_of(cast.bob, NotificationKind.TRANSFER_TO_ANSWER, case=case, subject=transfer)
    assert pages(cast.bob).get(reverse("inbox:open", args=[stranger.uuid])).status_code == 404  # not its receiver
