"""Choices of the legal aid record (words of the Legal Aid Law of the PRC where it has them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatterType(models.TextChoices):
    """What the legal aid is for."""

    CRIMINAL_VICTIM = "criminal_victim", _("Criminal proceedings as the victim")
    CIVIL_COMPENSATION = "civil_compensation", _("Incidental civil compensation")
    CUSTODY = "custody", _("Custody or guardianship")
    LABOUR_DISPUTE = "labour_dispute", _("Labour dispute")
    HOUSEHOLD_REGISTRATION = "household_registration", _("Household registration")
    MARRIAGE = "marriage", _("Marriage or divorce")
    OTHER = "other", _("Other")


class MatterStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    IN_PROGRESS = "in_progress", _("In progress")
    CONCLUDED = "concluded", _("Concluded")


# The steps a matter may take, from each status (legal_aid.operations enforces them):
# applied → accepted | rejected; accepted → in_progress; in_progress → concluded. An accepted
# matter may also be concluded at once, but only as withdrawn (the person withdrew before the
# work began); rejected and concluded are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    MatterStatus.APPLIED: frozenset({MatterStatus.ACCEPTED, MatterStatus.REJECTED}),
    MatterStatus.ACCEPTED: frozenset({MatterStatus.IN_PROGRESS, MatterStatus.CONCLUDED}),
    MatterStatus.IN_PROGRESS: frozenset({MatterStatus.CONCLUDED}),
    MatterStatus.REJECTED: frozenset(),
    MatterStatus.CONCLUDED: frozenset(),
}
# A matter on which work can still be recorded (activities added, shown on the worklist).
OPEN_STATUSES = (MatterStatus.APPLIED, MatterStatus.ACCEPTED, MatterStatus.IN_PROGRESS)
# Statuses in which the eligibility decision has been taken.
DECIDED_STATUSES = (MatterStatus.ACCEPTED, MatterStatus.REJECTED, MatterStatus.IN_PROGRESS, MatterStatus.CONCLUDED)


class Outcome(models.TextChoices):
    """How a concluded matter ended. Compensation (awarded, received) is recorded as amounts
    beside the outcome, since a judgment and a settlement can both award it."""

    JUDGMENT = "judgment", _("Judgment or ruling")
    SETTLEMENT = "settlement", _("Settlement or mediation agreement")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    OTHER = "other", _("Resolved otherwise")


class ActivityKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    DOCUMENT_DRAFTING = "document_drafting", _("Document drafting")
    COURT_HEARING = "court_hearing", _("Court hearing")
    MEDIATION = "mediation", _("Mediation")
    VISIT = "visit", _("Visit")
