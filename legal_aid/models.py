"""The legal aid record (DESIGN §2): the matters a legal aid centre takes on for a victim, and
the work done on each.

Both models hang on a case (``victims.models.CaseRecord``: UUID, version, history, scoped
manager) in the ``legal_aid`` section of the policy. Their scoped manager narrows the case scope
once more: a legal aid worker sees the matters of *their own centre* only, even on a case that
another centre was referred to as well (``visible_to``). Free text is encrypted; dates, amounts and
choices stay plain for statistics. Writes go through ``legal_aid.operations`` only.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from legal_aid.choices import DECIDED_STATUSES, ActivityKind, MatterStatus, MatterType, Outcome
from registry import policy
from registry.fields import EncryptedTextField
from registry.policy import Scope, Section
from victims.models import CaseRecord, CaseRecordQuerySet

MONEY = {"max_digits": 12, "decimal_places": 2}


class CentreScopedQuerySet(CaseRecordQuerySet):
    """The case scope, and for a role that sees cases through referrals (legal aid workers) only
    the rows of the user's own centre: a centre never sees another centre's matters."""

    centre_path: str

    def visible_to(self, user):
        rows = super().visible_to(user)
        if policy.scope_of(user) is Scope.REFERRAL:
            rows = rows.filter(**{self.centre_path: user.organization_id})
        return rows


class MatterQuerySet(CentreScopedQuerySet):
    centre_path = "centre"


class ActivityQuerySet(CentreScopedQuerySet):
    centre_path = "matter__centre"


class LegalAidMatter(CaseRecord):
    """A legal aid matter (法律援助事项): a victim's application to a legal aid centre, received
    through a referral of the case, the centre's eligibility decision, the lawyer it assigns,
    and how the matter ended (outcome, compensation awarded and received)."""

    section = Section.LEGAL_AID

    centre = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="legal_aid_matters",
        verbose_name=_("legal aid centre"),
    )
    referral = models.ForeignKey(
        "victims.Referral", on_delete=models.PROTECT, related_name="legal_aid_matters", verbose_name=_("referral")
    )
    matter_type = models.CharField(_("kind of matter"), max_length=24, choices=MatterType.choices)
    summary = EncryptedTextField(_("summary"), blank=True, default="")
    applied_on = models.DateField(_("applied on"))
    status = models.CharField(_("status"), max_length=16, choices=MatterStatus.choices, default=MatterStatus.APPLIED)
    decided_on = models.DateField(_("eligibility decided on"), null=True, blank=True)
    decision_reason = EncryptedTextField(_("reason for the eligibility decision"), null=True, blank=True)
    lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assigned lawyer"),
    )
    started_on = models.DateField(_("work started on"), null=True, blank=True)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, default="")
    outcome_description = EncryptedTextField(_("details of the outcome"), blank=True, default="")
    compensation_awarded = models.DecimalField(_("compensation awarded (yuan)"), null=True, blank=True, **MONEY)
    compensation_received = models.DecimalField(_("compensation received (yuan)"), null=True, blank=True, **MONEY)
    compensation_received_on = models.DateField(_("compensation last received on"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )

    objects = MatterQuerySet.as_manager()

    class Meta(CaseRecord.Meta):
        verbose_name = _("legal aid matter")
        verbose_name_plural = _("legal aid matters")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=DECIDED_STATUSES) | Q(decided_on__isnull=False, decision_reason__isnull=False),
                name="legal_aid_matter_decision_recorded",
                violation_error_message=_("An eligibility decision needs its date and reason."),
            ),
            models.CheckConstraint(
                condition=~Q(status=MatterStatus.IN_PROGRESS) | Q(started_on__isnull=False),
                name="legal_aid_matter_start_dated",
                violation_error_message=_("A matter in progress needs the date its work started."),
            ),
            models.CheckConstraint(
                condition=~Q(status=MatterStatus.CONCLUDED) | (Q(concluded_on__isnull=False) & ~Q(outcome="")),
                name="legal_aid_matter_conclusion_recorded",
                violation_error_message=_("A concluded matter needs its outcome and the date it ended."),
            ),
            models.CheckConstraint(
                condition=Q(status=MatterStatus.CONCLUDED)
                | Q(outcome="", compensation_awarded__isnull=True, compensation_received__isnull=True),
                name="legal_aid_matter_outcome_only_when_concluded",
                violation_error_message=_("The outcome and compensation are recorded when the matter is concluded."),
            ),
            models.CheckConstraint(
                condition=Q(compensation_awarded__isnull=True) | Q(compensation_awarded__gte=0),
                name="legal_aid_matter_awarded_not_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(compensation_received__isnull=True)
                | Q(
                    compensation_received__gte=0,
                    compensation_awarded__isnull=False,
                    compensation_received__lte=F("compensation_awarded"),
                ),
                name="legal_aid_matter_received_within_awarded",
                violation_error_message=_("The compensation received cannot exceed the compensation awarded."),
            ),
            models.CheckConstraint(
                condition=Q(compensation_received_on__isnull=True) | Q(compensation_received__isnull=False),
                name="legal_aid_matter_receipt_has_amount",
                violation_error_message=_("Record the amount received with its date."),
            ),
        ]

    def __str__(self) -> str:
        return f"legal aid matter {self.uuid}"

    def clean(self):
        """Dates follow the steps of the matter: applied, decided, started, concluded."""
        steps = (
            ("decided_on", self.applied_on, _("The decision cannot come before the application.")),
            ("started_on", self.decided_on or self.applied_on, _("Work cannot start before the decision.")),
            (
                "concluded_on",
                self.started_on or self.decided_on or self.applied_on,
                _("A matter cannot end before it started."),
            ),
            ("compensation_received_on", self.applied_on, _("Compensation cannot be received before the application.")),
        )
        for name, earliest, message in steps:
            value = getattr(self, name)
            if value is not None and earliest is not None and value < earliest:
                raise ValidationError({name: message})


class LegalAidActivity(CaseRecord):
    """One piece of work on a legal aid matter — a consultation, a document drafted, a court
    hearing, a mediation, a visit — with the time spent and the next step it leaves."""

    section = Section.LEGAL_AID

    matter = models.ForeignKey(
        LegalAidMatter, on_delete=models.PROTECT, related_name="activities", verbose_name=_("matter")
    )
    kind = models.CharField(_("activity"), max_length=24, choices=ActivityKind.choices)
    occurred_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2)
    notes = EncryptedTextField(_("notes"), blank=True, default="")
    next_step = EncryptedTextField(_("next step"), null=True, blank=True)
    next_step_due = models.DateField(_("next step due by"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    objects = ActivityQuerySet.as_manager()

    class Meta(CaseRecord.Meta):
        verbose_name = _("legal aid activity")
        verbose_name_plural = _("legal aid activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=24),
                name="legal_aid_activity_hours_in_a_day",
                violation_error_message=_("Give the hours spent: more than 0, at most 24."),
            ),
            models.CheckConstraint(
                condition=Q(next_step_due__isnull=True) | Q(next_step__isnull=False),
                name="legal_aid_activity_deadline_has_step",
                violation_error_message=_("Say what the next step is, not only when it is due."),
            ),
        ]

    def __str__(self) -> str:
        return f"legal aid activity {self.uuid}"

    def clean(self):
        if self.next_step_due is not None and self.occurred_on is not None and self.next_step_due < self.occurred_on:
            raise ValidationError({"next_step_due": _("The next step cannot be due before this activity.")})
