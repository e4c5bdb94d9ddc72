"""Serializers of the services' API.

Input: explicit field lists, never ``"__all__"`` — a new model field stays out of the API until
someone adds it here. They refuse fields they do not take, parse encrypted dates and text by
the model's real types, and never repeat a refused value in the error (the bases of
``registry.api.serializers``).
Output is built by ``services.selectors`` (what the case file and the HTML pages show); the
``*Serializer`` classes at the bottom document it for the OpenAPI schema.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from registry.api.serializers import ChoiceField, ModelInputSerializer, StrictSerializer
from registry.fields import MAX_TEXT_LENGTH
from services.choices import (
    Attendance,
    DischargeReason,
    Pathway,
    ReturnPlanStatus,
    TrainingOutcome,
    Wish,
)
from services.models import EmploymentPlacement, FollowUpVisit, ReturnPlan, SchoolEnrollment, VocationalTraining

TEXT = MAX_TEXT_LENGTH  # bound of free text (the model fields' own)


def _text(**kwargs):
    return serializers.CharField(max_length=TEXT, allow_blank=True, required=False, **kwargs)


# --- shelter placements -----------------------------------------------------------------------


class PlacementAdmitSerializer(StrictSerializer):
    shelter = serializers.UUIDField(help_text=_("The shelter's (organization's) id."))
    admitted_on = serializers.DateField(required=False, help_text=_("By default today."))
    notes = _text(default="")


class PlacementAmendSerializer(StrictSerializer):
    admitted_on = serializers.DateField(required=False)
    notes = _text()


class PlacementTransferSerializer(StrictSerializer):
    to_shelter = serializers.UUIDField(help_text=_("The receiving shelter's id."))
    transferred_on = serializers.DateField(required=False, help_text=_("By default today."))
    notes = _text(default="")


class PlacementDischargeSerializer(StrictSerializer):
    discharged_on = serializers.DateField(required=False, help_text=_("By default today."))
    reason = ChoiceField(
        choices=[(c.value, c.label) for c in DischargeReason if c != DischargeReason.TRANSFERRED],
        default=DischargeReason.LEFT,
    )


# --- schooling, training, employment ----------------------------------------------------------


class EnrollmentInputSerializer(ModelInputSerializer):
    class Meta:
        model = SchoolEnrollment
        fields = ("school", "grade", "started_on", "ended_on", "attendance", "follow_up_notes")


class TrainingInputSerializer(ModelInputSerializer):
    class Meta:
        model = VocationalTraining
        fields = ("provider", "programme", "started_on", "ended_on", "outcome", "certificate")


class EmploymentInputSerializer(ModelInputSerializer):
    verified = serializers.BooleanField(
        required=False, help_text=_("true: you confirm the job (recorded as verifier today); false clears it.")
    )

    class Meta:
        model = EmploymentPlacement
        fields = ("employer", "job_title", "started_on", "ended_on", "verified")


# --- return plans -----------------------------------------------------------------------------


class ReturnPlanInputSerializer(ModelInputSerializer):
    household = serializers.UUIDField(
        allow_null=True, required=False, help_text=_("The id of a household recorded in this case.")
    )

    class Meta:
        model = ReturnPlan
        fields = (
            "pathway", "planned_on", "destination_code", "destination_country", "household", "receiving_party",
            "police_unit", "civil_affairs_unit", "escort", "notes", "wish", "wish_statement", "wish_recorded_on",
            "bid_assessed_by", "bid_on", "bid_child_heard", "bid_conclusion",
        )  # fmt: skip


class ReturnPlanCompleteSerializer(StrictSerializer):
    handover_on = serializers.DateField(help_text=_("The day the person was handed over."))
    escort = serializers.CharField(max_length=TEXT, required=False, help_text=_("By default the plan's."))
    receiving_party = serializers.CharField(max_length=TEXT, required=False, help_text=_("By default the plan's."))
    handover_record = serializers.CharField(
        max_length=TEXT, required=False, help_text=_("Required for a return to another province.")
    )


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=TEXT)


# --- follow-up visits -------------------------------------------------------------------------


class VisitScheduleSerializer(StrictSerializer):
    due_on = serializers.DateField()


class VisitRecordSerializer(ModelInputSerializer):
    class Meta:
        model = FollowUpVisit
        fields = ("visited_on", "visitor", "living_conditions", "needs")


# --- what the API answers (documented for the schema; built by services.selectors) -----------


class RecordSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField(help_text=_("Send it back in If-Match to change the record."))


class PlacementSerializer(RecordSerializer):
    """A stay in a shelter."""

    shelter = serializers.UUIDField()
    shelter_name = serializers.CharField()
    admitted_on = serializers.DateField()
    discharged_on = serializers.DateField(allow_null=True)
    discharge_reason = ChoiceField(choices=DischargeReason.choices, allow_blank=True)
    transferred_from = serializers.UUIDField(allow_null=True)
    notes = serializers.CharField()


class EnrollmentSerializer(RecordSerializer):
    """A school enrolment."""

    school = serializers.CharField()
    grade = serializers.CharField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    attendance = ChoiceField(choices=Attendance.choices)
    follow_up_notes = serializers.CharField()


class TrainingSerializer(RecordSerializer):
    """A vocational training."""

    provider = serializers.CharField()
    programme = serializers.CharField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    outcome = ChoiceField(choices=TrainingOutcome.choices)
    certificate = serializers.CharField(allow_null=True)


class EmploymentSerializer(RecordSerializer):
    """An employment placement."""

    employer = serializers.CharField()
    job_title = serializers.CharField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    verified_by = serializers.CharField(allow_null=True, help_text=_("Username of the verifying officer."))
    verified_on = serializers.DateField(allow_null=True)


class ReturnPlanSerializer(RecordSerializer):
    """A return plan."""

    pathway = ChoiceField(choices=Pathway.choices)
    status = ChoiceField(choices=ReturnPlanStatus.choices)
    destination_code = serializers.CharField()
    destination_country = serializers.CharField()
    household = serializers.UUIDField(allow_null=True)
    receiving_party = serializers.CharField()
    police_unit = serializers.CharField()
    civil_affairs_unit = serializers.CharField()
    escort = serializers.CharField()
    planned_on = serializers.DateField()
    notes = serializers.CharField()
    wish = ChoiceField(choices=Wish.choices, allow_blank=True, help_text=_("Empty: not recorded yet."))
    wish_statement = serializers.CharField()
    wish_recorded_on = serializers.DateField(allow_null=True)
    bid_assessed_by = serializers.CharField(help_text=_("A child's best-interests determination: who assessed it."))
    bid_on = serializers.DateField(allow_null=True)
    bid_child_heard = serializers.BooleanField()
    bid_conclusion = serializers.CharField()
    created_by = serializers.CharField()
    approved_by = serializers.CharField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    handover_on = serializers.DateField(allow_null=True)
    handover_record = serializers.CharField()
    cancellation_reason = serializers.CharField()
    decision_comment = serializers.CharField(
        help_text=_("Civil affairs' comment on approving, or reason for rejecting.")
    )


class VisitSerializer(RecordSerializer):
    """A follow-up visit."""

    return_plan = serializers.UUIDField(allow_null=True)
    due_on = serializers.DateField()
    status = ChoiceField(choices=[(s, s) for s in ("done", "waived", "overdue", "scheduled")])
    visited_on = serializers.DateField(allow_null=True)
    visitor = serializers.CharField()
    living_conditions = serializers.CharField()
    needs = serializers.CharField()
    waived_on = serializers.DateField(allow_null=True)
    waived_by = serializers.CharField(allow_null=True)
    waiver_reason = serializers.CharField(allow_null=True)


class OccupancySerializer(serializers.Serializer):
    """Beds of one shelter in your area: counts only, no person."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.CharField()
    jurisdiction = serializers.CharField()
    capacity = serializers.IntegerField()
    occupied = serializers.IntegerField()
    free = serializers.IntegerField()
    nearly_full = serializers.BooleanField(help_text=_("At least 90 per cent of the beds taken, or one bed left."))
