"""The pages of a hand-over out of the province (五.3) or the country (五.2): the part under the
case header, the hand-over form and the page that generates the hand-over package.

- :func:`case_header`: on a case civil affairs may hand over, the button to the form; on a
  transferred case, for every reader of the transfers section, where and when it went — and for
  civil affairs the button that generates the package.
- :func:`handover_new`: the form (``forms.HandOverForm``); the operation
  (``operations.case_hand_over``) decides, its refusal put back on the field it names, a stale
  form refused on the form.
- :func:`handover_package`: what the package will hold and the button that makes it, behind the
  registry's step-up (the password again within the last minutes:
  ``registry.accounts.step_up.require_recent_auth``); the package is a dossier, so the user is
  sent to the case's dossiers to download it.

Server-rendered, usable without JavaScript (the script only hides the other destination's
fields), no inline script or style. Cases and hand-overs are addressed by UUID; a case or
hand-over out of reach is the 404 page (``registry.pages.case_page``), a role that may not act
the 403 page.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from exports.limits import DossierTooLarge
from registry import policy
from registry.accounts import step_up
from registry.audit import AuditAction, log_read
from registry.context_processors import display_name
from registry.forms import attempt
from registry.pages import case_page
from registry.policy import Action, Section, require
from registry.presentation import case_url
from transfers.handover import operations, selectors
from transfers.handover.forms import HandOverForm
from transfers.handover.receipt import destination_label
from transfers.models import HandOver
from transfers.sections import HANDOVER, handover_facts
from transfers.views import REFUSALS
from victims import selectors as case_selectors
from victims.choices import Stage
from victims.stages import TRANSITIONS

REFUSED = _("Only civil affairs officers hand cases over.")


def _may_hand_over(user) -> bool:
    return policy.may(user, Action.HAND_OVER_CASE) and policy.may_read(user, Section.TRANSFERS)


def _may_package(user) -> bool:
    return _may_hand_over(user) and policy.may(user, Action.EXPORT_DOSSIER)


def case_header(request: HttpRequest, case) -> tuple[str, dict[str, Any]] | None:
    """The case header's part (``registry.casefile.register_header_part``): on a transferred
    case, its latest hand-over — destination, agency, date — for readers of the transfers
    section, with the package's button for civil affairs; on a case that may still move to
    ``transferred``, the hand-over button for civil affairs. Nothing for anyone else."""
    user = request.user
    if not policy.may_read(user, Section.TRANSFERS):
        return None
    if case.stage == Stage.TRANSFERRED:
        handover = HandOver.objects.filter(case=case).order_by("-handed_over_on", "-id").first()
        if handover is None:  # handed over before hand-overs were recorded: the earlier note says where
            return None
        return "transfers/handover/_case_header.html", {
            "handed_over": {
                "destination": str(destination_label(handover)),
                "agency": handover.receiving_agency,
                "date": handover.handed_over_on.isoformat(),
            },
            "package_url": reverse("transfers:handover-package", args=[handover.uuid]) if _may_package(user) else "",
        }
    if _may_hand_over(user) and Stage.TRANSFERRED in TRANSITIONS[Stage(case.stage)]:
        return "transfers/handover/_case_header.html", {"form_url": reverse("transfers:handover-new", args=[case.uuid])}
    return None


@case_page("GET", "HEAD", "POST")
def handover_new(request: HttpRequest, case_id) -> HttpResponse:
    """Hand the case over to another province or country; back to the case, now read-only."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    require(_may_hand_over(user), REFUSED)
    posted = request.POST if request.method == "POST" else None
    form = HandOverForm(posted, case=case, actor=user, initial={"version": case.version})
    if posted is not None and form.is_valid():
        write = partial(
            operations.case_hand_over, actor=user, case=case, expected_version=form.cleaned_data["version"],
            **form.values(),
        )  # fmt: skip
        if attempt(form, write, REFUSALS):
            messages.success(request, _("The case is handed over."))
            return HttpResponseRedirect(case_url(case))
    return render(
        request,
        "transfers/handover/form.html",
        {"case": case, "form": form, "back_url": case_url(case), "reload_url": request.path},
        status=400 if form.errors else 200,
    )


def _facts(handover: HandOver) -> list[dict[str, str]]:
    """The hand-over as its tab shows it, the recorder by name."""
    recorder = handover.recorded_by
    return handover_facts(HANDOVER.as_dict(handover), {str(recorder.uuid): display_name(recorder)})


@case_page("GET", "HEAD", "POST")
def handover_package(request: HttpRequest, handover_id) -> HttpResponse:
    """What the hand-over package holds and the button that generates it (POST, after the
    password again); done, the case's dossiers page offers its download."""
    user = request.user
    handover = selectors.handover_for(user, handover_id)
    request.refusal_case_uuid = handover.case.uuid
    require(_may_package(user), REFUSED)
    error, status = "", 200
    if request.method == "POST":
        if (confirm := step_up.require_recent_auth(request)) is not None:
            return confirm
        try:
            record = operations.handover_package(actor=user, handover=handover, request=request)
        except (*REFUSALS, DossierTooLarge) as refused:
            error, status = refused.message, refused.status
        else:
            messages.success(
                request, _("The hand-over package %(number)s is generated.") % {"number": record.archive_number}
            )
            return HttpResponseRedirect(reverse("exports:case-dossiers", args=[handover.case.uuid]))
    log_read(
        request,
        action=AuditAction.CASE_VIEWED,
        case_uuid=handover.case.uuid,
        sections=[Section.TRANSFERS],
        detail={"view": "hand_over_package", "record": str(handover.uuid)},
    )
    return render(
        request,
        "transfers/handover/package.html",
        {"handover": handover, "case": handover.case, "facts": _facts(handover), "error": error},
        status=status,
    )
