"""What is refused, with a clear error, and nothing stored (issue 15, item 4): the type by its
bytes, the size, active or broken PDFs, decompression bombs and undecodable images; and what
is kept of an image: its pixels without EXIF, GPS, XMP or text."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageFile, ImageOps

from attachments.inspection import ORIENTATION
from attachments.models import Attachment
from registry.models import AuditAction, AuditEvent
from tests.attachments import samples
from tests.attachments.conftest import stored_files
from tests.attachments.test_api import upload


@pytest.fixture
def alice(api_client_for, cast):
    return api_client_for(cast.alice)


def assert_refused(response, status: int, code: str, storage) -> None:
    assert response.status_code == status, response.json()
    body = response.json()
    assert body["code"] == code and body["fields"] == {"file": [body["message"]]}
    assert stored_files(storage) == []
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_UPLOADED).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"plain text that calls itself a PDF", "scan.pdf"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "photo.jpg"),
        (b"PK\x03\x04 a zip named like an image", "photo.png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "drawing.svg"),
    ],
)
def test_the_type_comes_from_the_bytes_not_the_name(alice, register, attachments_storage, data, name):
    response = upload(alice, register(seed=21), data, name=name)
    assert_refused(response, 400, "unsupported_type", attachments_storage)


@pytest.mark.django_db
def test_a_pdf_named_like_a_photo_is_a_pdf(alice, register):
    response = upload(alice, register(seed=22), samples.pdf(), name="photo.jpg")
    assert response.status_code == 201 and response.json()["media_type"] == "application/pdf"


@pytest.mark.django_db
def test_a_file_over_the_limit_is_413_and_not_kept(alice, register, settings, attachments_storage):
    settings.ATTACHMENTS_MAX_BYTES = 4096
    document = samples.pdf("x" * 5000)
    assert len(document) > 4096
    response = upload(alice, register(seed=23), document)
    assert_refused(response, 413, "file_too_large", attachments_storage)


@pytest.mark.django_db
def test_an_empty_file_and_no_file_are_named(alice, register, attachments_storage):
    case = register(seed=24)
    assert_refused(upload(alice, case, b""), 400, "empty_file", attachments_storage)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["javascript", "launch", "embedded"])
def test_an_active_pdf_is_refused(alice, register, attachments_storage, kind):
    response = upload(alice, register(seed=25), samples.pdf_with(kind))
    assert_refused(response, 400, "unsafe_pdf", attachments_storage)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\nthis is not a pdf at all\n%%EOF\n", samples.pdf()[:200]],
    ids=["garbage", "truncated"],
)
def test_a_pdf_that_does_not_parse_is_refused(alice, register, attachments_storage, data):
    response = upload(alice, register(seed=26), data)
    assert_refused(response, 400, "unreadable_pdf", attachments_storage)


@pytest.mark.django_db
def test_a_decompression_bomb_is_refused(alice, register, settings, attachments_storage):
    settings.ATTACHMENTS_MAX_PIXELS = 100_000
    bomb = io.BytesIO()
    Image.new("1", (2000, 2000)).save(bomb, format="PNG")  # 4 million pixels in a few kilobytes
    assert len(bomb.getvalue()) < 20_000
    response = upload(alice, register(seed=27), bomb.getvalue(), section="identity", kind="identity_document")
    assert_refused(response, 400, "image_too_large", attachments_storage)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [samples.jpeg()[:600], b"\xff\xd8\xff\xe0" + bytes(200), samples.png()[:120], b"II*\x00" + bytes(40)],
    ids=["truncated-jpeg", "jpeg-garbage", "truncated-png", "tiff-garbage"],
)
def test_an_undecodable_image_is_refused(alice, register, attachments_storage, data):
    response = upload(alice, register(seed=28), data, section="identity", kind="identity_document", name="x.jpg")
    assert_refused(response, 400, "undecodable_image", attachments_storage)


@pytest.mark.django_db
def test_a_truncated_image_is_refused_once_weasyprint_is_loaded(alice, register, attachments_storage, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what importing WeasyPrint does, process-wide
    response = upload(alice, register(seed=28), samples.png()[:120], section="identity", kind="identity_document")
    assert_refused(response, 400, "undecodable_image", attachments_storage)


def _kept(alice, register, data, seed):
    created = upload(alice, register(seed=seed), data, section="identity", kind="identity_document", name="id.jpg")
    assert created.status_code == 201, created.json()
    from django.urls import reverse

    got = alice.get(reverse("attachment-content", kwargs={"id": created.json()["id"]}))
    return created.json(), b"".join(got.streaming_content)


@pytest.mark.django_db
def test_exif_and_gps_are_removed_from_a_jpeg_and_the_pixels_kept(alice, register):
    original = samples.jpeg(exif=samples.exif_with("EXIF-CANARY-1"), comment="COMMENT-CANARY-1")
    body, kept = _kept(alice, register, original, 29)
    assert b"EXIF-CANARY-1" not in kept and b"COMMENT-CANARY-1" not in kept and b"Exif" not in kept
    assert samples.scan_data(original) == samples.scan_data(kept)  # the image data byte for byte
    with Image.open(io.BytesIO(kept)) as image:
        assert not image.getexif() and samples.GPS_IFD not in image.getexif()
    assert body["media_type"] == "image/jpeg" and body["size"] == len(kept) < len(original)


@pytest.mark.django_db
def test_text_and_exif_are_removed_from_a_png(alice, register):
    original = samples.png(text="PNG-TEXT-CANARY", exif=samples.exif_with("PNG-EXIF-CANARY"))
    _body, kept = _kept(alice, register, original, 30)
    assert b"PNG-TEXT-CANARY" not in kept and b"PNG-EXIF-CANARY" not in kept
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(kept)) as after:
        assert before.tobytes() == after.tobytes()
        assert not after.getexif() and "Comment" not in after.info


@pytest.mark.django_db
@pytest.mark.parametrize("make", [samples.jpeg, samples.png], ids=["jpeg", "png"])
def test_a_photo_keeps_its_orientation_alone_and_no_gps(alice, register, make):
    exif = samples.exif_with("TURNED-CANARY")
    exif[ORIENTATION] = 6  # taken with the phone upright: shown turned 90° clockwise
    original = make(exif=exif)
    _body, kept = _kept(alice, register, original, 32)
    assert b"TURNED-CANARY" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert dict(image.getexif()) == {ORIENTATION: 6}  # no GPS, no other tag
        assert ImageOps.exif_transpose(image).size == (64, 96)  # shown as taken, upright
    if make is samples.jpeg:
        assert samples.scan_data(original) == samples.scan_data(kept)


@pytest.mark.django_db
@pytest.mark.parametrize("make", [samples.tiff, samples.heic], ids=["tiff", "heic"])
def test_tiff_and_heic_are_re_encoded_without_metadata(alice, register, make):
    original = make(exif=samples.exif_with("RAW-EXIF-CANARY"))
    assert b"RAW-EXIF-CANARY" in original
    _body, kept = _kept(alice, register, original, 31)
    assert b"RAW-EXIF-CANARY" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (96, 64)
        assert samples.GPS_IFD not in image.getexif() and samples.IMAGE_DESCRIPTION not in image.getexif()
