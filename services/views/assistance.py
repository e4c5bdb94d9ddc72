"""Schooling, vocational training and employment: add and correct (the receiving department,
under its accepted referral of the case)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy

from registry.errors import NotFound
from registry.pages import case_page
from registry.policy import Section
from services import forms, selectors
from services import operations as services
from services.models import EmploymentPlacement, SchoolEnrollment, VocationalTraining
from services.views.common import amend, changes_of, done, form_page, log_form_read, require_section, run
from victims import selectors as case_selectors


@dataclass(frozen=True)
class Kind:
    model: type
    add: Any  # the operation that adds one
    amend: Any  # the operation that changes one
    record_arg: str  # its keyword for the record
    form: type
    edit_form: type
    add_title: Any
    edit_title: Any
    saved: Any


KINDS = {
    "enrollment": Kind(
        SchoolEnrollment,
        services.enrollment_add,
        services.enrollment_amend,
        "enrollment",
        forms.EnrollmentForm,
        forms.VersionedEnrollmentForm,
        gettext_lazy("Add a school enrolment"),
        gettext_lazy("Edit the school enrolment"),
        gettext_lazy("The school enrolment is saved."),
    ),
    "training": Kind(
        VocationalTraining,
        services.training_add,
        services.training_amend,
        "training",
        forms.TrainingForm,
        forms.VersionedTrainingForm,
        gettext_lazy("Add a vocational training"),
        gettext_lazy("Edit the vocational training"),
        gettext_lazy("The vocational training is saved."),
    ),
    "employment": Kind(
        EmploymentPlacement,
        services.employment_add,
        services.employment_amend,
        "employment",
        forms.EmploymentForm,
        forms.VersionedEmploymentForm,
        gettext_lazy("Add a job"),
        gettext_lazy("Edit the job"),
        gettext_lazy("The job is saved."),
    ),
}


def _kind(name: str) -> Kind:
    if name not in KINDS:
        raise NotFound("No such kind of record.")
    return KINDS[name]


def _writable(user, case, section: Section) -> None:
    """404 for a role that does not read the section, 403 for one that may not write it, and
    403 (saying why) for a receiving department without an accepted referral of the case."""
    require_section(user, section)
    services.require_section_write(user, case, section)


@case_page("GET", "HEAD", "POST")
def record_add(request: HttpRequest, case_id, kind: str) -> HttpResponse:
    """Add a school enrolment, a vocational training or a job."""
    spec = _kind(kind)
    user = request.user
    case = case_selectors.case_for(user, case_id)
    section = Section(spec.model.section)
    _writable(user, case, section)
    form = spec.form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run(form, lambda: spec.add(actor=user, case=case, data=form.values())):
            return done(request, case, section.value, str(spec.saved))
    return form_page(request, case, title=str(spec.add_title), form=form, back_tab=section.value)


def _current(spec: Kind, record) -> dict:
    if spec.model is EmploymentPlacement:
        names = ("employer", "job_title", "started_on", "ended_on")
        return {**{name: getattr(record, name) for name in names}, "verified": record.verified_on is not None}
    return {name: getattr(record, name) for name in spec.form.names}


@case_page("GET", "HEAD", "POST")
def record_edit(request: HttpRequest, case_id, kind: str, record_id) -> HttpResponse:
    """Correct a school enrolment, a vocational training or a job at the version read."""
    spec = _kind(kind)
    user = request.user
    case = case_selectors.case_for(user, case_id)
    record = selectors.case_service_record(user, case, spec.model, record_id)
    section = Section(spec.model.section)
    _writable(user, case, section)
    current = _current(spec, record)
    form = spec.edit_form(request.POST or None, initial={**current, "version": record.version})
    if request.method in ("GET", "HEAD"):
        log_form_read(request, case, [section], f"{kind}_edit", record)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        changes = changes_of(form.values(), current)
        outcome = amend(
            form,
            changes=changes,
            version=version,
            current_version=record.version,
            operation=lambda: spec.amend(
                actor=user, **{spec.record_arg: record}, expected_version=version, changes=changes
            ),
        )
        if outcome:
            return done(request, case, section.value, str(spec.saved), outcome)
    return form_page(request, case, title=str(spec.edit_title), form=form, back_tab=section.value, reload=True)
