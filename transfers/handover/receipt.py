"""The hand-over receipt form that ends a hand-over package (``exports.dossier.content.Receipt``):
what was handed to whom, under what, and blank lines for both sides to sign and seal.

It holds codes, names of organizations and offices, dates and labels — none of the person's
values, nor the consent note or the travel document. Labels are lazy: the dossier renders them
in its own language.
"""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from exports.dossier.content import Receipt
from registry import policy, presentation
from transfers.choices import Consent, Destination, LegalBasis
from transfers.handover import places
from transfers.models import HandOver

RECEIPT_TITLE = _("Hand-over receipt")
SIGNATURES = (
    _("Handing-over organization (seal)"),
    _("Handed over by (signature)"),
    _("Date"),
    _("Receiving organization (seal)"),
    _("Received by (signature)"),
    _("Date"),
)


def _section_names(keys) -> str:
    return "、".join(str(policy.section_named(key).label) for key in keys)


section_names = lazy(_section_names, str)
country_name = lazy(presentation.country, str)


def destination_label(handover: HandOver):
    """``53 云南省``, or the country's code and name (in the active language when rendered)."""
    if handover.destination == Destination.PROVINCE:
        return places.province_label(handover.province_code)
    return country_name(handover.country)


def receipt_of(handover: HandOver, *, organization_name: str) -> Receipt:
    """The receipt form of ``handover``, handed over by ``organization_name`` (the officer's)."""
    rows = [
        (_("Case number"), handover.case.number),
        (_("Handing-over organization"), organization_name or "—"),
        (Destination.PROVINCE.label if handover.destination == Destination.PROVINCE else Destination.COUNTRY.label,
         destination_label(handover)),
        (_("Receiving agency"), handover.receiving_agency),
        (_("Contact office"), handover.contact_office),
    ]  # fmt: skip
    if handover.embassy_contact:
        rows.append((_("Embassy or consulate contact"), handover.embassy_contact))
    rows += [
        (_("Date of the hand-over"), handover.handed_over_on.isoformat()),
        (_("Legal basis"), LegalBasis(handover.legal_basis).label),
        (_("Consent"), Consent(handover.consent).label),
        (_("Sections handed over"), section_names(handover.sections)),
    ]
    return Receipt(title=RECEIPT_TITLE, rows=tuple(rows), signatures=SIGNATURES)
