"""The item "a shelter is at 90 % of its beds", written by an admission
(``services.operations.shelter``) inside its transaction."""

from __future__ import annotations

from inbox.choices import NotificationKind
from inbox.notify import civil_affairs_over, notify, staff_of
from registry.choices import Role
from services.models import ShelterPlacement
from services.selectors import nearly_full


def shelter_nearly_full_notify(*, shelter, actor) -> int:
    """Call after an admission to ``shelter``, its row locked (so the count is the one the
    admission left). When the shelter is nearly full (``services.selectors.nearly_full``, the
    occupancy page's rule), tell its caseworkers and the civil affairs officers over it — never
    the actor —, once per recipient, shelter and day (the item's ``reminder_key``). Returns how
    many items were written; one COUNT when the shelter has room."""
    occupied = ShelterPlacement.objects.filter(shelter=shelter, discharged_on__isnull=True).count()
    if not nearly_full(shelter.capacity, occupied):
        return 0
    recipients = [*staff_of(shelter.pk, [Role.CASEWORKER]), *civil_affairs_over(shelter.jurisdiction.code)]
    return notify(
        NotificationKind.SHELTER_NEARLY_FULL,
        recipients,
        organization=shelter,
        reminder_key=f"shelter_nearly_full:{shelter.uuid}",
        actor=actor,
    )
