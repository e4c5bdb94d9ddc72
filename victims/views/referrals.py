"""Referrals (create, accept, decline, complete, approve, revoke) and civil affairs' actions on a
case: close (a confirmation form saying how the case ended), reopen, resolve a possible
duplicate. Every form carries the version the user saw."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import policy
from registry.errors import Conflict, NotFound, RuleViolation, StaleVersion
from registry.forms import show_error
from registry.models import Organization
from registry.pages import case_page
from registry.policy import Action, Section, require
from registry.presentation import case_url
from victims import forms, operations, selectors
from victims.choices import Service, Stage
from victims.models import Case, Referral
from victims.views.common import record_data, record_object
from victims.views.records import form_page

# --- referrals --------------------------------------------------------------------------------


def referral_organizations(case: Case, service: Service):
    """The active organizations of the department that provides ``service`` (schooling →
    education, training → labour, legal aid → justice), in the case's province."""
    return (
        Organization.objects.filter(
            is_active=True,
            department=operations.SERVICE_DEPARTMENT[service],
            jurisdiction__code__startswith=case.jurisdiction.code[:2],
        )
        .select_related("jurisdiction")
        .order_by("jurisdiction__code", "name")
    )


@case_page("GET", "HEAD", "POST")
def referral_create(request: HttpRequest, case_id, service: str) -> HttpResponse:
    """Refer the case for one service to an organization of the matching department."""
    user = request.user
    try:
        service = Service(service)
    except ValueError:
        raise NotFound(_("No such service.")) from None
    case = selectors.case_for(user, case_id)
    require(policy.may_write(user, Section.REFERRALS))
    form = forms.ReferralForm(request.POST or None, organizations=referral_organizations(case, service))
    if request.method == "POST" and form.is_valid():
        try:
            operations.referral_create(
                actor=user,
                case=case,
                service=service,
                to_organization=form.cleaned_data["to_organization"],
                reason=form.cleaned_data["reason"],
            )
        except (RuleViolation, Conflict) as refused:
            show_error(form, refused)
        else:
            messages.success(request, _("Referral sent: %(service)s.") % {"service": service.label})
            return HttpResponseRedirect(case_url(case, Section.REFERRALS.value))
    intro = _(
        "A referral needs the person's recorded consent for this service (for a child under 14, the "
        "guardian's consent or a statutory basis). A child's referral waits for a civil affairs "
        "officer's approval before the receiving organization sees the case."
    )
    title = _("Refer for: %(service)s") % {"service": service.label}
    add_consent_url = None
    if policy.may_write(user, Section.CONSENTS):
        add_consent_url = reverse("victims:record-add", args=[case.uuid, "consent"])
    return form_page(
        request,
        case,
        title=title,
        form=form,
        back_tab=Section.REFERRALS.value,
        intro=intro,
        add_consent_url=add_consent_url,
    )


REFERRAL_DONE = {
    "accept": gettext_lazy("You accepted the referral."),
    "decline": gettext_lazy("You declined the referral."),
    "complete": gettext_lazy("The referral is completed."),
    "approve": gettext_lazy("You approved the referral; the receiving organization now sees the case."),
    "revoke": gettext_lazy("The referral is revoked; the receiving organization no longer sees the case."),
}


