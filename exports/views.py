"""The dossier pages: a case's dossiers with the form that generates one, the status of a
dossier job, the download, and the status of batch archival (civil affairs).

Guarantees:

- **Scope, then action**: a case (or dossier) outside the user's reach is the 404 page, exactly
  like an absent one; in reach but without ``export_dossier`` it is the 403 page. Both refusals
  are recorded as ``access_denied``.
- **Step-up**: generating asks for the password again, checked through ``authenticate`` so a
  wrong one counts towards the lockout; a lockout answers 429 like the sign-in page.
- **Writes** go through ``exports.jobs`` and ``exports.operations`` only (POST, then
  redirect); the download is decrypted and fixity-checked there and audited as
  ``dossier_downloaded``.
- **Once**: the form's button is disabled once pressed (``exports/static/exports/generate.js``),
  a second identical request while the first is unfinished gets the same job
  (``exports.jobs.dossier_request``), and when a dossier of the case's current version, in the
  same language and with the same sections, exists already the page says so with a link to it
  and makes another only when the user ticks ``again`` (``exports.jobs.identical_dossiers``).
- **Jobs**: the form asks for a dossier job (``exports.jobs.dossier_request``) and waits for it
  up to ``EXPORTS_DOSSIER_WAIT`` seconds: done by then, the case's dossiers page says so;
  otherwise the job's page shows where it stands, reloading itself every few seconds (an HTTP
  ``Refresh`` header — no script, which the Content-Security-Policy forbids inline — and a
  Refresh link) until it offers the download or says why there is none.
- The listing of a case's dossiers and a job's page are logged as reads of the case
  (``case_viewed``, no section: they show dossier receipts and job states, not the file's
  contents).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from exports import jobs, operations, selectors
from exports.choices import JobStatus, Language
from exports.forms import DossierGenerateForm
from exports.limits import DossierTooLarge, TooManyDossierJobs
from exports.models import DossierJob
from registry import policy
from registry.accounts import lockout, step_up
from registry.audit import AuditAction, log_read
from registry.errors import PermissionDenied
from registry.pages import case_page
from registry.policy import Action
from victims import selectors as case_selectors


def dossier_links(user, case) -> list[dict[str, str]]:
    """The case header's link to the case's dossiers, for those who may export them
    (``registry.casefile.register_case_links``)."""
    if not policy.may(user, Action.EXPORT_DOSSIER):
        return []
    return [{"id": "dossiers", "label": _("Dossiers"), "url": reverse("exports:case-dossiers", args=[case.uuid])}]


# Seconds after which a job's page reloads itself while the job is unfinished.
JOB_PAGE_REFRESH_SECONDS = 3
# The jobs of a case that made no dossier (unfinished, failed, timed out) listed on its page.
JOBS_SHOWN = 10


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


def _repeat_unconfirmed(form: DossierGenerateForm, identical: list) -> bool:
    """Whether ``form`` asks again for a dossier among ``identical`` (same version, template and
    sections, ``exports.jobs.identical_dossiers``) in its language without ticking ``again``."""
    language = form.cleaned_data["language"]
    return not form.cleaned_data.get("again") and any(record.language == language for record in identical)


@case_page("GET", "HEAD", "POST")
def case_dossiers(request: HttpRequest, case_id) -> HttpResponse:
    """The dossiers of a case, newest first, and the form that generates another."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    _require_export(user)
    identical = list(jobs.identical_dossiers(user, case))
    form = DossierGenerateForm(request.POST or None, repeats=bool(identical))
    status = 200
    if request.method == "POST" and form.is_valid():
        if _repeat_unconfirmed(form, identical):
            form.add_error(
                "again",
                _("This version of the case has a dossier in this language already: tick the box to make another."),
            )
        elif _password_confirmed(request, form):
            try:
                job = jobs.dossier_request(
                    actor=user, case=case, language=Language(form.cleaned_data["language"]), request=request
                )
            except (DossierTooLarge, TooManyDossierJobs) as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                job = jobs.wait(job, settings.EXPORTS_DOSSIER_WAIT)
                if job.status != JobStatus.DONE:
                    return HttpResponseRedirect(reverse("exports:dossier-job", args=[job.uuid]))
                number = job.record.archive_number
                messages.success(request, _("Dossier %(number)s is generated.") % {"number": number})
                return HttpResponseRedirect(reverse("exports:case-dossiers", args=[case.uuid]))
        elif lockout.is_locked_out(request):
            return lockout.lockout_response(request)
    records = list(selectors.case_dossiers(user, case))
    jobs.expire_overdue(DossierJob.objects.filter(case=case))
    open_jobs = list(selectors.case_jobs(user, case)[:JOBS_SHOWN])
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
        {"case": case, "records": records, "jobs": open_jobs, "form": form, "identical": identical},
        status=400 if status == 200 and form.errors else status,
    )


@case_page("GET", "HEAD")
def dossier_job(request: HttpRequest, job_id) -> HttpResponse:
    """Where one dossier job stands; reloads itself until the job has ended, then offers the
    download (or says why there is none)."""
    user = request.user
    # A refusal is recorded against the case the job is for (the URL names the job).
    request.refusal_case_uuid = selectors.case_uuid_of_job(job_id)
    job = selectors.dossier_job_for(user, job_id)
    _require_export(user)
    job = jobs.current(job)
    log_read(
        request,
        action=AuditAction.CASE_VIEWED,
        case_uuid=job.case.uuid,
        sections=(),
        detail={"view": "dossier_job", "job": str(job.uuid), "status": job.status},
    )
    error = jobs.error_message(job) if job.error_code else ""
    response = render(request, "exports/dossier_job.html", {"job": job, "case": job.case, "error": error})
    if job.unfinished:
        response["Refresh"] = str(JOB_PAGE_REFRESH_SECONDS)
    return response


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
