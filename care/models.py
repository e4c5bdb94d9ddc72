"""The caseworker's daily work (issue 16): the individual care plan — a needs assessment in
fixed domains, goals and reviews — and the case notes, a running log of contacts.

Every model is a :class:`victims.models.CaseRecord`: a UUID, the case, a version for
``If-Match``, a scoped and tracked manager and history. Every free text (a need's description,
a goal, a review's summary, a note, a decision) is encrypted: it describes the person's body,
mind and family. What rules and dashboards need (dates, choices, organizations, the section a
note concerns) stays plain. ``__str__`` never returns personal data. Writes go through
``care.plan.operations`` and ``care.notes.operations`` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from care.choices import ApprovalStatus, GoalStatus, NeedDomain, NeedRating, NoteKind, Participant
from registry.fields import EncryptedTextField, MultipleChoiceField
from registry.policy import Section
from victims.models import CaseRecord


class _Approval(models.Model):
    """Four eyes on a child's plan and each of its reviews: who wrote it may not approve it."""

    approval = models.CharField(
        _("approval"), max_length=24, choices=ApprovalStatus.choices, default=ApprovalStatus.NOT_REQUIRED
    )
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("written or changed by")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        abstract = True


class CarePlan(CaseRecord, _Approval):  # noqa: DJ008 (CaseRecord.__str__)
    """The case's individual care plan (one per case): assessed on a day, reviewed every 90
    days — every 30 for a child — from that day or the last review (``next_review_on``, kept by
    the operations so the dashboard can list what is due)."""

    section = Section.CARE_PLAN
    assessed_on = models.DateField(_("assessed on"))
    summary = EncryptedTextField(_("assessment summary"), blank=True, default="")
    next_review_on = models.DateField(_("next review due"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    class Meta(CaseRecord.Meta):
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")
        constraints = [models.UniqueConstraint(fields=["case"], name="care_plan_one_per_case")]
        indexes = [models.Index(fields=["next_review_on"], name="care_plan_review_due_idx")]


class Need(CaseRecord):
    """One domain of the needs assessment, rated and described."""

    section = Section.CARE_PLAN
    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="needs", verbose_name=_("care plan"))
    domain = models.CharField(_("domain"), max_length=24, choices=NeedDomain.choices)
    rating = models.CharField(_("rating"), max_length=16, choices=NeedRating.choices)
    description = EncryptedTextField(_("description"), blank=True, default="")

    class Meta(CaseRecord.Meta):
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [models.UniqueConstraint(fields=["plan", "domain"], name="need_one_per_domain")]


class Goal(CaseRecord):
    """A goal of the plan: what, in which domain, whose organization owns it, by when, and how it
    ended (a reason when not achieved); ``links`` name the records that serve it, as
    ``[{"kind": GoalLinkKind, "id": uuid}]`` of the same case (checked by the operations)."""

    section = Section.CARE_PLAN
    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="goals", verbose_name=_("care plan"))
    domain = models.CharField(_("domain"), max_length=24, choices=NeedDomain.choices)
    description = EncryptedTextField(_("goal"))
    owner = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner organization")
    )
    target_on = models.DateField(_("target date"))
    status = models.CharField(_("status"), max_length=24, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    status_reason = EncryptedTextField(_("reason"), blank=True, default="")
    closed_on = models.DateField(_("goal closed on"), null=True, blank=True)
    # Plain: kinds and UUIDs of records of the same case (checked by the operations), nothing typed.
    links = models.JSONField(_("served by"), default=list, blank=True)

    class Meta(CaseRecord.Meta):
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(status=GoalStatus.OPEN, closed_on__isnull=True)
                | (~Q(status=GoalStatus.OPEN) & Q(closed_on__isnull=False)),
                name="goal_closed_on_matches_status",
                violation_error_message=_("A closed goal has the date it was closed, an open one has none."),
            ),
        ]


class Review(CaseRecord, _Approval):  # noqa: DJ008 (CaseRecord.__str__)
    """A review of the plan: when, by whom, what was found; a child's waits for approval."""

    section = Section.CARE_PLAN
    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("care plan"))
    reviewed_on = models.DateField(_("reviewed on"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewed by")
    )
    summary = EncryptedTextField(_("review summary"))

    class Meta(CaseRecord.Meta):
        verbose_name = _("review")
        verbose_name_plural = _("reviews")


class CaseNote(CaseRecord):
    """One entry of the service log. Append-only: a correction is a new note pointing at the one
    it corrects (``corrects``; a note is corrected at most once, so a chain stays a line). The
    section it ``concerns`` decides who reads it: the readers of that section only."""

    section = Section.NOTES
    kind = models.CharField(_("kind"), max_length=16, choices=NoteKind.choices)
    occurred_on = models.DateField(_("date"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    # Roles of who took part, never names (other victims may be present).
    participants = MultipleChoiceField(_("participants"), choices=Participant.choices, blank=True)
    organizations = models.ManyToManyField(
        "registry.Organization", blank=True, related_name="+", verbose_name=_("organizations present")
    )
    # The section of registry.policy the note is about: its readers, and only they, read it.
    concerns = models.CharField(_("concerns"), max_length=24, choices=Section.choices)
    text = EncryptedTextField(_("note"))
    corrects = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
        verbose_name=_("corrects"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )

    class Meta(CaseRecord.Meta):
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        indexes = [models.Index(fields=["case", "occurred_on"], name="note_case_date_idx")]


class ConferenceDecision(CaseRecord):
    """A decision of a case conference (a note of kind ``conference``), which may have created a
    goal of the care plan."""

    section = Section.NOTES
    note = models.ForeignKey(CaseNote, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("note"))
    text = EncryptedTextField(_("decision"))
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("goal created")
    )

    class Meta(CaseRecord.Meta):
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
