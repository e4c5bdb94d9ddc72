"""The dossier pages: a case's dossiers with the form that generates one, the download, and
the status of batch archival (civil affairs).

Guarantees:

- **Scope, then action**: a case (or dossier) outside the user's reach is the 404 page, exactly
  like an absent one; in reach but without ``export_dossier`` it is the 403 page. Both refusals
  are recorded as ``access_denied``.
- **Step-up**: generating asks for the password again, checked through ``authenticate`` so a
  wrong one counts towards the lockout; a lockout answers 429 like the sign-in page.
- **Writes** go through ``exports.operations`` only (POST, then redirect); the download is
  decrypted and fixity-checked there and audited as ``dossier_downloaded``.
- The listing of a case's dossiers is logged as a read of the case (``case_viewed``, no
  section: it shows dossier receipts, not the file's contents).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from exports import operations, selectors
from exports.choices import Language
from exports.forms import DossierGenerateForm
from registry import policy
from registry.accounts import lockout, step_up
from registry.audit import AuditAction, log_read
from registry.errors import Conflict, PermissionDenied
from registry.pages import case_page
from registry.policy import Action
from victims import selectors as case_selectors


def dossier_links(user, case) -> list[dict[str, str]]:
    """The case header's link to the case's dossiers, for those who may export them
    (``registry.casefile.register_case_links``)."""
    if not policy.may(user, Action.EXPORT_DOSSIER):
        return []
    return [{"id": "dossiers", "label": _("Dossiers"), "url": reverse("exports:case-dossiers", args=[case.uuid])}]


def _require_export(user) -> None:
    if not policy.may(user, Action.EXPORT_DOSSIER):
        raise PermissionDenied(_("Only civil affairs officers generate and download dossiers."))


# --- pages ----------------------------------------------------------------------------------------


@sensitive_variables("password")
def _password_confirmed(request: HttpRequest, form: DossierGenerateForm) -> bool:
    """Whether the password re-entered in ``form`` is the user's (checked through
    ``authenticate``, so a wrong one counts towards the lockout); puts the error on the field."""
    if step_up.verify_password(request, form.cleaned_data["password"]):
        step_up.mark_recent_auth(request)
        return True
    form.add_error("password", _("The password is not correct."))
    return False


@case_page("GET", "HEAD", "POST")
def case_dossiers(request: HttpRequest, case_id) -> HttpResponse:
    """The dossiers of a case, newest first, and the form that generates another."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    _require_export(user)
    form = DossierGenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _password_confirmed(request, form):
            try:
                record = operations.dossier_generate(
                    actor=user, case=case, language=Language(form.cleaned_data["language"]), request=request
                )
            except Conflict as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Dossier %(number)s is generated.") % {"number": record.archive_number})
                return HttpResponseRedirect(reverse("exports:case-dossiers", args=[case.uuid]))
        elif lockout.is_locked_out(request):
            return lockout.lockout_response(request)
    records = list(selectors.case_dossiers(user, case))
    log_read(
        request,
        action=AuditAction.CASE_VIEWED,
        case_uuid=case.uuid,
        sections=(),
        detail={"view": "dossiers", "count": len(records)},
    )
    return render(
        request,
        "exports/case_dossiers.html",
        {"case": case, "records": records, "form": form},
        status=400 if form.errors else 200,
    )


@case_page("GET", "HEAD")
def dossier_pdf(request: HttpRequest, dossier_id) -> HttpResponse:
    """The PDF of one dossier, decrypted and checked, as a download named by its archive number."""
    user = request.user
    # A refusal is recorded against the case the dossier is of (the URL names the dossier).
    request.refusal_case_uuid = selectors.case_uuid_of_dossier(dossier_id)
    record = selectors.dossier_for(user, dossier_id)
    try:
        pdf = operations.dossier_download(actor=user, record=record, request=request)
    except operations.DossierIntegrityError as failed:
        return render(request, "exports/integrity_failed.html", {"record": record}, status=failed.status)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, record.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@case_page("GET", "HEAD")
def batch_list(request: HttpRequest) -> HttpResponse:
    """Runs of batch archival over jurisdictions within the user's, newest first."""
    _require_export(request.user)
    batches = list(selectors.batches_for(request.user)[:50])
    return render(request, "exports/batch_list.html", {"batches": batches})
