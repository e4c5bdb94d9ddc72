"""The forms of a case file: add and amend records, edit the victim's own sections."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from registry import drafts, policy
from registry.audit import AuditAction, log_read
from registry.errors import Conflict, NotFound, RuleViolation, StaleVersion
from registry.forms import show_error
from registry.pages import case_page
from registry.policy import Section, require
from registry.presentation import case_url, kind_label
from victims import forms, operations, selectors
from victims.choices import DocumentType
from victims.sections import FORM_KINDS
from victims.views.common import EDITABLE_VICTIM_SECTIONS, record_data, record_object, section_data


def _stale(form) -> None:
    form.add_error(
        None,
        _(
            "Someone else changed this record while you were editing it. Reload the page to see "
            "the current version, then make your change again."
        ),
    )


def form_page(request, case, *, title, form, back_tab, **extra) -> HttpResponse:
    """The page of one form on a case (add, edit, refer), with a way back to its tab."""
    context = {"case": case, "title": title, "form": form, "back_url": case_url(case, back_tab), **extra}
    return render(request, "victims/record_form.html", context)


def _record_model(kind: str):
    if kind not in FORM_KINDS:
        raise NotFound(_("No such kind of record."))
    return FORM_KINDS[kind].model


@case_page("GET", "HEAD", "POST")
def record_add(request: HttpRequest, case_id, kind: str) -> HttpResponse:
    """Add a rescue, health assessment, DNA sample, household, family member or consent."""
    user = request.user
    model = _record_model(kind)
    case = selectors.case_for(user, case_id)
    require(policy.may_write(user, model.section))
    back = drafts.return_path(request, case.uuid)  # e.g. the referral that needed this consent
    initial = {"service": request.GET["service"]} if "service" in request.GET else None
    form = forms.RecordForm(request.POST or None, initial=initial, model=model)
    if request.method == "POST" and form.is_valid():
        try:
            operations.record_add(actor=user, case=case, model=model, data=form.values())
        except (RuleViolation, Conflict) as refused:
            show_error(form, refused)
        else:
            messages.success(request, _("Saved: %(kind)s.") % {"kind": kind_label(model)})
            return HttpResponseRedirect(back or case_url(case, model.section.value))
    title = _("Add: %(kind)s") % {"kind": kind_label(model)}
    return form_page(request, case, title=title, form=form, back_tab=model.section.value)


@case_page("GET", "HEAD", "POST")
def record_edit(request: HttpRequest, case_id, kind: str, record_id) -> HttpResponse:
    """Amend a record at the version the user read; a newer version is refused (stale)."""
    user = request.user
    model = _record_model(kind)
    case = selectors.case_for(user, case_id)
    require(policy.may_write(user, model.section))
    current = record_data(user, case, model, record_id)
    if request.method in ("GET", "HEAD"):  # the form shows the record: a read of the case
        log_read(request, action=AuditAction.CASE_VIEWED, case_uuid=case.uuid, sections=[model.section])
    field_names = FORM_KINDS[kind].fields
    initial = {name: current[name] for name in field_names} | {"version": current["version"]}
    form = forms.RecordForm(request.POST or None, initial=initial, model=model, editing=True)
    here = reverse("victims:record-edit", args=[case.uuid, kind, record_id])
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        changes = {name: value for name, value in form.values().items() if value != current[name]}
        try:
            if changes:
                record = record_object(user, model, case, record_id)
                operations.record_amend(actor=user, record=record, expected_version=version, changes=changes)
            elif version != current["version"]:
                raise StaleVersion("stale")
        except StaleVersion:
            _stale(form)
        except (RuleViolation, Conflict) as refused:
            show_error(form, refused)
        else:
            if changes:
                messages.success(request, _("Saved: %(kind)s.") % {"kind": kind_label(model)})
            else:
                messages.info(request, _("Nothing was changed."))
            return HttpResponseRedirect(case_url(case, model.section.value))
    title = _("Edit: %(kind)s") % {"kind": kind_label(model)}
    return form_page(request, case, title=title, form=form, back_tab=model.section.value, reload_url=here)


@case_page("GET", "HEAD", "POST")
def victim_edit(request: HttpRequest, case_id, section: str) -> HttpResponse:
    """Edit the victim's own fields of one section (person, identity, contacts, health) at the
    case's version."""
    user = request.user
    try:
        section = Section(section)
    except ValueError:
        raise NotFound(_("No such section.")) from None
    if section not in EDITABLE_VICTIM_SECTIONS:
        raise NotFound(_("No such section."))
    case = selectors.case_for(user, case_id)
    require(policy.may_write(user, section))
    data = section_data(user, case, section)
    if request.method in ("GET", "HEAD"):  # the form shows the section's values: a read
        log_read(request, action=AuditAction.CASE_VIEWED, case_uuid=case.uuid, sections=[section])
    fields = operations.VICTIM_SECTION_FIELDS[section]
    current = {name: data.get(name) for name in fields}
    initial = forms.victim_initial(section.value, current) | {"version": case.version}
    form = forms.VictimSectionForm(request.POST or None, initial=initial, section=section.value)
    here = reverse("victims:victim-edit", args=[case.uuid, section.value])
    if request.method == "POST" and form.is_valid():
        values = form.values()
        changes = {name: value for name, value in values.items() if value != current.get(name)}
        if (
            section == Section.IDENTITY
            and values.get("document_type") == DocumentType.RESIDENT_ID
            and "id_number" in changes
            and "birth_date" not in changes
        ):
            changes["birth_date"] = None  # taken again from the new ID number
        version = form.cleaned_data["version"]
        try:
            if changes:
                operations.victim_update(
                    actor=user, case=case, expected_version=version, section=section, changes=changes
                )
            elif version != case.version:
                raise StaleVersion("stale")
        except StaleVersion:
            _stale(form)
        except (RuleViolation, Conflict) as refused:
            show_error(form, refused, forms.identity_error_aliases(values.get("document_type")))
        else:
            if changes:
                messages.success(request, _("Saved: %(section)s.") % {"section": section.label})
            else:
                messages.info(request, _("Nothing was changed."))
            return HttpResponseRedirect(case_url(case, section.value))
    title = _("Edit: %(section)s") % {"section": section.label}
    return form_page(request, case, title=title, form=form, back_tab=section.value, reload_url=here)
