"""The dossiers' API (DESIGN §5, a stable contract).

- ``POST /cases/{id}/dossiers/`` — generate the case's dossier (civil affairs). The body
  carries the caller's ``password`` again (step-up, ``registry.accounts.step_up.check_step_up_password``:
  a wrong one counts towards the lockout) and optionally the ``language``. The dossier is made
  by a job off the request (``exports.jobs``), which the request waits for up to
  ``EXPORTS_DOSSIER_WAIT`` seconds:

  - made by then: 201 with the archive record, ``id`` and ``sha256`` among its keys (as before
    jobs: a client of the contract that expects 201 keeps working for a typical case);
  - ended by then with an error: that error (409 ``case_changed`` …), as before jobs;
  - still queued or running: 202 with the job (``id``, ``status``, ``url`` to poll), ``Location``
    naming the job and ``Retry-After`` the seconds to wait before polling.

  Refused at once: 409 ``dossier_too_large`` (``exports.limits``), 429 ``too_many_dossier_jobs``.
- ``GET /dossier-jobs/{id}/`` — a job: its ``status`` (queued, running, done, failed,
  timed_out), its ``error`` (``code``, ``message``) once it failed, and its ``dossier`` (the
  archive record) once done; ``Retry-After`` while it is unfinished. Audited as a read of the
  case (``case_viewed``, no section), like the list of dossiers.
- ``GET /cases/{id}/dossiers/`` — the case's archive records, newest first, paginated.
- ``GET /dossiers/{id}/pdf/`` — the PDF, decrypted and checked against its digests, as an
  attachment named by the archive number; audited as ``dossier_downloaded``.

Order of checks: the case or dossier in scope (404, out of scope is absent), the
``export_dossier`` action (403), then the body and the password. The API's exception handler
records every 403 and every 404 that names a record as ``access_denied``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from exports import jobs, operations, selectors
from exports.choices import JobStatus, Language
from exports.models import ArchiveRecord, DossierJob
from registry import policy
from registry.accounts import step_up
from registry.api.cases import CaseRouteViewSet
from registry.api.errors import error_response
from registry.api.inputs import validated
from registry.api.schema import CASE_ID, ERRORS, error
from registry.api.serializers import ChoiceField, StrictSerializer
from registry.api.viewsets import ScopedViewSet
from registry.audit import AuditAction, log_read
from registry.policy import Action, Section, require

EXPORT_REFUSED = _("Only civil affairs officers generate and download dossiers.")
# Seconds a client is asked to wait before it polls an unfinished job again.
POLL_AFTER_SECONDS = 2


class DossierGenerateSerializer(StrictSerializer):
    """What generating a dossier takes: the password again, and the language."""

    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Your password, entered again (step-up re-authentication).",
    )
    language = ChoiceField(choices=Language.choices, required=False, default=Language.CHINESE)


class ArchiveRecordSerializer(serializers.ModelSerializer):
    """One archival dossier: what it shows, its digests, who made it and when."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    case = serializers.UUIDField(source="case.uuid", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    generated_by = serializers.CharField(source="generated_by.username", read_only=True)
    sections = serializers.ListField(child=ChoiceField(choices=Section.choices), read_only=True)
    batch = serializers.UUIDField(source="batch.uuid", read_only=True, allow_null=True, default=None)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ArchiveRecord
        fields = (
            "id",
            "archive_number",
            "case",
            "case_number",
            "case_version",
            "template_version",
            "language",
            "classification",
            "retention",
            "sections",
            "organization_name",
            "generated_by",
            "generated_at",
            "sha256",
            "sm3",
            "attachment_sha256",
            "size",
            "page_count",
            "batch",
            "download_url",
        )
        read_only_fields = fields

    def get_download_url(self, record) -> str:
        return reverse("dossier-pdf", kwargs={"id": record.uuid})


class JobErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class DossierJobSerializer(serializers.ModelSerializer):
    """A request for a case's dossier and where it stands; the dossier itself once done."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    case = serializers.UUIDField(source="case.uuid", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    status = ChoiceField(choices=JobStatus.choices, read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    error = serializers.SerializerMethodField()
    dossier = ArchiveRecordSerializer(source="record", read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = DossierJob
        fields = (
            "id",
            "case",
            "case_number",
            "status",
            "language",
            "requested_by",
            "requested_at",
            "started_at",
            "finished_at",
            "time_limit",
            "error",
            "dossier",
            "url",
        )
        read_only_fields = fields

    @extend_schema_field(JobErrorSerializer(allow_null=True))
    def get_error(self, job) -> dict | None:
        if not job.error_code:
            return None
        return {"code": job.error_code, "message": jobs.error_message(job)}

    def get_url(self, job) -> str:
        return reverse("dossier-job-detail", kwargs={"id": job.uuid})


def job_response(job: DossierJob, *, status: int = 200) -> Response:
    """The job as :class:`DossierJobSerializer` shows it; ``Retry-After`` while it is unfinished."""
    response = Response(DossierJobSerializer(job).data, status=status)
    if job.unfinished:
        response["Retry-After"] = str(POLL_AFTER_SECONDS)
    return response


@extend_schema(tags=["dossiers"])
class CaseDossierViewSet(CaseRouteViewSet):
    """The archival dossiers of a case (civil affairs only)."""

    serializer_class = ArchiveRecordSerializer

    @extend_schema(
        summary="The dossiers of the case",
        parameters=[CASE_ID],
        responses={200: ArchiveRecordSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
    )
    def list(self, request, *args, **kwargs):
        case = self.get_case()
        require(policy.may(request.user, Action.EXPORT_DOSSIER), EXPORT_REFUSED)
        page = self.paginate_queryset(list(selectors.case_dossiers(request.user, case)))
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=case.uuid,
            sections=(),
            detail={"view": "dossiers", "count": len(page)},
        )
        return self.get_paginated_response(ArchiveRecordSerializer(page, many=True).data)

    @extend_schema(
        summary="Generate the case's archival dossier (civil affairs; password again)",
        parameters=[CASE_ID],
        request=DossierGenerateSerializer,
        responses={
            201: OpenApiResponse(ArchiveRecordSerializer, description="The dossier, made within the short wait."),
            202: OpenApiResponse(DossierJobSerializer, description="The job making it: poll its url."),
            400: ERRORS[400],
            403: error("permission_denied: your role may not export dossiers; step_up_failed: wrong password."),
            404: ERRORS[404],
            409: error(
                "case_changed: the case changed while the dossier was made; generate it again. "
                "dossier_too_large: the case holds more than one dossier may (the message names the limit)."
            ),
            429: error("locked_out: too many wrong passwords; too_many_dossier_jobs: wait for yours to finish."),
            503: error(
                "dossier_timed_out, dossier_render_failed: the job had already failed so within the short wait."
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        case = self.get_case()
        require(policy.may(request.user, Action.EXPORT_DOSSIER), EXPORT_REFUSED)
        data = validated(DossierGenerateSerializer, request.data)
        step_up.check_step_up_password(request, data.get("password"))
        job = jobs.dossier_request(
            actor=request.user, case=case, language=data.get("language", Language.CHINESE), request=request
        )
        job = jobs.wait(job, settings.EXPORTS_DOSSIER_WAIT)
        if job.status == JobStatus.DONE:
            return Response(ArchiveRecordSerializer(job.record).data, status=201)
        if not job.unfinished:
            return error_response(job.error_status, job.error_code, jobs.error_message(job))
        response = job_response(job, status=202)
        response["Location"] = reverse("dossier-job-detail", kwargs={"id": job.uuid})
        return response


@extend_schema(tags=["dossiers"])
class DossierJobViewSet(ScopedViewSet):
    """A dossier job: poll it until it is done, then download its dossier (civil affairs only)."""

    model = DossierJob
    serializer_class = DossierJobSerializer

    def audit_case_uuid_of_lookup(self) -> uuid.UUID | None:
        # The URL names a job; a refusal is recorded against the case the job is for.
        return selectors.case_uuid_of_job(self.kwargs.get("id"))

    @extend_schema(
        summary="Where a dossier job stands (civil affairs)",
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The job's id.")],
        responses={200: DossierJobSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def retrieve(self, request, *args, **kwargs):
        job = selectors.dossier_job_for(request.user, kwargs["id"])
        require(policy.may(request.user, Action.EXPORT_DOSSIER), EXPORT_REFUSED)
        job = jobs.current(job)
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=job.case.uuid,
            sections=(),
            detail={"view": "dossier_job", "job": str(job.uuid), "status": job.status},
        )
        return job_response(job)


@extend_schema(tags=["dossiers"])
class DossierViewSet(ScopedViewSet):
    """One archival dossier's PDF (civil affairs only)."""

    model = ArchiveRecord
    serializer_class = ArchiveRecordSerializer

    def perform_content_negotiation(self, request, force=False):
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    def audit_case_uuid_of_lookup(self) -> uuid.UUID | None:
        # The URL names a dossier; a refusal is recorded against the case the dossier is of.
        return selectors.case_uuid_of_dossier(self.kwargs.get("id"))

    @extend_schema(
        summary="Download the dossier's PDF (civil affairs)",
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The dossier's id.")],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF/A-3 dossier."),
            403: ERRORS[403],
            404: error("not_found: no such dossier (or its case is not within your reach)."),
            409: error("dossier_integrity_failed: the stored file no longer matches its digests."),
        },
    )
    def pdf(self, request, *args, **kwargs):
        record = selectors.dossier_for(request.user, kwargs["id"])
        require(policy.may(request.user, Action.EXPORT_DOSSIER), EXPORT_REFUSED)
        pdf = operations.dossier_download(actor=request.user, record=record, request=request)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, record.download_name)
        return response
