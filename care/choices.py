"""The fixed lists of the care plan and the case notes (issue 16)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NeedDomain(models.TextChoices):
    """The domains a needs assessment rates, in the order the plan form asks them."""

    SAFETY = "safety", _("Safety")
    PHYSICAL_HEALTH = "physical_health", _("Physical health")
    MENTAL_HEALTH = "mental_health", _("Mental health and trauma")
    EDUCATION = "education", _("Education")
    LIVELIHOOD = "livelihood", _("Livelihood and skills")
    LEGAL = "legal", _("Legal")
    FAMILY = "family", _("Family and reintegration")
    DOCUMENTS = "documents", _("Identity documents")


class NeedRating(models.TextChoices):
    NONE = "none", _("No need")
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")


class ApprovalStatus(models.TextChoices):
    """A child's plan and each of its reviews wait for a civil affairs officer who did not write
    them (four eyes); an adult's need no approval."""

    NOT_REQUIRED = "not_required", _("No approval needed")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACHIEVED = "achieved", _("Achieved")
    NOT_ACHIEVABLE = "not_achievable", _("Not achievable")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")


# A goal closed otherwise than achieved says why.
GOAL_STATUSES_WITH_REASON = (GoalStatus.NOT_ACHIEVABLE, GoalStatus.NO_LONGER_NEEDED)


class GoalLinkKind(models.TextChoices):
    """The kinds of record a goal may point at (the records that serve it), by model label."""

    REFERRAL = "victims.referral", _("Referral")
    SHELTER_PLACEMENT = "services.shelterplacement", _("Shelter placement")
    SCHOOL_ENROLLMENT = "services.schoolenrollment", _("School enrolment")
    VOCATIONAL_TRAINING = "services.vocationaltraining", _("Vocational training")
    EMPLOYMENT_PLACEMENT = "services.employmentplacement", _("Employment placement")
    LEGAL_AID_MATTER = "legal_aid.legalaidmatter", _("Legal aid matter")
    RETURN_PLAN = "services.returnplan", _("Return plan")


class NoteKind(models.TextChoices):
    COUNSELLING = "counselling", _("Counselling session")
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE = "phone", _("Phone contact")
    CONFERENCE = "conference", _("Case conference")
    INTERPRETER = "interpreter", _("Interpreter session")
    OTHER = "other", _("Other")


class Participant(models.TextChoices):
    """Who took part in a contact, by role — never by name (other victims may be present)."""

    PERSON = "person", _("The person")
    FAMILY = "family", _("Family member or guardian")
    CASEWORKER = "caseworker", _("Caseworker")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    PSYCHOLOGIST = "psychologist", _("Psychologist or counsellor")
    INTERPRETER = "interpreter", _("Interpreter")
    TEACHER = "teacher", _("Teacher")
    LAWYER = "lawyer", _("Lawyer or legal aid worker")
    POLICE = "police", _("Police officer")
    OFFICIAL = "official", _("Government official")
    OTHER = "other", _("Other")
