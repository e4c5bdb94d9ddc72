"""The legal aid pages: the ``legal_aid`` tab of the case file, a matter's page with its activity
log, the forms (open, decide, start, conclude, edit, record and correct an activity) and the
centre's worklist (its own page, and a panel on the legal aid dashboard).

Server-rendered, usable without JavaScript, no inline script or style (the CSP forbids them).
They follow the victim file's pages (``victims.views``): reads through the selectors — the case
through ``victims.selectors.case_for``, matters through ``legal_aid.selectors`` (a legal aid
worker's centre only) — each page that shows case data logged with ``log_read`` and the sections
shown; writes through ``legal_aid.operations`` only, their ``RuleViolation`` on the field it
names, ``Conflict`` above the form, a stale version as a "reload" message; a case or matter out of
reach is the 404 page, an action the user may not take the 403 page (both audited, by
``registry.pages.case_page``). Matters and activities are addressed within their case in
the URL; no personal value is ever part of one.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from legal_aid import forms, operations, selectors
from legal_aid.choices import OPEN_STATUSES, MatterStatus
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry import policy
from registry.audit import AuditAction, log_read
from registry.context_processors import display_name
from registry.errors import Conflict, NotFound, PermissionDenied, RuleViolation, StaleVersion
from registry.forms import show_error
from registry.models import Organization, User
from registry.pages import case_page
from registry.policy import Section, require
from registry.presentation import case_url, display, label_of
from victims import selectors as case_selectors
from victims.validation import today

TAB = Section.LEGAL_AID.value
PAGE_SIZE = 25
DASHBOARD_ROWS = 10

EXTRA_LABELS = {"next_deadline": gettext_lazy("Next deadline"), "centre": gettext_lazy("Legal aid centre")}
# What the matter page shows, in order; the later steps' fields only once recorded.
MATTER_FACTS = (  # the status is the page's badge
    "matter_type",
    "applied_on",
    "summary",
    "lawyer",
    "decided_on",
    "decision_reason",
    "started_on",
    "concluded_on",
    "outcome",
    "outcome_description",
    "compensation_awarded",
    "compensation_received",
    "compensation_received_on",
    "next_deadline",
)
ALWAYS_SHOWN = frozenset({"matter_type", "applied_on", "summary", "lawyer"})
ACTIVITY_COLUMNS = ("occurred_on", "kind", "hours", "notes", "next_step", "next_step_due", "recorded_by")

STALE = gettext_lazy(
    "Someone else changed this matter while you were editing it. Reload the page to see the current "
    "version, then make your change again."
)


# --- helpers ----------------------------------------------------------------------------------


def _label(model, name: str) -> str:
    return str(EXTRA_LABELS[name]) if name in EXTRA_LABELS else label_of(model, name)


def _facts(model, data: dict, names, *, people: dict[str, str]) -> list[dict]:
    """``[{name, label, value}]`` for ``victims/_facts.html``; user and centre ids by name."""
    return [
        {"name": name, "label": _label(model, name), "value": display(model, name, data.get(name), names=people)}
        for name in names
    ]


def _people(ids) -> dict[str, str]:
    """Display names of the users and centres a record names by id."""
    ids = {str(value) for value in ids if value}
    if not ids:
        return {}
    names = {str(user.uuid): display_name(user) for user in User.objects.filter(uuid__in=ids)}
    names |= {str(key): name for key, name in Organization.objects.filter(uuid__in=ids).values_list("uuid", "name")}
    return names


def matter_url(case, matter_id, page: str = "matter") -> str:
    """The matter's page, or another page about it (``matter-edit``, ``activity-add``)."""
    return reverse(f"legal_aid:{page}", args=[case.uuid, matter_id])


def _refusal(user, case) -> str | None:
    """Why the user may not record legal aid on the case now, if their role could at all."""
    if not policy.may_write(user, Section.LEGAL_AID):
        return None
    try:
        operations.require_recording(user, case, lock=False)
    except PermissionDenied as refused:
        return refused.message
    return None


