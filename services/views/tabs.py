"""The case file's tabs of the assistance services (declared in ``services/sections.py``): shelter,
schooling, training and employment, return home, follow-up visits.

Each tab shows the records of the section as the section builder gave them for the user (so
the policy has already decided what is in them), with the steps the user may take on each: what
the policy lets the role do (``registry.policy``) and what the record's state allows. The
operations stay the authority: a step offered here may still be refused there, and its form
says why. A step withheld is explained where the user would look for it (four eyes on a plan's
approval, a referral not accepted yet, a stage that admits no change)."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from registry import policy
from registry.errors import PermissionDenied
from registry.policy import Action, Section
from registry.presentation import country, facts, place_names
from services import operations as services
from services.choices import ACTIVE_RETURN_PLAN_STATUSES, ReturnPlanStatus, VisitStatus
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from services.operations.shelter import ADMITTING_STAGES
from services.views.common import people
from victims.choices import Stage
from victims.models import Household
from victims.stages import TRANSITIONS

TEMPLATE = "services/_tab.html"

VISIT_BADGES = {"done": "stage", "waived": "", "overdue": "warn", "scheduled": ""}
PLAN_BADGES = {
    ReturnPlanStatus.AWAITING_APPROVAL: "warn",
    ReturnPlanStatus.APPROVED: "stage",
    ReturnPlanStatus.COMPLETED: "stage",
    ReturnPlanStatus.CANCELLED: "",
    ReturnPlanStatus.REJECTED: "",
}


def visit_status_label(status: str) -> str:
    return str(VisitStatus(status).label)


def _url(name: str, case, *args) -> str:
    return reverse(f"services:{name}", args=[case.uuid, *args])


def _link(ident: str, label: str, url: str, style: str = "secondary") -> dict[str, str]:
    return {"id": ident, "label": label, "url": url, "style": style}


def _tab(*, blocks, links=(), hints=()) -> tuple[str, dict[str, Any]]:
    return TEMPLATE, {"services_tab": {"blocks": blocks, "links": list(links), "hints": [h for h in hints if h]}}


def _block(ident: str, records: list[dict], *, title=None, add=None, empty=None) -> dict[str, Any]:
    return {
        "id": ident,
        "title": title,
        "records": records,
        "add": add,
        "empty": empty or _("Nothing recorded yet."),
    }


# --- shelter ----------------------------------------------------------------------------------

PLACEMENT_FACTS = ("shelter", "admitted_on", "discharged_on", "discharge_reason", "transferred_from", "notes")


def shelter_tab(request: HttpRequest, case, data: list[dict]) -> tuple[str, dict[str, Any]]:
    """The stays in shelters, the open one first to act on: transfer, discharge, correct; and
    "admit" while the person is in no shelter and the case's stage allows it."""
    user = request.user
    writable = policy.may_write(user, Section.SHELTER)
    names = {row["shelter"]: row["shelter_name"] for row in data}
    names |= {row["id"]: row["shelter_name"] for row in data}  # "transferred from" names the previous stay
    records = []
    for row in reversed(data):  # the latest stay first
        open_stay = row["discharged_on"] is None
        item = {
            "id": row["id"],
            "title": row["shelter_name"],
            "badge": {"label": _("In this shelter now"), "style": "stage"} if open_stay else None,
            "facts": facts(ShelterPlacement, row, [n for n in PLACEMENT_FACTS if n != "shelter"], names=names),
            "links": [],
            "buttons": [],
            "notes": [],
        }
        if writable:
            if open_stay:
                item["links"] += [
                    _link(f"transfer-{row['id']}", _("Transfer"), _url("placement-transfer", case, row["id"])),
                    _link(f"discharge-{row['id']}", _("Discharge"), _url("placement-discharge", case, row["id"])),
                ]
            item["links"].append(_link(f"edit-{row['id']}", _("Edit"), _url("placement-edit", case, row["id"])))
        records.append(item)
    hints, add = [], None
    in_shelter = any(row["discharged_on"] is None for row in data)
    if writable and not in_shelter:
        if case.stage in ADMITTING_STAGES:
            add = _link("admit", _("Admit to a shelter"), _url("placement-admit", case), "primary")
        else:
            hints.append(
                _("A case that is “%(stage)s” is not admitted to a shelter.") % {"stage": Stage(case.stage).label}
            )
    links = [_link("occupancy-link", _("Shelter occupancy"), reverse("services:occupancy"))]
    return _tab(blocks=[_block("placements", records, add=add)], links=links, hints=hints)


