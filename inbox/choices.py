"""What an item of the inbox is about: stable values (the API filters by them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    # Written by the operation that causes them.
    REFERRAL_RECEIVED = "referral_received", _("A case referred to your organization")
    REFERRAL_ANSWERED = "referral_answered", _("Your referral was accepted or declined")
    CHILD_REFERRAL_TO_APPROVE = "child_referral_to_approve", _("A child's referral awaits your approval")
    DECISION_REJECTED = "decision_rejected", _("Your referral or return plan was rejected")
    RETURN_PLAN_TO_APPROVE = "return_plan_to_approve", _("A return plan awaits your approval")
    CARE_PLAN_TO_APPROVE = "care_plan_to_approve", _("A child's care plan awaits your approval")
    TRANSFER_TO_ANSWER = "transfer_to_answer", _("A transfer awaits your acceptance")
    TRANSFER_ANSWERED = "transfer_answered", _("Your transfer was accepted or declined")
    SHELTER_NEARLY_FULL = "shelter_nearly_full", _("A shelter has nine beds in ten taken")
    # Written by the daily reminders (send_reminders): once per item and day.
    LEGAL_AID_DEADLINE = "legal_aid_deadline", _("A legal aid deadline in 3 days")
    FOLLOW_UP_DUE = "follow_up_due", _("A follow-up visit due or overdue")
    CARE_PLAN_REVIEW_DUE = "care_plan_review_due", _("A care plan review due")
    ENROLMENT_MISSING = "enrolment_missing", _("A child not enrolled in school 30 days after the referral")
    REFERRAL_UNANSWERED = "referral_unanswered", _("A referral unanswered for 7 days")


# Kinds whose recipient does not see the case yet (a transfer's receiver reads only its summary):
# the item keeps the case's number, which the summary shows, but not the case's UUID.
BEFORE_ACCESS = frozenset({NotificationKind.TRANSFER_TO_ANSWER})
