"""The pages of transfers between organizations of the province: the request form and the
pending banner under the case header, the list of incoming and outgoing transfers, one
transfer (its summary for a receiver, with accept and decline), the withdrawal's confirmation,
the ``transfers`` tab of the case file and the dashboard panel of transfers awaiting an answer.

Server-rendered, usable without JavaScript, no inline script or style. Reads go through
``transfers.selectors`` (a receiver who does not see the case reads only the summary: no name,
no identity, no comment) and are logged with the transfers section; writes through
``transfers.operations`` only, a refusal put back on the form or said in a message. A transfer
or case out of reach is the 404 page (``registry.pages.case_page``). No personal value is ever
part of a URL: transfers and cases are addressed by UUID.
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

from registry import policy
from registry.audit import AuditAction, log_read
from registry.context_processors import display_name
from registry.decisions import Decision, decide
from registry.errors import Conflict, NotFound, PermissionDenied, RuleViolation, StaleVersion
from registry.forms import attempt
from registry.models import User
from registry.pages import case_page
from registry.policy import Action, Section, require
from registry.presentation import case_url, display, facts, organization_names
from transfers import forms, operations, selectors
from transfers.choices import TransferReason, TransferStatus
from transfers.models import CaseTransfer
from transfers.sections import EARLIER_NOTE_LABELS, HANDOVER, TRANSFER, handover_facts
from victims import selectors as case_selectors
from victims.choices import AgeBand, Sex
from victims.models import Case
from victims.stages import CLOSED_STAGES

TAB = Section.TRANSFERS.value
PAGE_SIZE = 25
DASHBOARD_ROWS = 10
REFUSALS = (RuleViolation, Conflict, PermissionDenied, StaleVersion)


def _may_transfer(user) -> bool:
    return policy.may(user, Action.TRANSFER_CASE) and policy.may_read(user, Section.TRANSFERS)


# --- under the case header --------------------------------------------------------------------


def case_header(request: HttpRequest, case) -> tuple[str, dict[str, Any]] | None:
    """The case header's part (``registry.casefile.register_header_part``) for who may transfer
    the case: while a transfer is pending, a banner naming the receiver with a link to withdraw
    it; else, on an open case, the button to request one. Nothing for anyone else."""
    if not _may_transfer(request.user):
        return None
    pending = (
        CaseTransfer.objects.filter(case=case, status=TransferStatus.PENDING)
        .select_related("to_organization")
        .only("uuid", "case_id", "to_organization__name")
        .first()
    )
    if pending is not None:
        return "transfers/_case_header.html", {
            "receiver": pending.to_organization.name,
            "detail_url": reverse("transfers:detail", args=[pending.uuid]),
            "withdraw_url": reverse("transfers:withdraw", args=[pending.uuid]),
        }
    if case.stage in CLOSED_STAGES:
        return None
    return "transfers/_case_header.html", {"request_url": reverse("transfers:request", args=[case.uuid])}


@case_page("GET", "HEAD", "POST")
def transfer_request(request: HttpRequest, case_id) -> HttpResponse:
    """Ask another organization of the province to take the case over."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    require(_may_transfer(user), _("Your role may not transfer a case."))
    posted = request.POST if request.method == "POST" else None
    form = forms.TransferRequestForm(posted, case=case, initial={"version": case.version})
    if posted is not None and form.is_valid():
        write = partial(
            operations.transfer_request, actor=user, case=case, expected_version=form.cleaned_data["version"],
            **form.values(),
        )  # fmt: skip
        if attempt(form, write, REFUSALS):
            messages.success(request, _("The transfer is requested. The case stays with you until it is accepted."))
            return HttpResponseRedirect(case_url(case, TAB))
    return render(
        request,
        "transfers/request_form.html",
        {"case": case, "form": form, "back_url": case_url(case), "reload_url": case_url(case)},
    )


# --- one transfer -----------------------------------------------------------------------------


def _names(users: list) -> dict[str, str]:
    found = User.objects.filter(pk__in=[user for user in users if user])
    return {str(user.pk): display_name(user) for user in found}


def _summary_facts(transfer: CaseTransfer) -> list[dict[str, str]]:
    """What every reader of the transfer is shown: the summary, by label."""
    case = transfer.case
    rows = [
        (_("Case number"), case.number),
        (_("Age band at rescue"), AgeBand(case.age_band).label),
        (_("Sex"), Sex(transfer.victim_sex).label if transfer.victim_sex else "—"),
        (_("From organization"), transfer.from_organization.name),
        (_("Receiving organization"), transfer.to_organization.name),
        (_("Reason"), TransferReason(transfer.reason).label),
        (_("Sections the receiver needs first"), display(CaseTransfer, "sections_first", transfer.sections_first)),
        (_("Requested at"), display(None, "created_at", transfer.created_at)),
        (_("Status"), TransferStatus(transfer.status).label),
    ]
    if transfer.decided_at:
        rows.append((_("Decided at"), display(None, "decided_at", transfer.decided_at)))
    return [{"name": str(index), "label": label, "value": value} for index, (label, value) in enumerate(rows)]


