"""The transfers section of the case file, declared once (``registry.casefile``): the case's
transfers between organizations of the province and its hand-overs out of it, oldest first.
Registered by ``TransfersConfig.ready``.

Read by caseworkers and civil affairs (``registry.policy``), written only by the operations of
``transfers.operations`` and ``transfers.handover`` under their actions (no generic form). A
transfer is listed with the case: its sender reads it until acceptance, its receiver after it —
the comments with it, which only who sees the case reads. The tab (``transfers.views.case_tab``)
shows organizations, people and places by name and choices by label, never an id; a hand-over
(:func:`handover_facts`) its chosen destination's fields only, the province and the country by
name. The section's own value is the free-text note a case carried before hand-overs were
recorded (``Case.transfer_note``), shown read-only when there is one. The dashboard panel lists
the transfers awaiting the user's answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from registry.casefile import CaseSection, Panel, RecordKind
from registry.choices import Role
from registry.policy import Section
from registry.presentation import country, facts
from transfers.choices import Destination
from transfers.handover import places
from transfers.models import CaseTransfer, HandOver
from transfers.selectors import RECORD_FIELDS
from victims.models import Case

HANDOVER_FIELDS = (
    "destination", "province_code", "country", "receiving_agency", "contact_office", "handed_over_on",
    "legal_basis", "consent", "consent_note", "embassy_contact", "travel_document", "sections", "recorded_by",
)  # fmt: skip
TRANSFER_LABELS = {"created_at": _("Requested at")}
# A hand-over shows the fields of its destination only, and the optional ones when filled in.
OTHER_DESTINATION = {
    Destination.PROVINCE: ("country", "embassy_contact", "travel_document"),
    Destination.COUNTRY: ("province_code",),
}
OPTIONAL = ("consent_note", "embassy_contact", "travel_document")
EARLIER_NOTE_LABELS = {"transfer_note": _("Earlier hand-over note (free text)")}

TRANSFER = RecordKind(
    CaseTransfer,
    RECORD_FIELDS,
    key="transfers",
    related=("from_organization", "to_organization", "requested_by", "decided_by"),
    order=("created_at", "id"),
    dates=(("created_at", _("Transfer requested")),),
    labels=TRANSFER_LABELS,
)
HANDOVER = RecordKind(
    HandOver,
    HANDOVER_FIELDS,
    key="handovers",
    related=("recorded_by",),
    order=("handed_over_on", "id"),
    dates=(("handed_over_on", HandOver._meta.verbose_name),),
)


def handover_facts(row: Mapping, names: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """A hand-over (a row of the section, ``HANDOVER.as_dict``) as the case file reads it:
    ``[{name, label, value}]`` of its destination's fields, the province (``53 云南省``) and the
    country (``VN 越南``) by name, choices and sections by label, the recorder by ``names``."""
    hidden = {*OTHER_DESTINATION.get(row["destination"], ()), *(name for name in OPTIONAL if not row.get(name))}
    values = {**row, "province_code": places.province_label(row["province_code"]), "country": country(row["country"])}
    return facts(HandOver, values, [name for name in HANDOVER_FIELDS if name not in hidden], names=names)


def earlier_note(case, user) -> dict[str, str]:
    """The section's own value: the free-text note of a hand-over recorded before the structured
    record existed, when the case has one (read-only: no operation writes it any more)."""
    return {"transfer_note": case.transfer_note} if case.transfer_note else {}


SECTION = CaseSection(
    Section.TRANSFERS,
    facts=earlier_note,
    facts_models=(Case,),
    facts_labels=EARLIER_NOTE_LABELS,
    records=(TRANSFER, HANDOVER),
    tab="transfers.views.case_tab",
    panels=(
        Panel(
            "transfers/dashboard.html",
            "transfers.views.dashboard_incoming",
            frozenset({Role.CASEWORKER, Role.CIVIL_AFFAIRS}),
        ),
    ),
)
SECTIONS = (SECTION,)
