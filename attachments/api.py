"""The REST API of attachments under ``/api/v1/`` (routes in ``attachments.urls``).

- ``GET /cases/{id}/attachments/`` — the case's attachments the caller sees (``?section=`` to
  narrow), paginated; ``POST`` — upload one: multipart ``file``, ``section``, ``kind``,
  ``title``, with ``If-Match`` naming the case's ETag (``operations.attachment_upload``).
- ``GET /attachments/{id}/`` — one attachment's metadata, its version as ``ETag``.
- ``GET /attachments/{id}/content/`` — its content, checked, streamed and audited
  (``selectors.open_content``; 409 ``content_check_failed`` when the stored file fails).
- ``POST /attachments/{id}/withdraw/`` — withdraw it with a ``reason``, with ``If-Match``
  naming the attachment's ETag (``operations.attachment_withdraw``).

Every view reads through ``attachments.selectors`` (404 for what is out of reach, before any
403) and writes through ``attachments.operations``. Reads are audited (``case_viewed`` with the
sections shown); refusals by the API's exception handler.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, serializers
from rest_framework.response import Response

from attachments import downloads, operations, selectors
from attachments.choices import Kind, MediaType
from attachments.models import Attachment
from registry import policy
from registry.api.cases import CaseRouteViewSet
from registry.api.inputs import validated
from registry.api.parsers import JSONParser
from registry.api.schema import CASE_ID, ERRORS, IF_MATCH, VERSIONED_ERRORS, error
from registry.api.serializers import ChoiceField, StrictSerializer
from registry.api.viewsets import RecordRouteViewSet
from registry.audit import AuditAction, log_read
from registry.concurrency import etag, version_from_if_match

ATTACHMENT_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The attachment's id.")
SECTION = OpenApiParameter(
    "section", str, OpenApiParameter.QUERY, required=False, description="Only the attachments of this section."
)
UPLOAD_ERRORS = {
    **VERSIONED_ERRORS,
    400: error(
        "validation_error or rule_violation naming the field: unsupported_type (not a PDF, JPEG, PNG, TIFF or HEIC "
        "by its bytes), unsafe_pdf, unreadable_pdf, undecodable_image, image_too_large (a decompression bomb)."
    ),
    413: error("file_too_large: larger than the deployment's ATTACHMENTS_MAX_BYTES."),
}


class AttachmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField()
    case = serializers.UUIDField()
    section = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    kind_label = serializers.CharField()
    title = serializers.CharField()
    file_name = serializers.CharField()
    media_type = serializers.ChoiceField(choices=MediaType.choices)
    size = serializers.IntegerField()
    page_count = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    sm3 = serializers.CharField()
    uploaded_by = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    withdrawn = serializers.BooleanField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawn_by = serializers.CharField(allow_null=True)
    withdrawal_reason = serializers.CharField(allow_null=True)


class UploadSerializer(StrictSerializer):
    file = serializers.FileField(required=False, allow_empty_file=True, use_url=False)
    section = serializers.CharField(max_length=32)
    kind = ChoiceField(choices=Kind.choices)
    title = serializers.CharField(max_length=200)


class WithdrawSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)


def attachment_response(attachment: Attachment, *, status: int = 200) -> Response:
    response = Response(AttachmentSerializer(selectors.attachment_dict(attachment)).data, status=status)
    response["ETag"] = etag(attachment.version)
    return response


def _parse_upload_after_sign_in(view, request) -> None:
    # The body is parsed once the caller is known (never for an anonymous one), through the
    # project's upload handler (attachments.uploads), before anything reads the raw body.
    if request.method == "POST" and request.user.is_authenticated:
        request.data  # noqa: B018 (parses the multipart body)


@extend_schema(tags=["attachments"])
class CaseAttachmentViewSet(CaseRouteViewSet):
    """The attachments of a case."""

    serializer_class = AttachmentSerializer
    parser_classes = [parsers.MultiPartParser]

    def perform_authentication(self, request):
        super().perform_authentication(request)
        _parse_upload_after_sign_in(self, request)

    @extend_schema(
        summary="The attachments of a case the caller sees",
        parameters=[CASE_ID, SECTION],
        responses={200: AttachmentSerializer(many=True), 404: ERRORS[404]},
    )
    def list(self, request, *args, **kwargs):
        case = self.get_case()
        section = request.query_params.get("section")
        if section is not None:
            section = operations.section_of(section)
        rows = selectors.attachments_of(request.user, case, section)
        shown = sorted({row.section for row in rows}) or ([section.value] if section else [])
        return self.paginated(
            [selectors.attachment_dict(row) for row in rows],
            request,
            sections=shown,
            detail={"view": "attachments"},
        )

    @extend_schema(
        summary="Upload a document to a section of the case",
        description="Multipart: file, section, kind, title. If-Match names the case's ETag. The type is recognised "
        "by the file's bytes; EXIF and GPS metadata are removed from images before the file is encrypted and stored.",
        parameters=[CASE_ID, IF_MATCH],
        request={"multipart/form-data": UploadSerializer},
        responses={201: AttachmentSerializer, **UPLOAD_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        case = self.get_case()
        section = operations.section_of(request.data.get("section"))
        operations.require_upload(request.user, case, section)
        expected = self.expected_version()
        data = validated(UploadSerializer, request.data)
        attachment = operations.attachment_upload(
            actor=request.user,
            case=case,
            expected_version=expected,
            section=data["section"],
            kind=data["kind"],
            title=data["title"],
            upload=request.FILES.get("file"),
        )
        return attachment_response(attachment, status=201)


@extend_schema(tags=["attachments"])
class AttachmentViewSet(RecordRouteViewSet):
    """One attachment: its metadata, its content, its withdrawal."""

    model = Attachment
    serializer_class = AttachmentSerializer
    parser_classes = [JSONParser]
    metadata_class = None

    def get_attachment(self) -> Attachment:
        return selectors.attachment_for(self.request.user, self.kwargs["id"])

    @extend_schema(
        summary="One attachment's metadata",
        parameters=[ATTACHMENT_ID],
        responses={200: AttachmentSerializer, 404: ERRORS[404]},
    )
    def retrieve(self, request, *args, **kwargs):
        attachment = self.get_attachment()
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=attachment.case.uuid,
            sections=[attachment.section],
            detail={"view": "attachment", "record": str(attachment.uuid)},
        )
        return attachment_response(attachment)

    @extend_schema(
        summary="An attachment's content",
        description="Checked against its recorded digests before it is sent (409 content_check_failed otherwise), "
        "streamed, never cached (Cache-Control: no-store), and recorded in the audit log.",
        parameters=[ATTACHMENT_ID],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The document."),
            404: ERRORS[404],
            409: error("content_check_failed: the stored file failed its integrity check."),
        },
    )
    def content(self, request, *args, **kwargs):
        attachment = self.get_attachment()
        return downloads.content_response(attachment, selectors.open_content(request, attachment))

    @extend_schema(
        summary="Withdraw an attachment (it is never deleted)",
        parameters=[ATTACHMENT_ID, IF_MATCH],
        request=WithdrawSerializer,
        responses={200: AttachmentSerializer, **VERSIONED_ERRORS},
    )
    def withdraw(self, request, *args, **kwargs):
        attachment = self.get_attachment()
        operations.require_upload(request.user, attachment.case, policy.section_named(attachment.section))
        expected = version_from_if_match(request.headers.get("If-Match"))
        data = validated(WithdrawSerializer, request.data)
        attachment = operations.attachment_withdraw(
            actor=request.user, attachment=attachment, expected_version=expected, reason=data["reason"]
        )
        return attachment_response(attachment)
