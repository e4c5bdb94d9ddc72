"""Reads of attachments, all through ``Attachment.objects.visible_to(user)`` (the case scope,
the sections the role reads, photos of the person only with ``view_person_photo``), and the one
way their content leaves the registry (:func:`open_content`).

Guarantees: an attachment the user may not see is absent — 404, exactly like one that does not
exist (a malformed id too); :func:`open_content` checks the whole file before a byte is sent
(authentic segments, size, SHA-256 and SM3 as recorded) and records every download in the audit
log — ``attachment_downloaded``, or the same action with outcome ``failure`` and 409
``content_check_failed`` when the check fails (the plaintext is then never sent).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from attachments import content
from attachments.choices import PREVIEWABLE, Kind
from attachments.models import Attachment
from registry import policy
from registry.audit import record_event
from registry.errors import Conflict
from registry.models import AuditAction, AuditOutcome


def attachments_of(user, case, section=None) -> list[Attachment]:
    """The attachments of ``case`` that ``user`` sees (under ``section`` when given), oldest
    first; withdrawn ones included (they stay in the file, marked)."""
    rows = Attachment.objects.visible_to(user).filter(case=case).select_related("case", "uploaded_by", "withdrawn_by")
    if section is not None:
        rows = rows.filter(section=policy.section_named(section).value)
    return list(rows.order_by("created_at", "id"))


def attachment_for(user, attachment_id) -> Attachment:
    """The attachment ``attachment_id`` if ``user`` sees it; NotFound otherwise."""
    rows = Attachment.objects.visible_to(user).select_related("case", "uploaded_by", "withdrawn_by")
    return rows.one(attachment_id, missing=_("No such attachment."))


def attachment_dict(attachment: Attachment) -> dict[str, Any]:
    """An attachment as the API and the pages show it (never its content)."""
    return {
        "id": str(attachment.uuid),
        "version": attachment.version,
        "case": str(attachment.case.uuid),
        "section": attachment.section,
        "kind": attachment.kind,
        "kind_label": str(Kind(attachment.kind).label),
        "title": attachment.title,
        "file_name": attachment.file_name,
        "media_type": attachment.media_type,
        "size": attachment.size,
        "page_count": attachment.page_count,
        "sha256": attachment.sha256,
        "sm3": attachment.sm3,
        "uploaded_by": attachment.uploaded_by.username,
        "uploaded_at": attachment.uploaded_at,
        "withdrawn": attachment.withdrawn,
        "withdrawn_at": attachment.withdrawn_at,
        "withdrawn_by": attachment.withdrawn_by.username if attachment.withdrawn_by_id else None,
        "withdrawal_reason": attachment.withdrawal_reason,
    }


def open_content(request, attachment: Attachment, *, preview: bool = False) -> Iterator[bytes]:
    """The checked plaintext of ``attachment`` for ``request.user``, audited (see the module's
    docstring). The file is read twice — once whole to check it, then to send it — so a check
    that fails answers 409 before any byte leaves; a file changed between the two reads breaks
    off the answer (``content.plaintext`` raises)."""
    detail = {"attachment": str(attachment.uuid), "preview": preview}
    try:
        content.verify(attachment)
    except content.ContentCheckFailed:
        record_event(
            action=AuditAction.ATTACHMENT_DOWNLOADED,
            request=request,
            case_uuid=attachment.case.uuid,
            sections=[attachment.section],
            outcome=AuditOutcome.FAILURE,
            detail={**detail, "code": "content_check_failed"},
        )
        raise Conflict(
            _("The stored document failed its integrity check; it is not sent. Tell the system administrator."),
            code="content_check_failed",
        ) from None
    record_event(
        action=AuditAction.ATTACHMENT_DOWNLOADED,
        request=request,
        case_uuid=attachment.case.uuid,
        sections=[attachment.section],
        detail=detail,
    )
    return content.plaintext(attachment)


def is_previewable(attachment: Attachment) -> bool:
    """Whether a browser shows the document itself (an image or a PDF; not TIFF nor HEIC)."""
    return attachment.media_type in PREVIEWABLE
