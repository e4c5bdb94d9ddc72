"""Choices of the assistance services (words from the plan's section 三 where it has them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DischargeReason(models.TextChoices):
    TRANSFERRED = "transferred", _("Transferred to another shelter")
    RETURNED = "returned", _("Returned home or resettled")
    LEFT = "left", _("Left the shelter")
    OTHER = "other", _("Other")


class VisitStatus(models.TextChoices):
    """Where a follow-up visit stands (computed from its dates: ``selectors.visit_status``)."""

    DONE = "done", _("Done")
    WAIVED = "waived", _("Waived")
    OVERDUE = "overdue", _("Overdue")
    SCHEDULED = "scheduled", _("Scheduled")


class Attendance(models.TextChoices):
    REGULAR = "regular", _("Attends regularly")
    IRREGULAR = "irregular", _("Attends irregularly")
    NOT_ATTENDING = "not_attending", _("Not attending")


class TrainingOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    DROPPED_OUT = "dropped_out", _("Dropped out")


class Pathway(models.TextChoices):
    """How a person leaves the registry's care (plan 三.1–2, 五.2–3)."""

    FAMILY_REUNIFICATION = "family_reunification", _("Family reunification at the native place")
    LOCAL_RESETTLEMENT = "local_resettlement", _("Local resettlement")
    INSTITUTIONAL_CARE = "institutional_care", _("Institutional care")
    REPATRIATION = "repatriation", _("Repatriation of a foreign national")
    INTER_PROVINCIAL = "inter_provincial", _("Return to another province")


class Wish(models.TextChoices):
    """What the person said of the return the plan proposes (the person's voice, issue 16). An
    empty value means not recorded yet; a plan is approved only once it is recorded."""

    AGREES = "agrees", _("Wants this return")
    DISAGREES = "disagrees", _("Does not want this return")
    NOT_EXPRESSED = "not_expressed", _("Could not express a wish")


class ReturnPlanStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected by civil affairs")


# A plan still in force: a case has at most one, and it holds the case in ``return_planned``.
ACTIVE_RETURN_PLAN_STATUSES = (ReturnPlanStatus.AWAITING_APPROVAL, ReturnPlanStatus.APPROVED)
