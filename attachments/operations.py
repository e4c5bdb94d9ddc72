"""Writes of attachments: upload and withdraw (STYLE "one operation per business action").

- **attachment_upload**: the case must be one the actor sees (404), the section one the actor's
  role writes (403; a receiving department only under its accepted referral, as for its
  records), the case at the version ``If-Match`` named (412). The content is inspected
  (``attachments.inspection``: type by bytes, size 413, active PDFs, bombs and undecodable images
  400, image metadata removed) and sealed into the storage *before* the transaction, so no lock
  is held while a large file is written; the row, its history and the audit event are then
  written in one transaction with the case locked. If anything refuses after the file was
  written, the file is removed: a refusal stores nothing. The upload changes no field of the
  case, so the case's version stays (``If-Match`` proves the uploader saw the case as it is).
- **attachment_withdraw**: the same rights on the attachment's section; the attachment at the
  version ``If-Match`` named (412), not withdrawn already (409); a reason (400). The row keeps
  its file: an attachment is never deleted.
- Audit events carry no title, file name or reason: the attachment's id, section, kind, media
  type and size only.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attachments import content, inspection
from attachments.choices import Kind
from attachments.models import Attachment
from registry import policy
from registry.audit import record_event
from registry.concurrency import ensure_version
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import clean_value, full_clean, lock_for_change, require_room
from victims.models import Case
from victims.operations import lock_case, require_referred_write


def section_of(key) -> policy.Section | policy.ExtraSection:
    """The section ``key`` names; 400 naming ``section`` when no row of the policy has it."""
    try:
        return policy.section_named(str(key or ""))
    except ValueError:
        raise RuleViolation(_("Choose a section of the case file."), field="section") from None


def kind_of(key, section) -> Kind:
    """The kind ``key`` names, if it may be filed under ``section`` (a photo of the person goes
    under the person, and only there); 400 naming ``kind`` otherwise."""
    if key not in Kind.values:
        raise RuleViolation(_("Choose the kind of document."), field="kind")
    if (key == Kind.PHOTO) != (section == policy.Section.PERSON):
        raise RuleViolation(_("A photo of the person is filed under the person, and only there."), field="kind")
    return Kind(key)


def require_upload(actor, case: Case, section, *, lock: bool = False) -> None:
    """403 unless ``actor`` may add a document to ``section`` of ``case`` now: the role writes
    the section and, for a receiving department, its referral of the case is accepted."""
    require_referred_write(actor, case, section, lock=lock)


def attachment_upload(
    *, actor, case: Case, expected_version: int, section: str, kind: str, title: str, upload
) -> Attachment:
    """File ``upload`` under ``section`` of ``case`` (see the module's docstring)."""
    section = section_of(section)
    require_upload(actor, case, section)
    kind = kind_of(kind, section)
    title = clean_value(Attachment, "title", (title or "").strip())
    if not title:
        raise RuleViolation(_("Give the document a title."), field="title")
    ensure_version(case.version, expected_version)  # early, before the file is read; again under lock
    inspected = inspection.inspect(upload)
    file_name = clean_value(Attachment, "file_name", (upload.name or "")[-255:], field="file")
    attachment_uuid = uuid.uuid4()
    stored = content.store(inspected.chunks(), attachment_uuid=attachment_uuid)
    try:
        with transaction.atomic(), recorded_change(actor=actor, reason="attachment uploaded"):
            locked = lock_case(actor, case, expected_version)
            require_upload(actor, locked, section, lock=True)
            require_room(Attachment, locked)
            attachment = Attachment(
                uuid=attachment_uuid,
                case=locked,
                section=section.value,
                kind=kind,
                title=title,
                file_name=file_name,
                media_type=inspected.media_type,
                size=stored.size,
                page_count=inspected.page_count,
                sha256=stored.sha256,
                sm3=stored.sm3,
                key_id=stored.key_id,
                storage_name=stored.name,
                uploaded_by=actor,
            )
            full_clean(attachment, exclude=["case", "uploaded_by", "withdrawn_by"])
            attachment.save()
            record_event(
                action=AuditAction.ATTACHMENT_UPLOADED,
                actor=actor,
                case_uuid=locked.uuid,
                sections=[section],
                detail=audit_detail(attachment),
            )
    except BaseException:
        content.delete(stored.name)
        raise
    return attachment


def attachment_withdraw(*, actor, attachment: Attachment, expected_version: int, reason: str) -> Attachment:
    """Withdraw ``attachment`` with ``reason`` (see the module's docstring)."""
    section = section_of(attachment.section)
    require_upload(actor, attachment.case, section)
    reason = clean_value(Attachment, "withdrawal_reason", (reason or "").strip(), field="reason")
    if not reason:
        raise RuleViolation(_("Say why the document is withdrawn."), field="reason")
    with transaction.atomic(), recorded_change(actor=actor, reason="attachment withdrawn"):
        locked = lock_for_change(
            Attachment.objects.visible_to(actor),
            attachment.pk,
            missing=_("No such attachment."),
            expected_version=expected_version,
            case=lambda: lock_case(actor, attachment.case),
            check=lambda row: require_upload(actor, row.case, section, lock=True),
        )
        if locked.withdrawn:
            raise Conflict(_("This document is withdrawn already."), code="already_withdrawn")
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = actor
        locked.withdrawal_reason = reason
        locked.version += 1
        full_clean(locked, exclude=["case", "uploaded_by", "withdrawn_by"])
        locked.save()
        record_event(
            action=AuditAction.ATTACHMENT_WITHDRAWN,
            actor=actor,
            case_uuid=locked.case.uuid,
            sections=[section],
            detail=audit_detail(locked),
        )
    return locked


def audit_detail(attachment: Attachment) -> dict:
    """What the audit log says of an attachment: never its title, file name or reason."""
    return {
        "attachment": str(attachment.uuid),
        "kind": attachment.kind,
        "media_type": attachment.media_type,
        "size": attachment.size,
    }
