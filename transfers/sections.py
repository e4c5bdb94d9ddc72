"""The transfers section of the case file, declared once (``registry.casefile``): the case's
transfers between organizations of the province and its hand-overs out of it, newest last.
Registered by ``TransfersConfig.ready``."""

from __future__ import annotations

from registry.casefile import CaseSection, RecordKind
from registry.policy import Section
from transfers.models import CaseTransfer, HandOver

TRANSFER_FIELDS = (
    "from_organization", "to_organization", "reason", "comment", "sections_first", "status",
    "requested_by", "created_at", "decided_by", "decided_at", "decision_comment",
)  # fmt: skip
HANDOVER_FIELDS = (
    "destination", "province_code", "country", "receiving_agency", "contact_office", "handed_over_on",
    "legal_basis", "consent", "consent_note", "embassy_contact", "travel_document", "sections", "recorded_by",
)  # fmt: skip

SECTION = CaseSection(
    Section.TRANSFERS,
    records=(
        RecordKind(CaseTransfer, TRANSFER_FIELDS, key="transfers", order=("created_at", "id"),
                   dates=(("created_at", CaseTransfer._meta.verbose_name),)),
        RecordKind(HandOver, HANDOVER_FIELDS, key="handovers", order=("handed_over_on", "id"),
                   dates=(("handed_over_on", HandOver._meta.verbose_name),)),
    ),
)  # fmt: skip
SECTIONS = (SECTION,)