# --- schooling, training and employment -------------------------------------------------------


def _receiver_refusal(user, case, section: Section) -> tuple[bool, str | None]:
    """Whether the user may record in ``section`` now, and if their role could but may not yet
    (or no longer), why: a receiving department writes only under an accepted referral."""
    if not policy.may_write(user, section):
        return False, None
    try:
        services.require_section_write(user, case, section)
    except PermissionDenied as refused:
        return False, refused.message
    return True, None


def _record_cards(case, model, rows, field_names, *, writable: bool, edit_name: str) -> list[dict]:
    cards = []
    for row in rows:
        item = {"id": row["id"], "facts": facts(model, row, field_names), "links": [], "buttons": [], "notes": []}
        if writable:
            item["links"].append(_link(f"edit-{row['id']}", _("Edit"), _url(edit_name, case, row["id"])))
        cards.append(item)
    return cards


ENROLLMENT_FACTS = ("school", "grade", "started_on", "ended_on", "attendance", "follow_up_notes")
TRAINING_FACTS = ("programme", "provider", "started_on", "ended_on", "outcome", "certificate")
EMPLOYMENT_FACTS = ("job_title", "employer", "started_on", "ended_on", "verified_by", "verified_on")


def schooling_tab(request: HttpRequest, case, data: list[dict]) -> tuple[str, dict[str, Any]]:
    """The child's school enrolments; the education officer of an accepted referral adds and
    corrects them."""
    writable, refusal = _receiver_refusal(request.user, case, Section.SCHOOLING)
    cards = _record_cards(
        case, SchoolEnrollment, data, ENROLLMENT_FACTS, writable=writable, edit_name="enrollment-edit"
    )
    add = (
        _link("add-enrollment", _("Add a school enrolment"), _url("enrollment-add", case), "primary")
        if writable
        else None
    )
    return _tab(blocks=[_block("enrollments", cards, add=add)], hints=[refusal])


def training_tab(request: HttpRequest, case, data: dict) -> tuple[str, dict[str, Any]]:
    """Vocational trainings and jobs; the labour officer of an accepted referral records them."""
    writable, refusal = _receiver_refusal(request.user, case, Section.TRAINING)
    names = people(row["verified_by"] for row in data["employments"])
    trainings = _record_cards(
        case, VocationalTraining, data["trainings"], TRAINING_FACTS, writable=writable, edit_name="training-edit"
    )
    employments = []
    for row in data["employments"]:
        item = {
            "id": row["id"],
            "facts": facts(EmploymentPlacement, row, EMPLOYMENT_FACTS, names=names),
            "links": [],
            "buttons": [],
            "notes": [],
        }
        if writable:
            item["links"].append(_link(f"edit-{row['id']}", _("Edit"), _url("employment-edit", case, row["id"])))
        employments.append(item)
    blocks = [
        _block(
            "trainings",
            trainings,
            title=_("Vocational training"),
            add=_link("add-training", _("Add a training"), _url("training-add", case), "primary") if writable else None,
        ),
        _block(
            "employments",
            employments,
            title=_("Employment"),
            add=_link("add-employment", _("Add a job"), _url("employment-add", case), "primary") if writable else None,
        ),
    ]
    return _tab(blocks=blocks, hints=[refusal])


# --- return home ------------------------------------------------------------------------------

PLAN_ALWAYS = ("planned_on", "destination_code", "destination_country", "household", "receiving_party",
               "escort", "wish", "created_by")  # fmt: skip
PLAN_WHEN_SET = ("police_unit", "civil_affairs_unit", "notes", "wish_statement", "wish_recorded_on", "approved_by",
                 "approved_at", "decision_comment", "handover_on", "handover_record",
                 "cancellation_reason")  # fmt: skip
# A best-interests determination is shown whole (whether the child was heard, too) once any of it is recorded.
PLAN_BEST_INTERESTS = ("bid_assessed_by", "bid_on", "bid_child_heard", "bid_conclusion")


