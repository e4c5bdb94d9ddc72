"""E-mail about the inbox: a message at once to those who chose it (:func:`send_immediate`,
called when the transaction that wrote their items commits) and a daily digest
(:func:`send_digests`, sent by the daily reminders run).

Guarantees: a message names no person, no case, no kind of item — only how many new items wait
and the link to the inbox (``REGISTRY_PUBLIC_URL``), in the deployment's language
(``LANGUAGE_CODE``); it goes only to an active account that chose that kind of e-mail and has an
address; an item is counted in at most one message (it is claimed, ``emailed_at``, before the
message is sent, and released if sending fails, so a failure is retried by the next message);
a daily account gets at most one digest a day; nothing is sent or marked when the deployment
configured no mail (the dummy backend). A failure to send is logged without the address and
never fails the caller. Each call costs three queries and one message per account.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from inbox.models import Notification
from registry.choices import EmailNotice

log = logging.getLogger(__name__)
DUMMY_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
INBOX_PATH = "/inbox/"


def send_immediate(user_ids: Iterable[int]) -> int:
    """One message to each of ``user_ids`` who chose e-mail at once, counting their new items;
    returns the number of messages sent."""
    accounts = get_user_model().objects.filter(pk__in=list(user_ids), email_notice=EmailNotice.IMMEDIATE)
    return _send(accounts)


def send_digests(day: datetime.date) -> int:
    """The digest of ``day`` to each account that chose a daily one and has new items, unless it
    had one that day; returns the number of messages sent."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    mailed_that_day = Notification.objects.filter(
        recipient=OuterRef("pk"), emailed_at__gte=start, emailed_at__lt=start + datetime.timedelta(days=1)
    )
    accounts = get_user_model().objects.filter(email_notice=EmailNotice.DAILY).exclude(Exists(mailed_that_day))
    return _send(accounts)


def _send(accounts: QuerySet) -> int:
    if settings.EMAIL_BACKEND == DUMMY_BACKEND:
        return 0
    addresses = dict(accounts.filter(is_active=True).exclude(email="").values_list("pk", "email"))
    if not addresses:
        return 0
    claimed_at = timezone.now()
    new = Notification.objects.filter(recipient_id__in=addresses, read_at__isnull=True, emailed_at__isnull=True)
    if not new.update(emailed_at=claimed_at):
        return 0
    counts = (
        Notification.objects.filter(recipient_id__in=addresses, emailed_at=claimed_at)
        .values_list("recipient_id")
        .annotate(count=Count("id"))
    )
    pending = list(counts)
    sent: set[int] = set()
    try:
        with translation.override(settings.LANGUAGE_CODE), get_connection() as connection:
            for user_id, count in pending:
                try:
                    _message(addresses[user_id], count, connection).send()
                    sent.add(user_id)
                except smtplib.SMTPRecipientsRefused:
                    log.warning("inbox e-mail to account %s refused by the mail server", user_id)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("inbox e-mail: the mail server failed (%s)", type(error).__name__)
    failed = [user_id for user_id, _count in pending if user_id not in sent]
    if failed:
        Notification.objects.filter(recipient_id__in=failed, emailed_at=claimed_at).update(emailed_at=None)
    return len(sent)


def _message(address: str, count: int, connection) -> EmailMessage:
    link = settings.REGISTRY_PUBLIC_URL.rstrip("/") + INBOX_PATH
    body = ngettext(
        "You have %(count)d new item in the registry. Sign in to read it: %(link)s",
        "You have %(count)d new items in the registry. Sign in to read them: %(link)s",
        count,
    ) % {"count": count, "link": link}
    subject = gettext("New items in your registry inbox")
    return EmailMessage(subject, body + "\n", settings.DEFAULT_FROM_EMAIL, [address], connection=connection)