def _case_and_matter(request, case_id, matter_id):
    user = request.user
    case = case_selectors.case_for(user, case_id)
    return case, selectors.matter_for(user, matter_id, case=case)


def _log_view(request, case, *, person: bool, detail: dict) -> None:
    sections = [Section.PERSON, Section.LEGAL_AID] if person else [Section.LEGAL_AID]
    log_read(request, action=AuditAction.CASE_VIEWED, case_uuid=case.uuid, sections=sections, detail=detail)


def _form_page(request, case, matter, *, title: str, form, intro: str = "", reload: bool = False) -> HttpResponse:
    """A form about a matter, on the victim file's form page, with a way back to the matter."""
    context = {
        "case": case,
        "title": title,
        "form": form,
        "back_url": matter_url(case, matter.uuid) if matter else case_url(case, TAB),
        "intro": intro,
        "reload_url": request.path if reload else None,
    }
    return render(request, "victims/record_form.html", context)


def _attempt(form, write) -> bool:
    """Run ``write()``; put a refusal on the form — a stale version as the "reload" message, a
    conflict above the form, a broken rule on its field. True when it was saved."""
    try:
        write()
    except StaleVersion:
        form.add_error(None, str(STALE))
    except Conflict as refused:
        form.add_error(None, refused.message)
    except RuleViolation as refused:
        show_error(form, refused)
    else:
        return True
    return False


def _amend(request, form, *, current: dict, version: int, amend, saved: str) -> bool:
    """Save what the form changed from ``current`` through ``amend(changes=…, expected_version=…)``;
    nothing changed is fine unless the record moved on meanwhile (stale). Tells the user."""
    expected = form.cleaned_data["version"]
    changes = {name: value for name, value in form.values().items() if value != current[name]}

    def write():
        if changes:
            amend(changes=changes, expected_version=expected)
        elif expected != version:
            raise StaleVersion("stale")

    if not _attempt(form, write):
        return False
    if changes:
        messages.success(request, saved)
    else:
        messages.info(request, _("Nothing was changed."))
    return True


# --- the case file's tab ----------------------------------------------------------------------


def case_tab(request: HttpRequest, case, data: list[dict]) -> tuple[str, dict[str, Any]]:
    """The ``legal_aid`` tab (declared in ``legal_aid/sections.py``): the case's matters the user sees,
    with status, lawyer and next deadline, and "open a matter" for a centre that may record."""
    user = request.user
    people = _people(matter["lawyer"] for matter in data)
    rows = [
        {
            "id": matter["id"],
            "url": matter_url(case, matter["id"]),
            "facts": _facts(
                LegalAidMatter,
                matter,
                ("matter_type", "status", "applied_on", "lawyer", "next_deadline"),
                people=people,
            ),
        }
        for matter in data
    ]
    refusal = _refusal(user, case)
    may_open = policy.may_write(user, Section.LEGAL_AID) and refusal is None
    return "legal_aid/_tab.html", {
        "legal_aid_matters": rows,
        "legal_aid_columns": [row["label"] for row in rows[0]["facts"]] if rows else [],
        "legal_aid_open_url": reverse("legal_aid:matter-open", args=[case.uuid]) if may_open else None,
        "legal_aid_refusal": refusal,
    }


# --- a matter ---------------------------------------------------------------------------------


def _actions(case, matter: dict) -> list[dict]:
    """The steps the matter's status allows (for a user who may record)."""
    status = matter["status"]
    steps = []
    if status == MatterStatus.APPLIED:
        steps.append(("decide", _("Decide eligibility"), "primary"))
    if status == MatterStatus.ACCEPTED:
        steps.append(("start", _("Start the work"), "primary"))
        steps.append(("conclude", _("Record a withdrawal"), "secondary"))
    if status == MatterStatus.IN_PROGRESS:
        steps.append(("conclude", _("Conclude the matter"), "primary"))
    actions = [
        {
            "id": step,
            "label": label,
            "style": style,
            "url": reverse("legal_aid:matter-step", args=[case.uuid, matter["id"], step]),
        }
        for step, label, style in steps
    ]
    if status in OPEN_STATUSES:
        actions.append(
            {
                "id": "add-activity",
                "label": _("Record an activity"),
                "style": "secondary",
                "url": matter_url(case, matter["id"], "activity-add"),
            }
        )
    actions.append(
        {
            "id": "edit-matter",
            "label": _("Edit details"),
            "style": "secondary",
            "url": matter_url(case, matter["id"], "matter-edit"),
        }
    )
    return actions