def _record_facts(transfer: CaseTransfer) -> list[dict[str, str]]:
    """What only who sees the case is shown besides: who asked and answered, and the comments."""
    names = _names([transfer.requested_by_id, transfer.decided_by_id])
    rows = [
        (_("Requested by"), names.get(str(transfer.requested_by_id), "—")),
        (_("Comment"), transfer.comment or "—"),
    ]
    if transfer.decided_by_id:
        rows += [
            (_("Decided by"), names.get(str(transfer.decided_by_id), "—")),
            (_("Comment on the decision"), transfer.decision_comment or "—"),
        ]
    return [{"name": f"record-{index}", "label": label, "value": value} for index, (label, value) in enumerate(rows)]


def _detail_page(request: HttpRequest, transfer: CaseTransfer, *, decline_form=None) -> HttpResponse:
    user = request.user
    pending = transfer.status == TransferStatus.PENDING
    answers = pending and transfer.addressed and _may_transfer(user)
    context = {
        "transfer": transfer,
        "summary": not transfer.case_seen,
        "facts": _summary_facts(transfer) + (_record_facts(transfer) if transfer.case_seen else []),
        "case_url": case_url(transfer.case, TAB) if transfer.case_seen else None,
        "accept_form": forms.VersionForm(initial={"version": transfer.version}) if answers else None,
        "decline_form": (decline_form or forms.DeclineForm(initial={"version": transfer.version})) if answers else None,
        "withdraw_url": reverse("transfers:withdraw", args=[transfer.uuid])
        if pending and transfer.case_seen and _may_transfer(user)
        else None,
    }
    log_read(
        request,
        action=AuditAction.CASE_VIEWED,
        case_uuid=transfer.case.uuid,
        sections=[Section.TRANSFERS],
        detail={"view": "transfer", "record": str(transfer.uuid), "summary": not transfer.case_seen},
    )
    return render(request, "transfers/detail.html", context)


@case_page("GET", "HEAD")
def transfer_detail(request: HttpRequest, transfer_id) -> HttpResponse:
    """One transfer: its summary for a receiver who does not see the case (with accept and
    decline while it is pending), the whole record for who sees the case."""
    return _detail_page(request, selectors.transfer_for(request.user, transfer_id))


@case_page("POST")
def transfer_accept(request: HttpRequest, transfer_id) -> HttpResponse:
    """Accept a transfer addressed to the user; the case file opens, now theirs."""
    user = request.user
    transfer = selectors.transfer_for_receiver(user, transfer_id)
    form = forms.VersionForm(request.POST)
    if not form.is_valid():  # the page always posts the version read: without it, nothing is decided
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return HttpResponseRedirect(reverse("transfers:detail", args=[transfer.uuid]))
    try:
        accepted = operations.transfer_accept(
            actor=user, transfer=transfer, expected_version=form.cleaned_data["version"]
        )
    except REFUSALS as refused:
        messages.error(request, refused.message)
        return HttpResponseRedirect(reverse("transfers:detail", args=[transfer.uuid]))
    messages.success(request, _("You accepted the transfer: the case is your organization's now."))
    return HttpResponseRedirect(case_url(accepted.case))


@case_page("POST")
def transfer_decline(request: HttpRequest, transfer_id) -> HttpResponse:
    """Decline a transfer addressed to the user, saying why; back to the list."""
    user = request.user
    transfer = selectors.transfer_for(user, transfer_id)
    if not transfer.addressed:
        raise NotFound(_("No such transfer."))
    form = forms.DeclineForm(request.POST)
    if form.is_valid():
        write = partial(
            operations.transfer_decline, actor=user, transfer=transfer, comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data["version"],
        )  # fmt: skip
        if attempt(form, write, REFUSALS):
            messages.success(request, _("You declined the transfer; the sender is told."))
            return HttpResponseRedirect(reverse("transfers:list"))
    return _detail_page(request, transfer, decline_form=form)


WITHDRAW = Decision(
    verb="withdraw",
    title=gettext_lazy("Withdraw the transfer"),
    sentence=gettext_lazy(
        "The request will be withdrawn: the receiver can no longer accept it, and the case stays with you. The "
        "withdrawn request stays in the case file."
    ),
    done=gettext_lazy("The transfer is withdrawn; the case stays with you."),
    comment_required=True,
    style="danger",
)


@case_page("GET", "HEAD", "POST")
def transfer_withdraw(request: HttpRequest, transfer_id) -> HttpResponse:
    """Withdraw a pending transfer of a case the user sees, saying why: its confirmation page
    (``registry.decisions``), then the confirming POST."""
    user = request.user
    transfer = selectors.transfer_for(user, transfer_id)
    if not transfer.case_seen:
        raise NotFound(_("No such transfer."))
    require(_may_transfer(user), _("Your role may not withdraw a transfer."))
    return decide(
        request, WITHDRAW, case=transfer.case, record=transfer, version=transfer.version,
        back_url=reverse("transfers:detail", args=[transfer.uuid]), done_url=reverse("transfers:list"),
        act=lambda data: operations.transfer_withdraw(
            actor=user, transfer=transfer, comment=data["comment"], expected_version=data["version"]
        ),
    )  # fmt: skip


