"""Choices of the attachments app: the kinds of document and the media types allowed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a document is. ``photo`` — a photo of the person for identification — is filed under
    the ``person`` section only, and that section holds photos only (``registry.policy``'s
    ``view_person_photo`` narrows who sees them)."""

    CONSENT_FORM = "consent_form", _("Signed consent form")
    IDENTITY_DOCUMENT = "identity_document", _("Copy of an identity document")
    DNA_LETTER = "dna_letter", _("DNA match letter")
    COURT_JUDGMENT = "court_judgment", _("Court judgment")
    HANDOVER_RECEIPT = "handover_receipt", _("Handover receipt")
    MEDICAL_REPORT = "medical_report", _("Medical report")
    CERTIFICATE = "certificate", _("Certificate")
    PHOTO = "photo", _("Photo of the person")
    OTHER = "other", _("Other document")


class MediaType(models.TextChoices):
    """The media types on the allow-list, each recognised by its bytes (``attachments.inspection``)."""

    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"
    TIFF = "image/tiff", "TIFF"
    HEIC = "image/heic", "HEIC"


# The file name extension a download is given, by media type.
EXTENSIONS = {
    MediaType.PDF: "pdf",
    MediaType.JPEG: "jpg",
    MediaType.PNG: "png",
    MediaType.TIFF: "tif",
    MediaType.HEIC: "heic",
}
# What a browser shows inline for a preview (HEIC and TIFF it does not).
PREVIEWABLE = frozenset({MediaType.PDF, MediaType.JPEG, MediaType.PNG})
