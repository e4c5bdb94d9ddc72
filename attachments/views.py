"""The attachment pages: each section's documents under its tab of the case file
(:func:`tab_part`), the upload page (which the tab's drag-and-drop form posts to, with
``attachments.js`` showing the progress), download and preview, and withdrawal.

Server-rendered, usable without JavaScript, no inline script or style (the CSP forbids them).
Reads go through ``attachments.selectors`` (the case through ``victims.selectors.case_for``),
writes through ``attachments.operations``; a case or attachment out of reach is the 404 page,
an action the user may not take the 403 page (both audited by ``registry.pages.case_page``).
Download and preview stream the checked content with ``Cache-Control: no-store`` and are
audited (``selectors.open_content``); a stored file that fails its check answers 409 with a page
saying so. No personal value is ever part of a URL.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _

from attachments import downloads, forms, operations, selectors
from attachments.choices import EXTENSIONS, MediaType
from attachments.inspection import FileTooLarge
from attachments.models import Attachment
from registry import policy
from registry.errors import Conflict, NotFound, PermissionDenied, RegistryError, RuleViolation, StaleVersion
from registry.forms import show_error
from registry.pages import case_page
from registry.policy import Action, Section
from registry.presentation import case_url
from victims import selectors as case_selectors


def _stale() -> str:
    return _("The case changed while you were uploading. Reload the case file and upload the document again.")


def reads_attachments_of(user, section) -> bool:
    """Whether ``user`` sees documents filed under ``section`` (the scoped manager's rule)."""
    if section == Section.PERSON and not policy.may(user, Action.VIEW_PERSON_PHOTO):
        return False
    return policy.may_read(user, section)


def may_upload(user, case, section) -> bool:
    try:
        operations.require_upload(user, case, section)
    except PermissionDenied:
        return False
    return True


def _row(attachment: Attachment) -> dict[str, Any]:
    data = selectors.attachment_dict(attachment)
    data["size_label"] = filesizeformat(attachment.size)
    data["type_label"] = EXTENSIONS[MediaType(attachment.media_type)].upper()
    data["download_url"] = reverse("attachments:download", args=[attachment.uuid])
    if selectors.is_previewable(attachment):
        data["preview_url"] = reverse("attachments:preview", args=[attachment.uuid])
        data["is_image"] = attachment.media_type != MediaType.PDF
    return data


def tab_part(request: HttpRequest, case, section) -> tuple[str, dict] | None:
    """The documents filed under ``section`` of ``case`` that the user sees, and the upload form
    when the user may add one; ``None`` where the user sees no document of the section."""
    user = request.user
    if not reads_attachments_of(user, section):
        return None
    rows = selectors.attachments_of(user, case, section)
    writable = may_upload(user, case, section)
    for row in rows:
        row.may_withdraw = writable and not row.withdrawn
    part = {
        "section": section.value,
        "attachments": [{**_row(row), "withdraw_url": _withdraw_url(row)} for row in rows],
    }
    if writable:
        part["upload_url"] = reverse("attachments:upload", args=[case.uuid, section.value])
        part["form"] = forms.UploadForm(initial={"version": case.version}, section=section)
    return "attachments/_tab_part.html", part


def _withdraw_url(row) -> str | None:
    return reverse("attachments:withdraw", args=[row.uuid]) if row.may_withdraw else None


def _section(user, key) -> Section:
    """The section of the URL, if the user sees its documents; the 404 page otherwise."""
    try:
        section = policy.section_named(key)
    except ValueError:
        raise NotFound(_("No such section.")) from None
    if not reads_attachments_of(user, section):
        raise NotFound(_("No such section."))
    return section


@case_page("GET", "HEAD", "POST")
def upload(request: HttpRequest, case_id, section) -> HttpResponse:
    """Upload a document to a section (the tab's form posts here, with or without JavaScript)."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    section = _section(user, section)
    operations.require_upload(user, case, section)
    form = forms.UploadForm(
        request.POST or None, request.FILES or None, initial={"version": case.version}, section=section
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            values = form.cleaned_data
            try:
                operations.attachment_upload(
                    actor=user,
                    case=case,
                    expected_version=values["version"],
                    section=section.value,
                    kind=values["kind"],
                    title=values["title"],
                    upload=request.FILES.get("file"),
                )
            except StaleVersion as stale:
                form.add_error(None, _stale())
                status = stale.status
            except (RuleViolation, Conflict, FileTooLarge) as refused:
                show_error(form, refused)
                status = refused.status
            else:
                messages.success(request, _("The document is uploaded."))
                done = case_url(case, section.value)
                if request.headers.get("X-Requested-With") == "XMLHttpRequest":
                    # attachments.js shows the progress and then goes to the tab itself: a
                    # redirect would have it fetch (and the audit log record) the case file twice.
                    return HttpResponse(status=204, headers={"X-Location": done})
                return HttpResponseRedirect(done)
    context = {
        "case": case,
        "section": section,
        "form": form,
        "title": _("Upload a document"),
        "back_url": case_url(case, section.value),
    }
    return render(request, "attachments/upload.html", context, status=status)


def _content(request: HttpRequest, attachment_id, *, preview: bool) -> HttpResponse:
    attachment = selectors.attachment_for(request.user, attachment_id)
    request.refusal_case_uuid = attachment.case.uuid
    if preview and not selectors.is_previewable(attachment):
        raise NotFound(_("This document cannot be shown in the browser; download it."))
    try:
        chunks = selectors.open_content(request, attachment, preview=preview)
    except Conflict as failed:
        context = {"case": attachment.case, "message": failed.message, "back_url": case_url(attachment.case)}
        return render(request, "attachments/check_failed.html", context, status=failed.status)
    return downloads.content_response(attachment, chunks, inline=preview)


@case_page("GET", "HEAD")
def download(request: HttpRequest, attachment_id) -> HttpResponse:
    """The document as a file to save, checked and audited."""
    return _content(request, attachment_id, preview=False)


@case_page("GET", "HEAD")
def preview(request: HttpRequest, attachment_id) -> HttpResponse:
    """An image or PDF shown in the browser, checked and audited, never cached."""
    return _content(request, attachment_id, preview=True)


@case_page("GET", "HEAD", "POST")
def withdraw(request: HttpRequest, attachment_id) -> HttpResponse:
    """Withdraw a document, with a reason; it stays in the archive."""
    user = request.user
    attachment = selectors.attachment_for(user, attachment_id)
    request.refusal_case_uuid = attachment.case.uuid
    section = policy.section_named(attachment.section)
    operations.require_upload(user, attachment.case, section)
    form = forms.WithdrawForm(request.POST or None, initial={"version": attachment.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                operations.attachment_withdraw(
                    actor=user,
                    attachment=attachment,
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except RegistryError as refused:
                if isinstance(refused, StaleVersion):
                    form.add_error(None, _("The document changed meanwhile. Reload the case file and try again."))
                else:
                    show_error(form, refused)
                status = refused.status
            else:
                messages.success(request, _("The document is withdrawn."))
                return HttpResponseRedirect(case_url(attachment.case, section.value))
    context = {
        "case": attachment.case,
        "attachment": _row(attachment),
        "form": form,
        "title": _("Withdraw a document"),
        "back_url": case_url(attachment.case, section.value),
    }
    return render(request, "attachments/withdraw.html", context, status=status)