def household_labels(user, case, ids) -> dict[str, str]:
    """How a plan's household reads: its place, and whether it is the purchasing household (its
    address only for a role that reads the contacts section)."""
    ids = [value for value in ids if value]
    if not ids:
        return {}
    rows = list(Household.objects.filter(case=case, uuid__in=ids))
    places = place_names(row.jurisdiction_code for row in rows)
    show_address = policy.may_read(user, Section.CONTACTS)
    labels = {}
    for row in rows:
        parts = [row.address] if show_address else []
        if row.jurisdiction_code:
            parts.append(places.get(row.jurisdiction_code, row.jurisdiction_code))
        if row.is_purchaser:
            parts.append(_("purchasing household"))
        labels[str(row.uuid)] = " · ".join(parts) or _("Household")
    return labels


def plan_authors(plan_ids) -> dict[str, set[int]]:
    """For each plan, the users who wrote or changed its content (who may not approve it), as
    the operations recorded them (``ReturnPlan.authors``: the creator and every amender)."""
    authors: dict[str, set[int]] = {}
    rows = ReturnPlan.authors.through.objects.filter(returnplan__uuid__in=plan_ids)
    for uuid, user_id in rows.values_list("returnplan__uuid", "user_id"):
        authors.setdefault(str(uuid), set()).add(user_id)
    return authors


def _approval_notes(user, row: dict, names: dict, authored: bool) -> list[str]:
    status = row["status"]
    if status == ReturnPlanStatus.AWAITING_APPROVAL:
        notes = [_("Waiting for approval by a civil affairs officer who did not write or change the plan.")]
        if not row["wish"]:
            notes.append(_("The person's wish about this return is not recorded yet: the plan cannot be approved."))
        if policy.may(user, Action.APPROVE_RETURN) and authored:
            notes.append(
                _(
                    "You wrote or changed this plan, so you may not approve it: another civil affairs officer "
                    "approves it (four eyes)."
                )
            )
        return notes
    if status == ReturnPlanStatus.APPROVED:
        return [
            _("Approved by %(name)s. Record the handover to complete the return.")
            % {"name": names.get(row["approved_by"], row["approved_by"])},
            _("Changing the plan now withdraws its approval: it must be approved again."),
        ]
    if status == ReturnPlanStatus.COMPLETED:
        return [_("The person was handed over; the follow-up visits are scheduled.")]
    return []


def _approved_at(value: str | None):
    return datetime.datetime.fromisoformat(value) if value else None