@case_page("POST")
def referral_act(request: HttpRequest, case_id, referral_id, verb: str) -> HttpResponse:
    """Accept, decline, complete (the receiver), approve (civil affairs) or revoke (the
    referring side) one referral, at the version the user saw."""
    user = request.user
    if verb not in REFERRAL_DONE:
        raise NotFound(_("No such action."))
    case = selectors.case_for(user, case_id)
    if not policy.may_read(user, Section.REFERRALS):
        raise NotFound(_("No such record."))
    record_data(user, case, Referral, referral_id)
    if verb in ("accept", "decline", "complete"):
        require(policy.may(user, Action.RESPOND_REFERRAL))
    elif verb == "approve":
        require(policy.may(user, Action.APPROVE_CHILD_REFERRAL))
    else:
        require(policy.may_write(user, Section.REFERRALS))
    form = forms.ReferralResponseForm(request.POST)
    back = case_url(case, Section.REFERRALS.value)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return HttpResponseRedirect(back)
    referral = record_object(user, Referral, case, referral_id)
    version = form.cleaned_data["version"]
    try:
        if verb == "approve":
            operations.referral_approve(actor=user, referral=referral, expected_version=version)
        elif verb == "revoke":
            operations.referral_revoke(actor=user, referral=referral, expected_version=version)
        else:
            operations.referral_respond(
                actor=user, referral=referral, decision=verb, note=form.cleaned_data["note"], expected_version=version
            )
    except StaleVersion:
        messages.error(request, _("Someone else changed this referral meanwhile. Check it again below."))
    except (RuleViolation, Conflict) as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, str(REFERRAL_DONE[verb]))
        if not selectors.cases_for(user).filter(pk=case.pk).exists():
            return HttpResponseRedirect(reverse("dashboard"))  # e.g. declined: the case is no longer yours
    return HttpResponseRedirect(back)


# --- civil affairs: close, reopen, resolve a possible duplicate -------------------------------


@case_page("GET", "HEAD", "POST")
def case_close(request: HttpRequest, case_id) -> HttpResponse:
    """Close a case (civil affairs), saying how it ended: the confirmation form asks for the
    completed return — the default, offered only when the return plan is completed — or a
    reason with a comment; the operation's refusals (no ending, a comment missing, a person
    still sheltered, visits outstanding, a stale version) are shown on the form."""
    user = request.user
    case = selectors.case_for(user, case_id)
    require(policy.may(user, Action.CLOSE_CASE))
    returned = case.stage == Stage.RETURNED
    form = forms.CloseForm(request.POST or None, initial={"version": case.version}, returned=returned)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            operations.case_close(
                actor=user, case=case, expected_version=values["version"], reason=values["reason"],
                comment=values["comment"],
            )  # fmt: skip
        except StaleVersion:
            form.add_error(None, _("Someone else changed this case meanwhile. Check it again, then retry."))
        except (RuleViolation, Conflict) as refused:
            show_error(form, refused)
        else:
            messages.success(request, _("The case is closed."))
            return HttpResponseRedirect(case_url(case))
    context = {
        "case": case, "form": form, "returned": returned, "back_url": case_url(case), "reload_url": request.path,
    }  # fmt: skip
    return render(request, "victims/case_close.html", context)


CASE_DONE = {
    "reopen": gettext_lazy("The case is reopened."),
    "resolve-duplicate": gettext_lazy("The possible duplicate is resolved."),
}


@case_page("POST")
def case_act(request: HttpRequest, case_id, verb: str) -> HttpResponse:
    """Reopen a case, or settle a possible duplicate (civil affairs); closing has its own form
    (:func:`case_close`)."""
    user = request.user
    if verb not in CASE_DONE:
        raise NotFound(_("No such action."))
    case = selectors.case_for(user, case_id)
    require(policy.may(user, Action.RESOLVE_DUPLICATE if verb == "resolve-duplicate" else Action.CLOSE_CASE))
    form = (forms.DuplicateForm if verb == "resolve-duplicate" else forms.VersionForm)(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return HttpResponseRedirect(case_url(case))
    version = form.cleaned_data["version"]
    try:
        if verb == "reopen":
            operations.case_reopen(actor=user, case=case, expected_version=version)
        else:
            operations.case_resolve_duplicate(
                actor=user, case=case, expected_version=version, same_person=form.cleaned_data["same_person"]
            )
    except StaleVersion:
        messages.error(request, _("Someone else changed this case meanwhile. Check it again, then retry."))
    except (RuleViolation, Conflict) as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, str(CASE_DONE[verb]))
    return HttpResponseRedirect(case_url(case))
