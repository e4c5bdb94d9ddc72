"""E-mail about the inbox (``inbox.mail``): at once only to who chose it, a daily digest once a
day, nobody without an address, nothing when no mail is configured, and no personal value —
no name, identity number or case number — in any message (the canary)."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail as outbox
from django.utils import translation

from inbox import mail
from inbox.choices import NotificationKind
from inbox.models import Notification
from inbox.notify import notify
from inbox.reminders import send_reminders
from registry.choices import EmailNotice
from tests.inbox.reminder_fixtures import TODAY, days, new_case, referral, visit

pytestmark = pytest.mark.django_db


def choose(user, notice, email="someone@example.org"):
    user.email_notice, user.email = notice, email
    user.save(update_fields=["email_notice", "email"])


def items(user, count, case=None):
    for _ in range(count):
        notify(NotificationKind.REFERRAL_RECEIVED, [user], case=case)


def test_an_item_written_by_an_operation_is_mailed_at_once_to_who_chose_it(
    cast, places, django_capture_on_commit_callbacks
):
    choose(cast.alice, EmailNotice.IMMEDIATE, "alice@example.org")
    choose(cast.bob, EmailNotice.DAILY, "bob@example.org")
    choose(cast.erin, EmailNotice.NONE, "erin@example.org")
    choose(cast.frank, EmailNotice.IMMEDIATE, "")
    with django_capture_on_commit_callbacks(execute=True):
        notify(NotificationKind.REFERRAL_RECEIVED, [cast.alice, cast.bob, cast.erin, cast.frank])
    assert [message.to for message in outbox.outbox] == [["alice@example.org"]]
    assert "1" in outbox.outbox[0].body and "http://127.0.0.1:8000/inbox/" in outbox.outbox[0].body
    assert Notification.objects.get(recipient=cast.alice).emailed_at is not None
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        items(cast.alice, 2)
    assert len(outbox.outbox) == 2 and "2" in outbox.outbox[1].body  # the new items only


def test_a_read_item_is_not_counted(cast):
    choose(cast.alice, EmailNotice.IMMEDIATE)
    items(cast.alice, 3)
    Notification.objects.filter(pk=Notification.objects.first().pk).update(
        read_at=Notification.objects.first().created_at
    )
    assert mail.send_immediate([cast.alice.pk]) == 1
    assert "2" in outbox.outbox[0].body


def test_the_daily_digest_goes_once_a_day_to_those_who_chose_it(cast):
    choose(cast.bob, EmailNotice.DAILY, "bob@example.org")
    choose(cast.alice, EmailNotice.IMMEDIATE, "alice@example.org")
    items(cast.bob, 3)
    items(cast.alice, 1)
    assert mail.send_digests(TODAY) == 1
    assert outbox.outbox[0].to == ["bob@example.org"] and "3" in outbox.outbox[0].body
    items(cast.bob, 1)
    assert mail.send_digests(TODAY) == 0  # one digest a day
    assert mail.send_digests(days(1)) == 1 and "1" in outbox.outbox[1].body
    assert mail.send_digests(days(2)) == 0  # nothing new


def test_nothing_is_sent_or_marked_without_a_mail_server(cast, settings):
    settings.EMAIL_BACKEND = mail.DUMMY_BACKEND
    choose(cast.alice, EmailNotice.IMMEDIATE)
    items(cast.alice, 1)
    assert mail.send_immediate([cast.alice.pk]) == 0
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()


def test_a_failed_message_leaves_its_items_for_the_next_one(cast, monkeypatch, caplog):
    choose(cast.alice, EmailNotice.IMMEDIATE, "alice@example.org")
    items(cast.alice, 2)

    def refuse(self):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert mail.send_immediate([cast.alice.pk]) == 0
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()
    assert "alice@example.org" not in caplog.text
    monkeypatch.undo()
    assert mail.send_immediate([cast.alice.pk]) == 1 and "2" in outbox.outbox[0].body


def test_no_message_carries_a_value_of_the_canary(cast, places, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    name = "金丝雀梅"
    case = new_case(cast, places, seed=91, age=10, full_name=name)
    number = case.victim.id_number
    choose(cast.alice, EmailNotice.IMMEDIATE, "alice@example.org")
    choose(cast.bob, EmailNotice.DAILY, "bob@example.org")
    choose(cast.dave, EmailNotice.IMMEDIATE, "dave@example.org")
    visit(case, TODAY)
    referral(case, cast, places.fz_education, age_days=8)
    referral(case, cast, places.fz_legal_aid, age_days=9, status="awaiting_approval")
    items(cast.dave, 1, case=case)
    send_reminders(day=TODAY)
    with translation.override("zh-hans"):
        subject_in_chinese = translation.gettext("New items in your registry inbox")
    assert {message.to[0] for message in outbox.outbox} == {"alice@example.org", "bob@example.org", "dave@example.org"}
    for message in outbox.outbox:
        text = message.subject + message.body + str(message.to)
        for value in (name, number, case.number, str(case.uuid), case.victim.phone):
            assert value not in text
        assert message.subject == subject_in_chinese  # the deployment's language
