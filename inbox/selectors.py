"""Reading inboxes: a user reads their own items only, whatever their role.

Guarantees: every read starts from :func:`items_of` — the items whose recipient is the user —,
so another user's item is absent (404), exactly like one that does not exist; an item is told
as a sentence from its kind, case number, organization and due day (:func:`sentence`), never a
person's name; the header's count is one ``COUNT`` over the ``(recipient, read_at)`` index.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbox.choices import NotificationKind
from inbox.models import Notification
from registry.errors import NotFound, RuleViolation

# What each kind says; ``%(case)s`` is the case number, ``%(shelter)s`` the shelter's name.
SENTENCES = {
    NotificationKind.REFERRAL_RECEIVED: gettext_lazy("Case %(case)s was referred to your organization"),
    NotificationKind.REFERRAL_ANSWERED: gettext_lazy("Your referral of case %(case)s was accepted or declined"),
    NotificationKind.CHILD_REFERRAL_TO_APPROVE: gettext_lazy(
        "A child's referral in case %(case)s awaits your approval"
    ),
    NotificationKind.RETURN_PLAN_TO_APPROVE: gettext_lazy("The return plan of case %(case)s awaits your approval"),
    NotificationKind.DECISION_REJECTED: gettext_lazy(
        "Civil affairs rejected your referral or return plan in case %(case)s: read the reason on it"
    ),
    NotificationKind.CARE_PLAN_TO_APPROVE: gettext_lazy(
        "The care plan or a review of case %(case)s awaits your approval"
    ),
    NotificationKind.TRANSFER_TO_ANSWER: gettext_lazy(
        "A transfer of case %(case)s to your organization awaits your answer"
    ),
    NotificationKind.TRANSFER_ANSWERED: gettext_lazy("Your transfer of case %(case)s was accepted or declined"),
    NotificationKind.SHELTER_NEARLY_FULL: gettext_lazy("%(shelter)s is at 90%% of its beds"),
    NotificationKind.LEGAL_AID_DEADLINE: gettext_lazy("A legal aid deadline of case %(case)s is near"),
    NotificationKind.FOLLOW_UP_DUE: gettext_lazy("The follow-up visit of case %(case)s is due"),
    NotificationKind.CARE_PLAN_REVIEW_DUE: gettext_lazy("The care plan review of case %(case)s is due"),
    NotificationKind.ENROLMENT_MISSING: gettext_lazy(
        "The child of case %(case)s is not enrolled in school 30 days after the referral"
    ),
    NotificationKind.REFERRAL_UNANSWERED: gettext_lazy("A referral of case %(case)s has been unanswered for 7 days"),
}


def items_of(user) -> QuerySet[Notification]:
    """The user's own items, newest first; none for an anonymous or inactive user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).select_related("organization").order_by("-created_at", "-id")


def inbox_for(user, *, kind: str | None = None, unread: bool = False) -> QuerySet[Notification]:
    """The user's items, newest first, of ``kind`` only (400 ``kind`` for a kind that does not
    exist) and unread only when ``unread``."""
    rows = items_of(user)
    if kind:
        if kind not in NotificationKind.values:
            raise RuleViolation(_("Choose a kind of item."), field="kind")
        rows = rows.filter(kind=kind)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return rows


def item_for(user, item_id) -> Notification:
    """The user's own item ``item_id`` (a UUID); NotFound for another user's, an unknown one or
    a malformed id."""
    try:
        key = uuid.UUID(str(item_id))
    except ValueError:
        key = None
    item = items_of(user).filter(uuid=key).first() if key is not None else None
    if item is None:
        raise NotFound(_("No such item in your inbox."))
    return item


def unread_count(user) -> int:
    """How many of the user's items are unread: one COUNT on the ``(recipient, read_at)`` index."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def sentence(item: Notification) -> str:
    """The item told in a sentence of the page's language, with its due day when it has one:
    "Case FJ-… : the follow-up visit is due (2026-12-05)". No personal value: the case number
    and an organization's name are the only values it holds."""
    text = SENTENCES[NotificationKind(item.kind)] % {
        "case": item.case_number,
        "shelter": item.organization.name if item.organization_id else "",
    }
    if item.due_on is not None:
        return _("%(sentence)s (%(due)s)") % {"sentence": text, "due": item.due_on.isoformat()}
    return text
