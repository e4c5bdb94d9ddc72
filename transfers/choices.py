"""Choices of the transfers app: stable values (filters, the API and reports use them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the receiver's answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A decided transfer never changes again.
DECIDED_STATUSES = (TransferStatus.ACCEPTED, TransferStatus.DECLINED, TransferStatus.WITHDRAWN)


class TransferReason(models.TextChoices):
    """Why a case moves (plain: it names no person; details go to the encrypted comment)."""

    NEARER_HOME = "nearer_home", _("Nearer the person's home or family")
    SPECIALIZED_CARE = "specialized_care", _("Care the receiving organization specializes in")
    CAPACITY = "capacity", _("No room at the sending organization")
    JURISDICTION = "jurisdiction", _("The case belongs to the receiver's jurisdiction")
    SAFETY = "safety", _("The person's safety")
    OTHER = "other", _("Another reason (see the comment)")


class Destination(models.TextChoices):
    PROVINCE = "province", _("Another province of China")
    COUNTRY = "country", _("Another country (repatriation)")


class LegalBasis(models.TextChoices):
    """Under what a case leaves the province (the plan's 五.2 and 五.3)."""

    INTERPROVINCIAL = "interprovincial", _("Inter-provincial cooperation on trafficking cases")
    RETURN_TO_NATIVE_PLACE = "native_place", _("Return to the native place (Relief Measures for vagrants and beggars)")
    REPATRIATION = "repatriation", _("Repatriation of a foreign victim (international police cooperation)")
    COURT_OR_POLICE = "court_or_police", _("A decision of a court or of the public security organ")
    OTHER = "other", _("Another legal basis")


class Consent(models.TextChoices):
    """Whether the person agreed to be handed over."""

    PERSON = "person", _("Given by the person")
    GUARDIAN = "guardian", _("Given by the guardian (a child or a person without capacity)")
    NOT_OBTAINABLE = "not_obtainable", _("Could not be obtained (recorded with the reason)")