@case_page("GET", "HEAD")
def matter_page(request: HttpRequest, case_id, matter_id) -> HttpResponse:
    """One matter: its facts, the steps its status allows, and its activity log."""
    user = request.user
    case, matter = _case_and_matter(request, case_id, matter_id)
    data = selectors.matter_detail(matter)
    people = _people([data["lawyer"], data["centre"], *(row["recorded_by"] for row in data["activities"])])
    shown = [name for name in MATTER_FACTS if name in ALWAYS_SHOWN or data.get(name) not in (None, "")]
    refusal = _refusal(user, case)
    writable = policy.may_write(user, Section.LEGAL_AID) and refusal is None
    activities = [
        {
            "id": row["id"],
            "cells": _facts(LegalAidActivity, row, ACTIVITY_COLUMNS, people=people),
            "edit_url": reverse("legal_aid:activity-edit", args=[case.uuid, matter.uuid, row["id"]])
            if writable
            else None,
        }
        for row in data["activities"]
    ]
    show_person = policy.may_read(user, Section.PERSON)
    context = {
        "case": case,
        "person_name": case.victim.full_name if show_person else None,
        "matter": data,
        "status_label": MatterStatus(data["status"]).label,
        "centre_name": people.get(data["centre"], ""),
        "facts": _facts(LegalAidMatter, data, shown, people=people),
        "actions": _actions(case, data) if writable else [],
        "refusal": refusal,
        "activities": activities,
        "activity_columns": [_label(LegalAidActivity, name) for name in ACTIVITY_COLUMNS],
        "back_url": case_url(case, TAB),
    }
    _log_view(request, case, person=show_person, detail={"view": "legal_aid_matter", "record": str(matter.uuid)})
    return render(request, "legal_aid/matter.html", context)


