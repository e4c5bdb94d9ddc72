"""Attachments for tests outside the attachments app (key rotation, dossiers, seed): documents
filed through the upload operation, from the attachment tests' own samples. The throwaway
storage is the attachment tests' fixture (``tests.attachments.conftest.attachments_storage``)."""

from __future__ import annotations

from attachments import content
from attachments.choices import Kind
from attachments.models import Attachment
from attachments.operations import attachment_upload
from attachments.uploads import ephemeral_upload
from registry import segments
from registry.policy import Section
from tests.attachments import samples


def png_of_about(size: int) -> bytes:
    """A PNG of random pixels, hardly compressible: about ``size`` bytes."""
    side = max(4, int((size / 3) ** 0.5))
    return samples.png(size=(side, side))


def attach(case, *, size: int = 0, actor=None, section: Section = Section.CONSENTS, kind: Kind = Kind.CONSENT_FORM,
           title: str = "知情同意书", data: bytes | None = None) -> Attachment:  # fmt: skip
    """File a document in ``case`` as its registering caseworker (or ``actor``): ``data``, or a
    PNG of about ``size`` bytes when ``size`` is given, else a small PDF."""
    if data is None:
        data = png_of_about(size) if size else samples.pdf(title.encode().hex())
    name = "document.png" if data.startswith(b"\x89PNG") else "document.pdf"
    return attachment_upload(actor=actor or case.created_by, case=case, expected_version=case.version,
                             section=section.value, kind=kind, title=title,
                             upload=ephemeral_upload([data], name=name))  # fmt: skip


def stored_plaintext(attachment: Attachment) -> bytes:
    """The whole plaintext of ``attachment``'s stored file (authenticated)."""
    return b"".join(content.plaintext(attachment))


def segment_starts(sealed: bytes) -> list[int]:
    """Where each segment of a sealed file begins (after its header)."""
    header = len(segments.MAGIC) + 2 + sealed[len(segments.MAGIC) + 1] + segments.SALT_BYTES + segments.PREFIX_BYTES
    return list(range(header, len(sealed), segments.SEALED_SEGMENT))
