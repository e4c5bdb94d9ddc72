"""Choices of the victim file (words from the provincial plan where it has them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Stage(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    SHELTERED = "sheltered", _("Sheltered")
    RETURN_PLANNED = "return_planned", _("Return planned")
    RETURNED = "returned", _("Returned")
    CLOSED = "closed", _("Closed")
    TRANSFERRED = "transferred", _("Transferred to another province")


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    TRAVEL_PERMIT = "travel_permit", _("Travel permit")
    OTHER = "other", _("Other document")
    NONE = "none", _("No document")


class ExploitationType(models.TextChoices):
    FORCED_MARRIAGE = "forced_marriage", _("Forced or sold marriage")
    SEXUAL = "sexual", _("Sexual exploitation")
    LABOUR = "labour", _("Forced labour")
    BEGGING = "begging", _("Forced begging")
    CHILD_SALE = "child_sale", _("Child sold for adoption")
    OTHER = "other", _("Other")


class DisabilityCategory(models.TextChoices):
    NONE = "none", _("None")
    VISUAL = "visual", _("Visual")
    HEARING = "hearing", _("Hearing")
    SPEECH = "speech", _("Speech")
    PHYSICAL = "physical", _("Physical")
    INTELLECTUAL = "intellectual", _("Intellectual")
    MENTAL = "mental", _("Mental")
    MULTIPLE = "multiple", _("Multiple")


class Relationship(models.TextChoices):
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Sibling")
    GRANDPARENT = "grandparent", _("Grandparent")
    GUARDIAN = "guardian", _("Other guardian")
    OTHER = "other", _("Other")


class DNAMatch(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Match confirmed")
    NO_MATCH = "no_match", _("No match")


class ConsentGiver(models.TextChoices):
    PERSON = "person", _("The person")
    GUARDIAN = "guardian", _("Guardian")
    STATUTORY = "statutory", _("Statutory basis")


class Service(models.TextChoices):
    """What a referral asks the receiving organization to provide."""

    SCHOOLING = "schooling", _("Schooling")
    TRAINING = "training", _("Vocational training and employment")
    LEGAL_AID = "legal_aid", _("Legal aid")


class ReferralStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting civil affairs approval")
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    REVOKED = "revoked", _("Revoked")


# A referral still open: it can be approved, answered or revoked, and blocks a second one.
OPEN_REFERRAL_STATUSES = (ReferralStatus.AWAITING_APPROVAL, ReferralStatus.PENDING, ReferralStatus.ACCEPTED)
# A referral lets the receiving organization see the case while pending (to decide), accepted
# or completed (read-only then); never while awaiting approval, declined or revoked.
REFERRAL_VISIBLE_STATUSES = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED)
