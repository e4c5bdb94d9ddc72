"""``seed_demo`` files synthetic documents — a generated consent form (PDF) and a generated photo
(JPEG) — in some cases, through the upload operation (``attachments.seed``)."""

from __future__ import annotations

import io
from io import StringIO

import pikepdf
import pytest
from django.core.management import call_command
from PIL import Image

from attachments import content
from attachments.choices import Kind, MediaType
from attachments.models import Attachment
from registry.models import AuditAction, AuditEvent
from registry.policy import Section
from tests.attachments import conftest as attachment_fixtures
from tests.attachments_helpers import stored_plaintext

pytestmark = pytest.mark.django_db

attachments_storage = attachment_fixtures.attachments_storage  # a fixture used here (autouse)


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", password="demo-password-123", victims=16, seed=1, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_some_cases_get_a_consent_form_and_some_a_photo_through_the_upload_operation():
    output = seed()
    attachments = list(Attachment._base_manager.select_related("case__created_by", "uploaded_by"))
    forms = [a for a in attachments if a.kind == Kind.CONSENT_FORM]
    photos = [a for a in attachments if a.kind == Kind.PHOTO]
    assert forms and photos and len(forms) + len(photos) == len(attachments)
    assert f"documents: {len(attachments)} filed in {len(forms)} cases" in output
    for attachment in attachments:
        content.verify(attachment)  # sealed, with the digests of what it holds
        assert attachment.uploaded_by == attachment.case.created_by
    for form in forms:
        assert (form.section, form.media_type, form.page_count) == (Section.CONSENTS, MediaType.PDF, 1)
        with pikepdf.open(io.BytesIO(stored_plaintext(form))) as pdf:
            assert len(pdf.pages) == 1
    for photo in photos:
        assert (photo.section, photo.media_type) == (Section.PERSON, MediaType.JPEG)
        with Image.open(io.BytesIO(stored_plaintext(photo))) as image:
            assert image.size == (480, 640)
    uploads = AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_UPLOADED)
    assert uploads.count() == len(attachments)


def test_a_second_run_files_nothing_more():
    seed()
    count = Attachment._base_manager.count()
    output = seed()
    assert Attachment._base_manager.count() == count
    assert "documents: 0 filed in 0 cases" in output
