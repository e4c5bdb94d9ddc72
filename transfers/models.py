"""A case moving to another organization of the province (:class:`CaseTransfer`), or out of the
province or the country (:class:`HandOver`). Both are records of the case (the ``transfers``
section): a UUID, the case, a version, a scoped and tracked manager and history.

A transfer is a request the receiving organization accepts or declines; until then the
receiver, who sees nothing of the case, is shown only its summary (``transfers.selectors``).
A decided transfer is immutable. Free text (the comment of a request, the reason of a decline,
a travel document's reference) is encrypted; what routing and statistics need stays plain.
``__str__`` never returns personal data. Writes go through ``transfers.operations`` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.fields import EncryptedTextField, MultipleChoiceField
from registry.policy import Section
from transfers.choices import Consent, Destination, LegalBasis, TransferReason, TransferStatus
from victims.models import CaseRecord


class CaseTransfer(CaseRecord):  # noqa: DJ008 (CaseRecord.__str__)
    """A request to move the lead of a case to another organization of the province, and its answer."""

    section = Section.TRANSFERS
    from_organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("from organization")
    )
    from_jurisdiction = models.ForeignKey(
        "registry.Jurisdiction", on_delete=models.PROTECT, related_name="+", verbose_name=_("from jurisdiction")
    )
    to_organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("to organization")
    )
    reason = models.CharField(_("reason"), max_length=24, choices=TransferReason.choices)
    # Shown to those who see the case: the sender until acceptance, the receiver after it.
    comment = EncryptedTextField(_("comment"), max_length=2000, blank=True, default="")
    sections_first = MultipleChoiceField(_("sections the receiver needs first"), choices=Section.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = EncryptedTextField(_("comment on the decision"), max_length=2000, blank=True, default="")

    class Meta(CaseRecord.Meta):
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            # One open request per case at a time.
            models.UniqueConstraint(
                fields=["case"], condition=Q(status=TransferStatus.PENDING), name="transfer_one_pending_per_case"
            ),
            models.CheckConstraint(
                condition=~Q(from_organization=models.F("to_organization")), name="transfer_to_another_organization"
            ),
        ]
        indexes = [models.Index(fields=["to_organization", "status"], name="transfer_incoming_idx")]


class HandOver(CaseRecord):  # noqa: DJ008 (CaseRecord.__str__)
    """A case handed to another province (五.3) or, for a foreign victim, to her country (五.2)."""

    section = Section.TRANSFERS
    destination = models.CharField(_("handed over to"), max_length=16, choices=Destination.choices)
    # Plain: a province's two-digit GB/T 2260 code, or a country's ISO 3166 code.
    province_code = models.CharField(_("receiving province"), max_length=2, blank=True, default="")
    country = models.CharField(_("receiving country"), max_length=2, blank=True, default="")
    # Plain: an agency and its office, never a person (a contact person goes in no field here).
    receiving_agency = models.CharField(_("receiving agency"), max_length=128)
    contact_office = models.CharField(_("contact office"), max_length=200)
    handed_over_on = models.DateField(_("handed over on"))
    legal_basis = models.CharField(_("legal basis"), max_length=24, choices=LegalBasis.choices)
    consent = models.CharField(_("consent"), max_length=24, choices=Consent.choices)
    consent_note = EncryptedTextField(_("about the consent"), max_length=2000, blank=True, default="")
    # A repatriation: the embassy or consulate contacted (an office: plain) and the travel
    # document's reference (identifies the person: encrypted).
    embassy_contact = models.CharField(_("embassy or consulate contact"), max_length=200, blank=True, default="")
    travel_document = EncryptedTextField(_("travel document reference"), max_length=64, blank=True, default="")
    sections = MultipleChoiceField(_("sections in the hand-over package"), choices=Section.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    class Meta(CaseRecord.Meta):
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        constraints = [
            models.CheckConstraint(
                condition=(Q(destination=Destination.PROVINCE) & ~Q(province_code="") & Q(country=""))
                | (Q(destination=Destination.COUNTRY) & Q(province_code="") & ~Q(country="")),
                name="handover_one_destination",
                violation_error_message=_("Name the receiving province, or for a repatriation the country."),
            ),
        ]
