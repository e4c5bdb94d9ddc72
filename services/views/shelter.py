"""Shelter pages: admit, transfer, discharge, correct a stay; and the occupancy of the shelters
in the user's area."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from registry import policy
from registry.choices import OrganizationKind
from registry.pages import case_page
from registry.policy import Section, require
from registry.presentation import place_names
from services import forms, selectors
from services import operations as services
from services.models import ShelterPlacement
from services.views.common import (
    amend,
    changes_of,
    done,
    form_page,
    log_form_read,
    require_section,
    run,
)
from victims import selectors as case_selectors
from victims import validation

TAB = Section.SHELTER.value


def _shelter_choice(user, exclude=None):
    """The shelters the user may admit to (``selectors.shelters_within_reach``) and their
    occupancy by UUID, for the labels of the choice."""
    shelters = selectors.shelters_within_reach(user).order_by("jurisdiction__code", "name")
    if exclude is not None:
        shelters = shelters.exclude(pk=exclude)
    occupancy = {row["id"]: row for row in selectors.shelter_occupancy(user)}
    return shelters, occupancy


def _placement(request, case_id, record_id):
    user = request.user
    case = case_selectors.case_for(user, case_id)
    placement = selectors.case_service_record(user, case, ShelterPlacement, record_id)
    require_section(user, Section.SHELTER)
    return case, placement


@case_page("GET", "HEAD", "POST")
def placement_admit(request: HttpRequest, case_id) -> HttpResponse:
    """Admit the person to a shelter within the caseworker's reach."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    require_section(user, Section.SHELTER)
    shelters, occupancy = _shelter_choice(user)
    form = forms.AdmitForm(
        request.POST or None, initial={"admitted_on": validation.today()}, shelters=shelters, occupancy=occupancy
    )
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        if run(form, lambda: services.placement_admit(actor=user, case=case, **values)):
            return done(request, case, TAB, _("Admitted to %(shelter)s.") % {"shelter": values["shelter"].name})
    intro = _("The shelters, welfare homes and children's welfare institutions of your area, with their free beds.")
    return form_page(request, case, title=_("Admit to a shelter"), form=form, back_tab=TAB, intro=intro)


@case_page("GET", "HEAD", "POST")
def placement_transfer(request: HttpRequest, case_id, record_id) -> HttpResponse:
    """Move the person from the present shelter to another on one day."""
    user = request.user
    case, placement = _placement(request, case_id, record_id)
    shelters, occupancy = _shelter_choice(user, exclude=placement.shelter_id)
    initial = {"version": placement.version, "transferred_on": validation.today()}
    form = forms.TransferForm(request.POST or None, initial=initial, shelters=shelters, occupancy=occupancy)
    if request.method in ("GET", "HEAD"):
        log_form_read(request, case, [Section.SHELTER], "placement_transfer", placement)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        operation = lambda: services.placement_transfer(  # noqa: E731
            actor=user,
            placement=placement,
            expected_version=values["version"],
            to_shelter=values["to_shelter"],
            transferred_on=values["transferred_on"],
            notes=values["notes"],
        )
        if run(form, operation):
            return done(request, case, TAB, _("Transferred to %(shelter)s.") % {"shelter": values["to_shelter"].name})
    title = _("Transfer from %(shelter)s") % {"shelter": placement.shelter.name}
    return form_page(request, case, title=title, form=form, back_tab=TAB, reload=True)


@case_page("GET", "HEAD", "POST")
def placement_discharge(request: HttpRequest, case_id, record_id) -> HttpResponse:
    """Discharge the person from the present shelter (left, returned, other)."""
    user = request.user
    case, placement = _placement(request, case_id, record_id)
    initial = {"version": placement.version, "discharged_on": validation.today()}
    form = forms.DischargeForm(request.POST or None, initial=initial)
    if request.method in ("GET", "HEAD"):
        log_form_read(request, case, [Section.SHELTER], "placement_discharge", placement)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        operation = lambda: services.placement_discharge(  # noqa: E731
            actor=user,
            placement=placement,
            expected_version=values["version"],
            discharged_on=values["discharged_on"],
            reason=values["reason"],
        )
        if run(form, operation):
            return done(request, case, TAB, _("Discharged from %(shelter)s.") % {"shelter": placement.shelter.name})
    title = _("Discharge from %(shelter)s") % {"shelter": placement.shelter.name}
    return form_page(request, case, title=title, form=form, back_tab=TAB, reload=True)


@case_page("GET", "HEAD", "POST")
def placement_edit(request: HttpRequest, case_id, record_id) -> HttpResponse:
    """Correct the admission date or the notes of a stay."""
    user = request.user
    case, placement = _placement(request, case_id, record_id)
    current = {"admitted_on": placement.admitted_on, "notes": placement.notes}
    form = forms.PlacementEditForm(request.POST or None, initial={**current, "version": placement.version})
    if request.method in ("GET", "HEAD"):
        log_form_read(request, case, [Section.SHELTER], "placement_edit", placement)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        changes = changes_of(form.values(), current)
        outcome = amend(
            form,
            changes=changes,
            version=version,
            current_version=placement.version,
            operation=lambda: services.placement_amend(
                actor=user, placement=placement, expected_version=version, changes=changes
            ),
        )
        if outcome:
            return done(request, case, TAB, _("The stay is saved."), outcome)
    title = _("Edit the stay in %(shelter)s") % {"shelter": placement.shelter.name}
    return form_page(request, case, title=title, form=form, back_tab=TAB, reload=True)


@case_page("GET", "HEAD")
def occupancy(request: HttpRequest) -> HttpResponse:
    """The shelters of the user's area: capacity, beds taken, beds free, nearly full. An
    aggregate: no case, no person (so no read of victim data is logged)."""
    user = request.user
    require(policy.may_read(user, Section.SHELTER), _("Your role does not follow shelter placements."))
    rows = selectors.shelter_occupancy(user)
    places = place_names(row["jurisdiction"] for row in rows)
    for row in rows:
        row["kind_label"] = OrganizationKind(row["kind"]).label
        row["place"] = places.get(row["jurisdiction"], row["jurisdiction"])
    totals = {
        "capacity": sum(row["capacity"] for row in rows),
        "occupied": sum(row["occupied"] for row in rows),
        "free": sum(row["free"] for row in rows),
    }
    return render(request, "services/occupancy.html", {"rows": rows, "totals": totals})