# --- the list ----------------------------------------------------------------------------------


def _row(transfer: CaseTransfer) -> dict[str, str]:
    return {
        "url": reverse("transfers:detail", args=[transfer.uuid]),
        "number": transfer.case.number,
        "from": transfer.from_organization.name,
        "to": transfer.to_organization.name,
        "reason": TransferReason(transfer.reason).label,
        "status": TransferStatus(transfer.status).label,
        "pending": transfer.status == TransferStatus.PENDING,
        "requested_at": display(None, "created_at", transfer.created_at),
    }


@case_page("GET", "HEAD")
def transfer_list(request: HttpRequest) -> HttpResponse:
    """The transfers addressed to the user (``?direction=incoming``, the default) or of the
    cases they see (``outgoing``), newest first, pending ones first."""
    user = request.user
    require(policy.may_read(user, Section.TRANSFERS), _("Your role does not work with transfers."))
    direction = request.GET.get("direction")
    direction = direction if direction in (selectors.INCOMING, selectors.OUTGOING) else selectors.INCOMING
    rows = selectors.transfers_for(user).filter(addressed=direction == selectors.INCOMING)
    rows = rows.order_by("-created_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [_row(transfer) for transfer in page]
    if items:
        log_read(
            request,
            action=AuditAction.CASE_LISTED,
            sections=[Section.TRANSFERS],
            detail={"view": "transfers", "count": len(items), "filters": {"direction": direction}},
        )
    tabs = [
        {"value": selectors.INCOMING, "label": _("Addressed to us")},
        {"value": selectors.OUTGOING, "label": _("Sent by us")},
    ]
    for tab in tabs:
        tab["url"] = f"{reverse('transfers:list')}?direction={tab['value']}"
    return render(
        request,
        "transfers/list.html",
        {
            "rows": items,
            "page": page,
            "direction": direction,
            "tabs": tabs,
            "incoming": direction == selectors.INCOMING,
        },
    )


# --- the case file's tab ------------------------------------------------------------------------


def _user_names(rows: list[dict], fields: tuple[str, ...]) -> dict[str, str]:
    uuids = {row[name] for row in rows for name in fields if row.get(name)}
    return {str(user.uuid): display_name(user) for user in User.objects.filter(uuid__in=uuids)}


def case_tab(request: HttpRequest, case, data: dict) -> tuple[str, dict[str, Any]]:
    """The ``transfers`` tab (declared in ``transfers/sections.py``): the case's transfers, each
    with a link to its page, and its hand-overs (``sections.handover_facts``) with the earlier
    free-text note, if any — organizations, people and places by name, choices by label, dates
    and times local."""
    transfers, handovers = data.get(TRANSFER.key, []), data.get(HANDOVER.key, [])
    names = organization_names(
        value for row in transfers for value in (row["from_organization"], row["to_organization"])
    )
    names |= _user_names(transfers, ("requested_by", "decided_by")) | _user_names(handovers, ("recorded_by",))
    transfer_cards = [
        {
            "id": row["id"],
            "title": _("Transfer to %(organization)s") % {"organization": names.get(row["to_organization"], "—")},
            "status": TransferStatus(row["status"]).label,
            "url": reverse("transfers:detail", args=[row["id"]]),
            "facts": facts(CaseTransfer, row, TRANSFER.fields, names=names, labels=TRANSFER.labels),
        }
        for row in reversed(transfers)
    ]
    handover_cards = [{"id": row["id"], "facts": handover_facts(row, names)} for row in reversed(handovers)]
    earlier = facts(Case, data, ("transfer_note",), labels=EARLIER_NOTE_LABELS)
    return "transfers/_tab.html", {
        "transfers_tab": {"transfers": transfer_cards, "handovers": handover_cards, "earlier_note": earlier}
    }


# --- the dashboard ------------------------------------------------------------------------------


def dashboard_incoming(request: HttpRequest) -> dict[str, Any]:
    """The panel of the transfers awaiting the user's answer, oldest first: the first ones and how
    many. Logged as ``case_listed`` when it names any."""
    rows = selectors.pending_incoming(request.user)
    shown = list(rows[:DASHBOARD_ROWS])
    total = len(shown) if len(shown) < DASHBOARD_ROWS else rows.count()
    if shown:
        log_read(
            request,
            action=AuditAction.CASE_LISTED,
            sections=[Section.TRANSFERS],
            detail={"view": "transfer_dashboard", "count": len(shown)},
        )
    return {"rows": [_row(transfer) for transfer in shown], "total": total, "list_url": reverse("transfers:list")}
