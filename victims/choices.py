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


class Ending(models.TextChoices):
    """How a case ended, recorded when civil affairs closes it (``victims.operations.case_close``).

    ``returned_home`` is never chosen: it is the ending of a case closed after a completed
    return plan — any of the five pathways, home or resettled — whose follow-up visits are all
    done or waived. The others are the reasons civil affairs gives, with a comment, when the
    case ends without a completed return (:data:`CLOSURE_REASONS`):

    - ``transferred_out``: the assistance was handed to an organization outside the registry's
      work in this province (a hospital or long-term care institution, another department's
      programme) that now leads it. A handover to another province is not a closure: it is
      ``case_transfer`` and the ``transferred`` stage;
    - ``died``: the person died;
    - ``contact_lost``: the person cannot be reached after documented attempts (the comment
      says which);
    - ``duplicate``: the case duplicates another case of the same person;
    - ``declined_assistance``: the person declined further assistance.
    """

    RETURNED_HOME = "returned_home", _("Returned home or resettled")
    TRANSFERRED_OUT = "transferred_out", _("Transferred to another organization")
    DIED = "died", _("Died")
    CONTACT_LOST = "contact_lost", _("Contact lost after documented attempts")
    DUPLICATE = "duplicate", _("Duplicate of another case")
    DECLINED_ASSISTANCE = "declined_assistance", _("Declined further assistance")


# The endings civil affairs gives as a reason (with a comment); every one but a completed return.
CLOSURE_REASONS = tuple(ending for ending in Ending if ending != Ending.RETURNED_HOME)


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    TRAVEL_PERMIT = "travel_permit", _("Travel permit")
    OTHER = "other", _("Other document")
    NONE = "none", _("No document")


class ExploitationType(models.TextChoices):
    """Forms of exploitation, several per rescue (HTCDS / CTDC ``typeOfExploit*``; the README
    maps each). The first six are the registry's original values, kept: ``begging`` is forced
    begging and ``child_sale`` the sale of a child, whose buyer's side is ``illegal_adoption``."""

    FORCED_MARRIAGE = "forced_marriage", _("Forced or sold marriage")
    SEXUAL = "sexual", _("Sexual exploitation")
    LABOUR = "labour", _("Forced labour")
    BEGGING = "begging", _("Forced begging")
    CHILD_SALE = "child_sale", _("Child sold for adoption")
    FORCED_CRIMINALITY = "forced_criminality", _("Forced criminality")
    ORGAN_REMOVAL = "organ_removal", _("Organ removal")
    ILLEGAL_ADOPTION = "illegal_adoption", _("Illegal adoption")
    OTHER = "other", _("Other")


class IdentificationStatus(models.TextChoices):
    """How far the person is recognised as a victim of trafficking (HTCDS ``identificationStatus``)."""

    SUSPECTED = "suspected", _("Suspected victim")
    PRESUMED = "presumed", _("Presumed victim")
    CONFIRMED = "confirmed", _("Confirmed victim")
    NOT_VICTIM = "not_victim", _("Not a victim")


# A decision on the person's status: it has a date and a deciding unit.
DECIDED_IDENTIFICATION = (IdentificationStatus.CONFIRMED, IdentificationStatus.NOT_VICTIM)


class DecidingUnit(models.TextChoices):
    """The kind of unit that decided the identification — a kind, never a unit's name."""

    PUBLIC_SECURITY = "public_security", _("Public security organ")
    PROCURATORATE = "procuratorate", _("People's procuratorate")
    COURT = "court", _("People's court")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs department")
    FOREIGN_AUTHORITY = "foreign_authority", _("Foreign authority")
    OTHER = "other", _("Other")


class IdentificationSource(models.TextChoices):
    """How the person came to notice (HTCDS / CTDC ``referralSource``)."""

    POLICE_OPERATION = "police_operation", _("Police operation")
    STREET_RESCUE = "street_rescue", _("Street rescue")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital")
    HOTLINE = "hotline", _("Hotline or tip-off")
    TRANSPORT_HUB = "transport_hub", _("Transport hub")
    SELF_REFERRAL = "self_referral", _("Self-referral")
    OTHER_PROVINCE = "other_province", _("Another province")
    FOREIGN_AUTHORITY = "foreign_authority", _("Foreign authority")
    OTHER = "other", _("Other")


class AgeBand(models.TextChoices):
    """The person's age at rescue, in the bands of the plan's statistics; derived, never typed."""

    UNDER_6 = "under_6", _("Under 6")
    AGE_6_13 = "6_13", _("6–13")
    AGE_14_15 = "14_15", _("14–15")
    AGE_16_17 = "16_17", _("16–17")
    ADULT = "18_plus", _("18 and over")
    UNKNOWN = "unknown", _("Unknown")


# (lowest age, band), from the oldest: the band of an age is the first whose lowest age it reaches.
AGE_BAND_FLOORS = (
    (18, AgeBand.ADULT),
    (16, AgeBand.AGE_16_17),
    (14, AgeBand.AGE_14_15),
    (6, AgeBand.AGE_6_13),
    (0, AgeBand.UNDER_6),
)


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
    REJECTED = "rejected", _("Rejected by civil affairs")


# A referral still open: it can be approved, answered or revoked, and blocks a second one.
OPEN_REFERRAL_STATUSES = (ReferralStatus.AWAITING_APPROVAL, ReferralStatus.PENDING, ReferralStatus.ACCEPTED)
# A referral lets the receiving organization see the case while pending (to decide), accepted
# or completed (read-only then); never while awaiting approval, declined or revoked.
REFERRAL_VISIBLE_STATUSES = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED)


# The statutory bases on which a child's file is shared without a consent (a consent "given by"
# statute): civil affairs' guardianship of a child rescued from trafficking, and the duties the
# personal information law names. Stored as the citation itself, as typed before the picker was
# offered: a citation typed then stays on its record (and offered by its form), while a new
# or changed basis must be one of these (``victims.operations.records``).
STATUTORY_BASES = (
    "《中华人民共和国未成年人保护法》第九十二条：民政部门临时监护",
    "《中华人民共和国未成年人保护法》第九十四条：民政部门长期监护",
    "《中华人民共和国个人信息保护法》第十三条第一款第三项：为履行法定职责或者法定义务所必需",
    "《中华人民共和国个人信息保护法》第十三条第一款第四项：紧急情况下为保护自然人的生命健康和财产安全所必需",
)
