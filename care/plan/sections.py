"""The care plan section of the case file, declared once (``registry.casefile``): the needs
assessment (``plan``, a list of at most one), its ``needs`` in the fixed domains, the
``goals`` and the ``reviews``.

Registered by ``CareConfig.ready`` (``care/sections.py``). A receiving department reads only
its own department's goals (``selectors.own_department_goals``); the assessment, needs and
reviews are for the caseworker and civil affairs (``selectors.assessment_readers_only``) —
the narrowing of the kinds, so that the API, the tab, the timeline, history and dossiers all
follow. Closing a case is refused while a goal is open (``operations.refuse_close_with_open_goals``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from care.models import CarePlan, Goal, Need, Review
from care.plan import operations, selectors
from registry.casefile import CaseSection, Panel, RecordKind
from registry.choices import Role
from registry.policy import Section

PLAN = RecordKind(
    CarePlan,
    selectors.PLAN_FIELDS,
    key="plan",
    to_dict=selectors.plan_dict,
    related=("created_by", "approved_by"),
    narrow=selectors.assessment_readers_only,
    history_fields=("assessed_on", "summary", "approval", "next_review_on", "decision_comment"),
    dates=(("assessed_on", _("Needs assessed")),),
    label=_("Needs assessment"),
    title=_("Needs assessment"),
)
NEED = RecordKind(
    Need,
    selectors.NEED_FIELDS,
    key="needs",
    related=(),
    narrow=selectors.assessment_readers_only,
    layout="table",
)
GOAL = RecordKind(
    Goal,
    selectors.GOAL_FIELDS,
    key="goals",
    related=("owner",),
    order=("target_on", "id"),
    narrow=selectors.own_department_goals,
    dates=(("target_on", _("Goal due")), ("closed_on", _("Goal closed"))),
)
REVIEW = RecordKind(
    Review,
    selectors.REVIEW_FIELDS,
    key="reviews",
    to_dict=selectors.review_dict,
    related=("reviewer", "approved_by"),
    order=("reviewed_on", "id"),
    narrow=selectors.assessment_readers_only,
    history_fields=("reviewed_on", "summary", "approval", "decision_comment"),
    dates=(("reviewed_on", _("Care plan reviewed")),),
)

SECTION = CaseSection(
    Section.CARE_PLAN,
    records=(PLAN, NEED, GOAL, REVIEW),
    tab="care.plan.views.care_plan_tab",
    close_checks=(operations.refuse_close_with_open_goals,),
    panels=(
        Panel(
            "care/plan/dashboard.html",
            "care.plan.views.dashboard_reviews",
            frozenset({Role.CASEWORKER, Role.CIVIL_AFFAIRS}),
        ),
    ),
)
