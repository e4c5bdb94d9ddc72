"""Where an item of the inbox leads: one opener per kind (:data:`OPENERS`), run when the item is
opened (``inbox.views.item_open``) and when the API shows it (``inbox.api``).

Guarantees: an opener re-checks scope *now* — an item written when its recipient could see the
case leads nowhere once the case has moved out of their reach (``Case.objects.visible_to``); a
transfer only while its receiver may still answer it (``transfers.selectors.transfer_for_receiver``);
a shelter only while it is within the recipient's area (``services.selectors.shelters_within_reach``).
An opener returns the URL of the page (a case's on the tab of its section) or ``None``: it opens
nothing now. No opener puts a personal value in a URL: UUIDs and a tab's name only.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from inbox.choices import NotificationKind
from inbox.models import Notification
from registry.errors import NotFound
from registry.policy import Section
from registry.presentation import case_url
from services.selectors import shelters_within_reach
from transfers.choices import TransferStatus
from transfers.selectors import transfer_for_receiver
from victims.models import Case, Referral

Opener = Callable[[object, Notification], str | None]


def case_tab(section: Section) -> Opener:
    """Open the item's case on the tab of ``section``, if the user sees the case now."""

    def opener(user, item: Notification) -> str | None:
        if item.case_uuid is None:
            return None
        case = Case.objects.visible_to(user).filter(uuid=item.case_uuid).only("uuid").first()
        return case_url(case, section.value) if case is not None else None

    return opener


def decision_rejected(user, item: Notification) -> str | None:
    """The tab of the rejected record's section — the referrals, or the return home for a plan —
    if the user sees the case now."""
    is_referral = Referral.objects.filter(uuid=item.subject_uuid).exists()
    return case_tab(Section.REFERRALS if is_referral else Section.RETURN_HOME)(user, item)


def transfer_to_answer(user, item: Notification) -> str | None:
    """The receiver's summary of the transfer (``transfers:detail``) while the user receives it."""
    try:
        transfer = transfer_for_receiver(user, item.subject_uuid)
    except NotFound:
        return None
    if transfer.status != TransferStatus.PENDING:  # answered or withdrawn: nothing to do here now
        return None
    return reverse("transfers:detail", args=[item.subject_uuid])


def shelter_occupancy(user, item: Notification) -> str | None:
    """The occupancy page, while the shelter is within the user's area."""
    if item.organization_id is None or not shelters_within_reach(user).filter(pk=item.organization_id).exists():
        return None
    return reverse("services:occupancy")


OPENERS: dict[NotificationKind, Opener] = {
    NotificationKind.REFERRAL_RECEIVED: case_tab(Section.REFERRALS),
    NotificationKind.REFERRAL_ANSWERED: case_tab(Section.REFERRALS),
    NotificationKind.CHILD_REFERRAL_TO_APPROVE: case_tab(Section.REFERRALS),
    NotificationKind.REFERRAL_UNANSWERED: case_tab(Section.REFERRALS),
    NotificationKind.RETURN_PLAN_TO_APPROVE: case_tab(Section.RETURN_HOME),
    NotificationKind.DECISION_REJECTED: decision_rejected,
    NotificationKind.CARE_PLAN_TO_APPROVE: case_tab(Section.CARE_PLAN),
    NotificationKind.CARE_PLAN_REVIEW_DUE: case_tab(Section.CARE_PLAN),
    NotificationKind.FOLLOW_UP_DUE: case_tab(Section.FOLLOW_UPS),
    NotificationKind.ENROLMENT_MISSING: case_tab(Section.SCHOOLING),
    NotificationKind.LEGAL_AID_DEADLINE: case_tab(Section.LEGAL_AID),
    NotificationKind.TRANSFER_TO_ANSWER: transfer_to_answer,
    NotificationKind.TRANSFER_ANSWERED: case_tab(Section.TRANSFERS),
    NotificationKind.SHELTER_NEARLY_FULL: shelter_occupancy,
}


def target_url(user, item: Notification) -> str | None:
    """The page ``item`` opens for ``user`` now, or ``None`` when it opens nothing."""
    return OPENERS[NotificationKind(item.kind)](user, item)
