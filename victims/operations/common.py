"""What the victim file's operations share, and the other apps' operations use: the victim's
fields by section and the bounds of the other names; the locks on a case and on its records
(``registry.operations.lock_for_change`` over the rows the actor sees, the case first, then the
record: 404 outside the actor's scope, 412 when the caller's version is stale); the scope
check after a write; the person's age and the case's age band at rescue.
"""

from __future__ import annotations

import datetime

from django.db.models import Min
from django.utils.translation import gettext as _

from registry.errors import Conflict, RuleViolation
from registry.operations import lock_for_change
from registry.policy import REGISTRATION_SECTIONS as REGISTRATION_SECTIONS  # the policy's, re-exported
from registry.policy import Section
from victims import validation
from victims.choices import Stage
from victims.models import Case, CaseRecord, Rescue, Victim

# Fields of the victim each section owns (the person section also shows the case number and age).
VICTIM_SECTION_FIELDS: dict[Section, tuple[str, ...]] = {
    Section.PERSON: ("full_name", "sex"),
    Section.IDENTITY: (
        "unknown_origin",
        "aliases",
        "birth_date",
        "birth_date_estimated",
        "document_type",
        "document_country",
        "id_number",
        "nationality",
        "ethnicity",
        "native_place_code",
    ),
    Section.CONTACTS: ("phone", "address"),
    Section.HEALTH: ("disability",),
}
# Bounds of the person's other names (a list in one encrypted JSON field, which has no length).
MAX_ALIASES = 20
MAX_NAME_LENGTH = 200


def check_aliases(aliases) -> None:
    """400 naming ``aliases`` unless it is empty or a list of at most :data:`MAX_ALIASES` names,
    each of at most :data:`MAX_NAME_LENGTH` characters."""
    if aliases is None:
        return
    if not isinstance(aliases, list) or not all(isinstance(name, str) for name in aliases):
        raise RuleViolation(_("Give the other names as a list of names."), field="aliases")
    if len(aliases) > MAX_ALIASES or any(len(name) > MAX_NAME_LENGTH for name in aliases):
        raise RuleViolation(
            _("Give at most %(count)s other names of at most %(length)s characters each.")
            % {"count": MAX_ALIASES, "length": MAX_NAME_LENGTH},
            field="aliases",
        )


def lock_case(actor, case: Case, expected_version: int | None = None, *, transferred: bool = False) -> Case:
    """The case row, locked, if ``actor`` may see it (404 otherwise), at ``expected_version``
    (412 when stale): ``registry.operations.lock_for_change`` over the cases the actor sees.
    A case handed over out of the province is read-only: 409 ``case_transferred`` unless the
    caller says it may lock one (``transferred``: reopening it, or a dossier that only reads)."""
    locked = lock_for_change(
        Case.objects.visible_to(actor), case.pk, missing=_("No such case."), expected_version=expected_version
    )
    if locked.stage == Stage.TRANSFERRED and not transferred:
        raise Conflict(
            _("This case was handed over out of the province and is read-only; civil affairs may reopen it."),
            code="case_transferred",
        )
    return locked


def lock_record(actor, record: CaseRecord, expected_version: int | None = None) -> CaseRecord:
    """The record's case locked (404 when the actor does not see it), then the record itself
    (404 when gone), at ``expected_version`` (412 when stale) — the lock order of
    ``registry.operations.lock_for_change``. The record's scope is its case's."""
    return lock_for_change(
        type(record).objects,
        record.pk,
        missing=_("No such record."),
        expected_version=expected_version,
        case=lambda: lock_case(actor, record.case),
    )


def victim_age(victim: Victim, on: datetime.date | None = None) -> int | None:
    if victim.birth_date is None:
        return None
    return validation.age_on(victim.birth_date, on or validation.today())


def first_rescue_of(case: Case) -> datetime.date | None:
    """The day of the earliest rescue of ``case`` (of those not voided), if it has one."""
    return Rescue.objects.current().filter(case_id=case.pk).aggregate(day=Min("rescued_on"))["day"]


def age_band_of(case: Case, birth_date: datetime.date | None) -> str:
    """The band of the age at rescue of ``case``: ``validation.age_band`` of ``birth_date`` on
    the day of its earliest rescue, else of its opening."""
    return validation.age_band(birth_date, case.rescued_on or case.opened_on)


def refresh_rescue_facts(case: Case, birth_date: datetime.date | None) -> None:
    """Store the day of the earliest rescue (``Case.rescued_on``) and :func:`age_band_of` the
    case when they changed (after a rescue is added or amended). With ``case_register`` and
    ``victim_update``, the only writers of both. The caller holds the case's lock inside its
    ``recorded_change``, so the change has a history row naming the actor; the case's version
    stays: nobody typed them."""
    rescued_on = first_rescue_of(case)
    band = validation.age_band(birth_date, rescued_on or case.opened_on)
    if (rescued_on, band) != (case.rescued_on, case.age_band):
        case.rescued_on, case.age_band = rescued_on, band
        case.save(update_fields=["rescued_on", "age_band"])
