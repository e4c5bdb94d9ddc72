"""The case's documents in its dossier: listed in a part of their own and embedded in the PDF/A-3
as associated files with ``AFRelationship /Source`` (issue 15, item 6).

Guarantees:

- Exactly the attachments the generating user sees (``attachments.selectors.attachments_of``:
  the case scope, the sections the role reads, photos of the person only for the roles that see
  them), withdrawn ones included and marked — the archive keeps what the file held.
- Each is listed with its title, kind, section, date, size and SHA-256, and embedded under a
  plain name made of the case number and its place in the list (``FJ-…-A01.pdf``; never the
  title, which is personal), with its media type; the title goes in the file's description.
- Each content is read through ``attachments.content`` (authenticated segment by segment) and
  its size, SHA-256 and SM3 compared with the row before it is embedded; a document that fails
  stops the dossier with :class:`DocumentCheckFailed` naming the attachment (its UUID), and the
  renderer checks every embedded file against the list once the PDF is finished.
- Contents are held in memory while the PDF is written (WeasyPrint embeds bytes): the size of
  the documents is bounded by ``ATTACHMENTS_MAX_BYTES`` each.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass

import pikepdf
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from attachments import content
from attachments.choices import EXTENSIONS, Kind, MediaType
from attachments.models import Attachment
from attachments.selectors import attachments_of
from exports.dossier.digests import sha256_hexdigest, sm3_hexdigest
from registry import policy
from registry.errors import Conflict
from registry.presentation import labelled

RELATIONSHIP = "Source"


class DocumentCheckFailed(Conflict):
    """An attachment's stored content did not check out; the dossier is not made (409)."""

    code = "attachment_integrity_failed"

    def __init__(self, attachment: Attachment) -> None:
        super().__init__(
            _("Document %(id)s of the case failed its integrity check; the dossier was not made.")
            % {"id": attachment.uuid}
        )


@dataclass(frozen=True)
class Document:
    """One attachment as the dossier lists and embeds it."""

    attachment: Attachment
    file_name: str  # inside the PDF

    @property
    def description(self) -> str:
        return labelled(str(Kind(self.attachment.kind).label), self.attachment.title)

    @property
    def uploaded_at(self) -> datetime.datetime:
        return self.attachment.uploaded_at


def documents_of(user, case) -> list[Document]:
    """The attachments of ``case`` that ``user`` sees, oldest first, with their names in the PDF."""
    return [
        Document(attachment, f"{case.number}-A{index:02d}.{EXTENSIONS[MediaType(attachment.media_type)]}")
        for index, attachment in enumerate(attachments_of(user, case), start=1)
    ]


def rows(documents: list[Document]) -> list[dict]:
    """The printed list, in the active language (call it under ``translation.override``)."""
    return [
        {
            "name": document.file_name,
            "section": str(policy.section_named(document.attachment.section).label),
            "title": document.attachment.title,
            "kind": str(Kind(document.attachment.kind).label),
            "date": timezone.localtime(document.uploaded_at).strftime("%Y-%m-%d"),
            "size": filesizeformat(document.attachment.size),
            "sha256": document.attachment.sha256,
            "withdrawn": document.attachment.withdrawn,
        }
        for document in documents
    ]


def payload(documents: list[Document]) -> list[dict]:
    """The list as the attached JSON carries it (ISO dates, sizes in bytes, both digests)."""
    return [
        {
            "id": str(document.attachment.uuid),
            "file_name": document.file_name,
            "section": document.attachment.section,
            "kind": document.attachment.kind,
            "title": document.attachment.title,
            "media_type": document.attachment.media_type,
            "size": document.attachment.size,
            "page_count": document.attachment.page_count,
            "sha256": document.attachment.sha256,
            "sm3": document.attachment.sm3,
            "uploaded_at": document.uploaded_at,
            "withdrawn_at": document.attachment.withdrawn_at,
        }
        for document in documents
    ]


def checked_content(document: Document) -> bytes:
    """The plaintext of ``document``, authenticated and matching its row's size and digests."""
    attachment = document.attachment
    try:
        data = b"".join(content.plaintext(attachment))
    except content.ContentCheckFailed:
        raise DocumentCheckFailed(attachment) from None
    if (len(data), sha256_hexdigest(data), sm3_hexdigest(data)) != (attachment.size, attachment.sha256, attachment.sm3):
        raise DocumentCheckFailed(attachment)
    return data


def embedded_files(pdf: bytes) -> dict[str, tuple[str, str]]:
    """The files embedded in ``pdf``: name -> (AFRelationship, SHA-256 of the content)."""
    found = {}
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for name, spec in document.attachments.items():
            relationship = str(spec.obj.get("/AFRelationship", pikepdf.Name.Unspecified))[1:]
            found[name] = (relationship, hashlib.sha256(spec.get_file().read_bytes()).hexdigest())
    return found