@case_page("GET", "HEAD", "POST")
def matter_open(request: HttpRequest, case_id) -> HttpResponse:
    """Open a matter from the centre's accepted referral of the case."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    if not policy.may_read(user, Section.LEGAL_AID):
        raise NotFound(_("No such section."))
    operations.require_recording(user, case, lock=False)
    form = forms.MatterOpenForm(request.POST or None, initial={"applied_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            matter = operations.matter_open(actor=user, case=case, **form.cleaned_data)
        except (RuleViolation, Conflict) as refused:
            show_error(form, refused)
        else:
            messages.success(request, _("The legal aid matter is opened."))
            return HttpResponseRedirect(matter_url(case, matter.uuid))
    return _form_page(request, case, None, title=_("Open a legal aid matter"), form=form)


# The status steps: form, operation, title, message when done.
STEPS = {
    "decide": (
        forms.DecideForm,
        operations.matter_decide,
        gettext_lazy("Decide eligibility"),
        gettext_lazy("The eligibility decision is recorded."),
    ),
    "start": (
        forms.StartForm,
        operations.matter_start,
        gettext_lazy("Start the work"),
        gettext_lazy("The work on the matter has started."),
    ),
    "conclude": (
        forms.ConcludeForm,
        operations.matter_conclude,
        gettext_lazy("Conclude the matter"),
        gettext_lazy("The matter is concluded."),
    ),
}
STEP_DATES = {"decide": "decided_on", "start": "started_on", "conclude": "concluded_on"}


@case_page("GET", "HEAD", "POST")
def matter_step(request: HttpRequest, case_id, matter_id, step: str) -> HttpResponse:
    """Decide eligibility, start the work, or conclude — at the version the user read."""
    if step not in STEPS:
        raise NotFound(_("No such step."))
    user = request.user
    case, matter = _case_and_matter(request, case_id, matter_id)
    require(policy.may_write(user, Section.LEGAL_AID))
    operations.require_recording(user, case, lock=False)
    form_class, operation, title, done = STEPS[step]
    initial = {"version": matter.version, STEP_DATES[step]: today()}
    if matter.lawyer_id:
        initial["lawyer"] = matter.lawyer.uuid
    extra = {} if step == "conclude" else {"centre_id": matter.centre_id}
    form = form_class(request.POST or None, initial=initial, **extra)
    if request.method in ("GET", "HEAD"):
        _log_view(request, case, person=False, detail={"view": f"legal_aid_{step}", "record": str(matter.uuid)})
    if request.method == "POST" and form.is_valid():
        values = {name: value for name, value in form.cleaned_data.items() if name != "version"}
        expected = form.cleaned_data["version"]
        if _attempt(form, lambda: operation(actor=user, matter=matter, expected_version=expected, **values)):
            messages.success(request, str(done))
            return HttpResponseRedirect(matter_url(case, matter.uuid))
    intro = ""
    if step == "conclude" and matter.status == MatterStatus.ACCEPTED:
        intro = _("The work on this matter has not started: it can only be concluded as withdrawn.")
    return _form_page(request, case, matter, title=str(title), form=form, intro=intro, reload=True)


@case_page("GET", "HEAD", "POST")
def matter_edit(request: HttpRequest, case_id, matter_id) -> HttpResponse:
    """Correct or complete a matter's details (those its present step allows)."""
    user = request.user
    case, matter = _case_and_matter(request, case_id, matter_id)
    require(policy.may_write(user, Section.LEGAL_AID))
    operations.require_recording(user, case, lock=False)
    fields = operations.amendable_fields(matter)
    current = {name: getattr(matter, name) for name in fields}
    initial = {**current, "version": matter.version}
    if "lawyer" in initial:
        initial["lawyer"] = matter.lawyer.uuid if matter.lawyer_id else None
    form = forms.MatterEditForm(request.POST or None, initial=initial, fields=fields, centre_id=matter.centre_id)
    if request.method in ("GET", "HEAD"):
        _log_view(request, case, person=False, detail={"view": "legal_aid_matter_edit", "record": str(matter.uuid)})
    if request.method == "POST" and form.is_valid():
        amend = partial(operations.matter_amend, actor=user, matter=matter)
        saved = _("The legal aid matter is saved.")
        if _amend(request, form, current=current, version=matter.version, amend=amend, saved=saved):
            return HttpResponseRedirect(matter_url(case, matter.uuid))
    return _form_page(request, case, matter, title=_("Edit the legal aid matter"), form=form, reload=True)


# --- activities -------------------------------------------------------------------------------


@case_page("GET", "HEAD", "POST")
def activity_add(request: HttpRequest, case_id, matter_id) -> HttpResponse:
    """Record a piece of work on an open matter."""
    user = request.user
    case, matter = _case_and_matter(request, case_id, matter_id)
    require(policy.may_write(user, Section.LEGAL_AID))
    operations.require_recording(user, case, lock=False)
    form = forms.ActivityForm(request.POST or None, initial={"occurred_on": today()})
    if request.method == "POST" and form.is_valid():
        if _attempt(form, lambda: operations.activity_add(actor=user, matter=matter, **form.values())):
            messages.success(request, _("The activity is recorded."))
            return HttpResponseRedirect(matter_url(case, matter.uuid))
    return _form_page(request, case, matter, title=_("Record an activity"), form=form)