def return_home_tab(request: HttpRequest, case, data: list[dict]) -> tuple[str, dict[str, Any]]:
    """The return plans, newest first, each with its approval status; the steps its status
    allows: edit and cancel while in force, approve (civil affairs, not an author), record the
    handover once approved; and "plan a return" when none is in force."""
    user = request.user
    writable = policy.may_write(user, Section.RETURN_HOME)
    may_approve = policy.may(user, Action.APPROVE_RETURN)
    names = people([row["created_by"] for row in data] + [row["approved_by"] for row in data])
    names |= household_labels(user, case, [row["household"] for row in data])
    names |= place_names(row["destination_code"] for row in data)
    names |= {row["destination_country"]: country(row["destination_country"]) for row in data}
    authors = plan_authors([row["id"] for row in data]) if may_approve else {}
    records = []
    for row in reversed(data):
        status = ReturnPlanStatus(row["status"])
        shown = dict(row, approved_at=_approved_at(row["approved_at"]))
        field_names = [*PLAN_ALWAYS, *(name for name in PLAN_WHEN_SET if row.get(name))]
        if any(row.get(name) for name in PLAN_BEST_INTERESTS):
            field_names += PLAN_BEST_INTERESTS
        authored = user.pk in authors.get(row["id"], set())
        item = {
            "id": row["id"],
            "title": facts(ReturnPlan, row, ["pathway"])[0]["value"],
            "badge": {"label": status.label, "style": PLAN_BADGES[status]},
            "facts": facts(ReturnPlan, shown, field_names, names=names),
            "notes": _approval_notes(user, row, names, authored),
            "links": [],
            "buttons": [],
        }
        if may_approve and status == ReturnPlanStatus.AWAITING_APPROVAL and not authored:
            # Civil affairs' decisions, each through its confirmation page (registry.decisions).
            item["links"] += [
                _link(f"approve-{row['id']}", _("Approve the plan"), _url("plan-approve", case, row["id"]), "primary"),
                _link(f"reject-{row['id']}", _("Reject the plan"), _url("plan-reject", case, row["id"]), "danger"),
            ]
        if writable and status == ReturnPlanStatus.APPROVED:
            item["links"].append(
                _link(
                    f"complete-{row['id']}", _("Record the handover"), _url("plan-complete", case, row["id"]), "primary"
                )
            )
        if writable and status in ACTIVE_RETURN_PLAN_STATUSES:
            item["links"] += [
                _link(f"edit-{row['id']}", _("Edit"), _url("plan-edit", case, row["id"])),
                _link(f"cancel-{row['id']}", _("Cancel the plan"), _url("plan-cancel", case, row["id"]), "danger"),
            ]
        records.append(item)
    hints, add = [], None
    in_force = any(row["status"] in ACTIVE_RETURN_PLAN_STATUSES for row in data)
    if writable and not in_force:
        if Stage.RETURN_PLANNED in TRANSITIONS[Stage(case.stage)]:
            add = _link("plan-return", _("Plan a return"), _url("plan-create", case), "primary")
        else:
            hints.append(_("A case that is “%(stage)s” gets no new return plan.") % {"stage": Stage(case.stage).label})
    return _tab(blocks=[_block("return-plans", records, add=add)], hints=hints)


# --- follow-up visits -------------------------------------------------------------------------

VISIT_DONE_FACTS = ("visited_on", "visitor", "living_conditions", "needs")
VISIT_WAIVED_FACTS = ("waived_on", "waived_by", "waiver_reason")


def follow_ups_tab(request: HttpRequest, case, data: list[dict]) -> tuple[str, dict[str, Any]]:
    """The follow-up visits by due date, each done, waived, overdue or scheduled; the caseworker
    records a visit or schedules another, civil affairs waives one with a reason."""
    user = request.user
    writable = policy.may_write(user, Section.FOLLOW_UPS)
    may_waive = policy.may(user, Action.CLOSE_CASE)
    names = people(row["waived_by"] for row in data)
    records = []
    for row in data:
        status = row["status"]
        field_names: list[str] = []  # the due date is the card's title
        if status == "done":
            field_names += VISIT_DONE_FACTS
        elif status == "waived":
            field_names += VISIT_WAIVED_FACTS
        item = {
            "id": row["id"],
            "title": _("Visit due on %(date)s") % {"date": row["due_on"]},
            "badge": {"label": visit_status_label(status), "style": VISIT_BADGES[status]},
            "facts": facts(FollowUpVisit, row, field_names, names=names),
            "notes": [] if row["return_plan"] else [_("An extra visit.")],
            "links": [],
            "buttons": [],
        }
        if writable and status != "waived":
            label = _("Correct the visit record") if status == "done" else _("Record the visit")
            item["links"].append(
                _link(f"record-visit-{row['id']}", label, _url("visit-record", case, row["id"]), "primary")
            )
        if may_waive and status in ("overdue", "scheduled"):
            item["links"].append(
                _link(f"waive-{row['id']}", _("Waive the visit"), _url("visit-waive", case, row["id"]))
            )
        records.append(item)
    add = None
    if writable and case.stage == Stage.RETURNED:
        add = _link("schedule-visit", _("Schedule another visit"), _url("visit-schedule", case))
    hints = []
    if any(row["status"] in ("overdue", "scheduled") for row in data):
        hints.append(_("The case closes only when every visit is done or waived by civil affairs, with a reason."))
    return _tab(blocks=[_block("visits", records, add=add, empty=_("No follow-up visit is scheduled."))], hints=hints)


TABS = {
    Section.SHELTER: shelter_tab,
    Section.SCHOOLING: schooling_tab,
    Section.TRAINING: training_tab,
    Section.RETURN_HOME: return_home_tab,
    Section.FOLLOW_UPS: follow_ups_tab,
}
