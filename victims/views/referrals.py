"""Referrals (create, accept, decline, complete; approve, reject, revoke through their
confirmation page) and civil affairs' actions on a case: close (the confirmation page asks how
the case ended) and reopen (with a reason) through ``registry.decisions``, resolve a possible
duplicate. Every form carries the version the user saw."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import drafts, policy
from registry.decisions import Decision, decide
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
    here = reverse("victims:referral-create", args=[case.uuid, service.value])
    draft_key = f"referral:{case.uuid}:{service.value}"  # what was typed before a consent was recorded
    initial = drafts.take(request, draft_key) if request.method == "GET" else {}
    form = forms.ReferralForm(
        request.POST or None, initial=initial, organizations=referral_organizations(case, service)
    )
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
            if refused.code == "consent_required":  # kept for the way back from the consent form
                organization = form.cleaned_data["to_organization"]
                drafts.keep(
                    request, draft_key, {"to_organization": organization.pk, "reason": form.cleaned_data["reason"]}
                )
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
        consent = reverse("victims:record-add", args=[case.uuid, "consent"])
        add_consent_url = f"{consent}?{urlencode({'service': service.value, 'next': here})}"
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
}

# Civil affairs' decisions on a child's referral and the referring side's revoke: each through
# its confirmation page (``registry.decisions``), with its comment.
REFERRAL_DECISIONS = {
    "approve": Decision(
        verb="approve",
        title=gettext_lazy("Approve the referral"),
        sentence=gettext_lazy(
            "The receiving organization will see the case from now on, and can accept or decline the referral."
        ),
        done=gettext_lazy("You approved the referral; the receiving organization now sees the case."),
    ),
    "reject": Decision(
        verb="reject",
        title=gettext_lazy("Reject the referral"),
        sentence=gettext_lazy(
            "The referral will be rejected: the receiving organization never sees the case, and whoever made the "
            "referral reads your reason."
        ),
        done=gettext_lazy("You rejected the referral; its author is told why."),
        comment_required=True,
        style="danger",
    ),
    "revoke": Decision(
        verb="revoke",
        title=gettext_lazy("Revoke the referral"),
        sentence=gettext_lazy("The referral will be revoked: the receiving organization no longer sees the case."),
        done=gettext_lazy("The referral is revoked; the receiving organization no longer sees the case."),
        comment_required=True,
        style="danger",
    ),
}
REFERRAL_OPERATIONS = {
    "approve": operations.referral_approve,
    "reject": operations.referral_reject,
    "revoke": operations.referral_revoke,
}


def _may_take(user, verb: str) -> bool:
    if verb in ("accept", "decline", "complete"):
        return policy.may(user, Action.RESPOND_REFERRAL)
    if verb in ("approve", "reject"):
        return policy.may(user, Action.APPROVE_CHILD_REFERRAL)
    return policy.may_write(user, Section.REFERRALS)


@case_page("GET", "HEAD", "POST")
def referral_act(request: HttpRequest, case_id, referral_id, verb: str) -> HttpResponse:
    """Accept, decline, complete (the receiver: a button), or — through their confirmation page
    — approve or reject (civil affairs) or revoke (the referring side) one referral, at the
    version the user saw."""
    user = request.user
    if verb not in REFERRAL_DONE and verb not in REFERRAL_DECISIONS:
        raise NotFound(_("No such action."))
    case = selectors.case_for(user, case_id)
    if not policy.may_read(user, Section.REFERRALS):
        raise NotFound(_("No such record."))
    record_data(user, case, Referral, referral_id)
    require(_may_take(user, verb))
    referral = record_object(user, Referral, case, referral_id)
    back = case_url(case, Section.REFERRALS.value)
    if verb in REFERRAL_DECISIONS:
        operation = REFERRAL_OPERATIONS[verb]
        return decide(
            request, REFERRAL_DECISIONS[verb], case=case, record=referral, version=referral.version, back_url=back,
            act=lambda data: operation(
                actor=user, referral=referral, expected_version=data["version"], comment=data["comment"]
            ),
        )  # fmt: skip
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.ReferralResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return HttpResponseRedirect(back)
    version = form.cleaned_data["version"]
    try:
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


CLOSE = Decision(
    verb="close",
    title=gettext_lazy("Close the case"),
    sentence=gettext_lazy(
        "The case will be closed: it becomes read-only, its follow-up ends, and only civil affairs can reopen it."
    ),
    done=gettext_lazy("The case is closed."),
    style="danger",
)
REOPEN = Decision(
    verb="reopen",
    title=gettext_lazy("Reopen the case"),
    sentence=gettext_lazy("The case will be open again and writable; how it ended is cleared (its history keeps it)."),
    done=gettext_lazy("The case is reopened."),
    comment_required=True,
    style="secondary",
)


@case_page("GET", "HEAD", "POST")
def case_close(request: HttpRequest, case_id) -> HttpResponse:
    """Close a case (civil affairs) through its confirmation page, saying how it ended: the
    completed return — the default, offered only when the return plan is completed — or a
    reason with a comment; the operation's refusals (no ending, a comment missing, a person
    still sheltered, visits outstanding, a stale version) are shown on the page."""
    user = request.user
    case = selectors.case_for(user, case_id)
    require(policy.may(user, Action.CLOSE_CASE))
    returned = case.stage == Stage.RETURNED
    if returned:
        intro = _(
            "The return plan is completed: the case can close as a completed return, once every follow-up visit is "
            "done or waived. If it ended otherwise, choose the reason and say why."
        )
    else:
        intro = _(
            "The case has no completed return plan: say how it ended, with a comment. A person still in a shelter "
            "must be discharged first, and follow-up visits still planned waived."
        )
    return decide(
        request, CLOSE, case=case, version=case.version, back_url=case_url(case), intro=intro,
        form_class=forms.CloseForm, form_kwargs={"returned": returned},
        act=lambda data: operations.case_close(
            actor=user, case=case, expected_version=data["version"], reason=data["reason"], comment=data["comment"]
        ),
    )  # fmt: skip


@case_page("GET", "HEAD", "POST")
def case_act(request: HttpRequest, case_id, verb: str) -> HttpResponse:
    """Reopen a case through its confirmation page, with a reason, or settle a possible
    duplicate (civil affairs: a button); closing has its own page (:func:`case_close`)."""
    user = request.user
    if verb not in ("reopen", "resolve-duplicate"):
        raise NotFound(_("No such action."))
    case = selectors.case_for(user, case_id)
    if verb == "reopen":
        require(policy.may(user, Action.CLOSE_CASE))
        return decide(
            request, REOPEN, case=case, version=case.version, back_url=case_url(case),
            act=lambda data: operations.case_reopen(
                actor=user, case=case, expected_version=data["version"], comment=data["comment"]
            ),
        )  # fmt: skip
    require(policy.may(user, Action.RESOLVE_DUPLICATE))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.DuplicateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return HttpResponseRedirect(case_url(case))
    try:
        operations.case_resolve_duplicate(
            actor=user, case=case, expected_version=form.cleaned_data["version"],
            same_person=form.cleaned_data["same_person"],
        )  # fmt: skip
    except StaleVersion:
        messages.error(request, _("Someone else changed this case meanwhile. Check it again, then retry."))
    except (RuleViolation, Conflict) as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The possible duplicate is resolved."))
    return HttpResponseRedirect(case_url(case))