@case_page("GET", "HEAD", "POST")
def activity_edit(request: HttpRequest, case_id, matter_id, activity_id) -> HttpResponse:
    """Correct an activity at the version the user read."""
    user = request.user
    case, matter = _case_and_matter(request, case_id, matter_id)
    activity = selectors.activity_for(user, activity_id, matter=matter)
    require(policy.may_write(user, Section.LEGAL_AID))
    operations.require_recording(user, case, lock=False)
    current = {name: getattr(activity, name) for name in operations.ACTIVITY_FIELDS}
    form = forms.ActivityForm(request.POST or None, initial={**current, "version": activity.version}, editing=True)
    if request.method in ("GET", "HEAD"):
        _log_view(request, case, person=False, detail={"view": "legal_aid_activity", "record": str(activity.uuid)})
    if request.method == "POST" and form.is_valid():
        amend = partial(operations.activity_amend, actor=user, activity=activity)
        saved = _("The activity is saved.")
        if _amend(request, form, current=current, version=activity.version, amend=amend, saved=saved):
            return HttpResponseRedirect(matter_url(case, matter.uuid))
    return _form_page(request, case, matter, title=_("Edit the activity"), form=form, reload=True)


# --- the worklist -----------------------------------------------------------------------------


def worklist_matters(user):
    """The worklist (``selectors.matters_for``) reading only the columns the rows show, so no
    other encrypted value is decrypted; the person's name only for a role that reads it."""
    fields = [
        "uuid",
        "status",
        "matter_type",
        "applied_on",
        "case__uuid",
        "case__number",
        "lawyer__uuid",
        "lawyer__first_name",
        "lawyer__last_name",
        "lawyer__username",
    ]
    if policy.may_read(user, Section.PERSON):
        fields.append("case__victim__full_name")
    return selectors.matters_for(user).select_related("case__victim", "lawyer").only(*fields)


def worklist_rows(user, matters) -> tuple[list[dict], bool]:
    """Rows of the worklist: case, person (for a role that reads the person section), kind,
    status, lawyer, next step and deadline (flagged when overdue)."""
    show_person = policy.may_read(user, Section.PERSON)
    day = today()
    rows = []
    for matter in matters:
        rows.append(
            {
                "url": matter_url(matter.case, matter.uuid),
                "number": matter.case.number,
                "name": matter.case.victim.full_name if show_person else None,
                "matter_type": display(LegalAidMatter, "matter_type", matter.matter_type),
                "status": display(LegalAidMatter, "status", matter.status),
                "lawyer": display_name(matter.lawyer) if matter.lawyer_id else "—",
                "next_step": matter.next_step or "—",
                "next_deadline": display(LegalAidMatter, "next_deadline", matter.next_deadline),
                "overdue": matter.next_deadline is not None and matter.next_deadline < day,
            }
        )
    return rows, show_person


def _log_list(request, rows, show_person: bool, view: str, count: int) -> None:
    if rows:
        sections = [Section.PERSON, Section.LEGAL_AID] if show_person else [Section.LEGAL_AID]
        log_read(request, action=AuditAction.CASE_LISTED, sections=sections, detail={"view": view, "count": count})


def dashboard_worklist(request: HttpRequest) -> dict[str, Any]:
    """The worklist panel of the legal aid dashboard (``{% legal_aid_work %}``): the first open
    matters by deadline, and how many there are."""
    user = request.user
    if not policy.may_read(user, Section.LEGAL_AID):
        return {}
    matters = worklist_matters(user)
    rows, show_person = worklist_rows(user, matters[:DASHBOARD_ROWS])
    total = len(rows) if len(rows) < DASHBOARD_ROWS else selectors.matters_for(user).count()
    _log_list(request, rows, show_person, "legal_aid_dashboard", len(rows))
    return {"rows": rows, "total": total, "more": total > len(rows), "url": reverse("legal_aid:worklist")}


@case_page("GET", "HEAD")
def worklist(request: HttpRequest) -> HttpResponse:
    """The open matters the user sees — a legal aid worker, their centre's — by next deadline."""
    user = request.user
    require(policy.may_read(user, Section.LEGAL_AID), _("Your role does not read the legal aid record."))
    try:
        number = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        number = 1
    page = Paginator(worklist_matters(user), PAGE_SIZE).get_page(number)
    rows, show_person = worklist_rows(user, page.object_list)
    _log_list(request, rows, show_person, "legal_aid_worklist", page.paginator.count)
    return render(request, "legal_aid/worklist.html", {"page": page, "rows": rows, "show_person": show_person})
