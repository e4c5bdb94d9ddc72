"""The assistance services' sections of the case file, declared once (``registry.casefile``):
shelter, schooling, training and employment, return home, follow-up visits.

Registered by ``ServicesConfig.ready``. Each record is shown by its ``*_dict`` function in
``services.selectors`` (the API, the tabs and dossiers show the same dict); the related rows
that showing it reads come in the same query, so a section costs one query however many
records it holds.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from registry.casefile import CaseSection, HistorySource, Panel, RecordKind
from registry.choices import Role
from registry.policy import Section
from services import operations, selectors
from services.choices import VisitStatus
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from victims.models import Case

PLACEMENT = RecordKind(
    ShelterPlacement,
    ("shelter", "shelter_name", "admitted_on", "discharged_on", "discharge_reason", "transferred_from", "notes"),
    to_dict=selectors.placement_dict,
    related=("shelter", "transferred_from"),
    order=("admitted_on", "id"),
    labels={"shelter_name": _("Name of the shelter")},
    history_fields=("shelter", "admitted_on", "discharged_on", "discharge_reason", "notes"),
)
ENROLLMENT = RecordKind(
    SchoolEnrollment,
    ("school", "grade", "started_on", "ended_on", "attendance", "follow_up_notes"),
    to_dict=selectors.enrollment_dict,
    related=(),
    order=("started_on", "id"),
)
TRAINING = RecordKind(
    VocationalTraining,
    ("provider", "programme", "started_on", "ended_on", "outcome", "certificate"),
    key="trainings",
    to_dict=selectors.training_dict,
    related=(),
    order=("started_on", "id"),
)
EMPLOYMENT = RecordKind(
    EmploymentPlacement,
    ("employer", "job_title", "started_on", "ended_on", "verified_by", "verified_on"),
    key="employments",
    to_dict=selectors.employment_dict,
    related=("verified_by",),
    order=("started_on", "id"),
    history_fields=("employer", "job_title", "started_on", "ended_on", "verified_on"),
)
RETURN_PLAN = RecordKind(
    ReturnPlan,
    (
        "pathway", "status", "destination_code", "destination_country", "household", "receiving_party",
        "police_unit", "civil_affairs_unit", "escort", "planned_on", "notes", "wish", "wish_statement",
        "wish_recorded_on", "bid_assessed_by", "bid_on", "bid_child_heard", "bid_conclusion", "created_by",
        "approved_by", "approved_at", "decision_comment", "handover_on", "handover_record", "cancellation_reason",
    ),
    to_dict=selectors.return_plan_dict,
    related=("household", "created_by", "approved_by"),
    order=("id",),
    history_fields=(
        "pathway", "status", "destination_code", "destination_country", "household", "receiving_party",
        "police_unit", "civil_affairs_unit", "escort", "planned_on", "notes", "wish", "wish_statement",
        "wish_recorded_on", "bid_assessed_by", "bid_on", "bid_child_heard", "bid_conclusion", "decision_comment",
        "handover_on", "handover_record", "cancellation_reason",
    ),
)  # fmt: skip
VISIT = RecordKind(
    FollowUpVisit,
    (
        "return_plan", "due_on", "status", "visited_on", "visitor", "living_conditions", "needs", "waived_on",
        "waived_by", "waiver_reason",
    ),
    to_dict=selectors.visit_dict,
    related=("return_plan", "waived_by"),
    order=("due_on", "id"),
    labels={"status": _("Visit status")},
    values={"status": dict(VisitStatus.choices)},
    history_fields=("due_on", "visited_on", "visitor", "living_conditions", "needs", "waived_on", "waiver_reason"),
)  # fmt: skip

_TABS = "services.views.tabs"


def _case_history(case):
    return Case.history.filter(id=case.pk)


SECTIONS = (
    CaseSection(
        Section.SHELTER,
        records=(PLACEMENT,),
        tab=f"{_TABS}.shelter_tab",
        close_checks=(operations.refuse_close_while_sheltered,),
        panels=(
            Panel(
                "services/dashboard.html",
                "services.views.dashboard.dashboard_alerts",
                frozenset({Role.CASEWORKER, Role.CIVIL_AFFAIRS, Role.EDUCATION}),
            ),
        ),
    ),
    CaseSection(Section.SCHOOLING, records=(ENROLLMENT,), tab=f"{_TABS}.schooling_tab"),
    CaseSection(Section.TRAINING, records=(TRAINING, EMPLOYMENT), tab=f"{_TABS}.training_tab"),
    CaseSection(
        Section.RETURN_HOME,
        records=(RETURN_PLAN,),
        # Civil affairs' comment on closing a case, and the reason for reopening it, are read
        # with the return home (the person section shows the first to these readers only):
        # their changes are in this section's history.
        history=(HistorySource(Case, ("closure_comment", "decision_comment"), _case_history),),
        tab=f"{_TABS}.return_home_tab",
    ),
    CaseSection(
        Section.FOLLOW_UPS,
        records=(VISIT,),
        tab=f"{_TABS}.follow_ups_tab",
        close_checks=(operations.refuse_close_with_outstanding_visits,),
    ),
)
