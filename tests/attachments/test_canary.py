"""The canary of attachments (issue 15, "Done when"): unique bytes and strings in a PDF and in a
JPEG's content and EXIF, uploaded through the API and through the page, then found in no file
under the media and archive roots, in no table of the database and in no log record; the
downloads give back the PDF as it was and the JPEG without its metadata, GPS gone."""

from __future__ import annotations

import io
import logging

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from attachments.models import Attachment
from tests.attachments import samples
from tests.attachments.conftest import multipart_file
from tests.helpers import database_bytes

TAG = "c4n4ry15"


def jpeg_with_canaries(which: str) -> tuple[bytes, list[bytes]]:
    original = samples.jpeg(
        exif=samples.exif_with(f"EXIF-{TAG}-{which}"), comment=f"COM-{TAG}-{which}", image=samples.noise_image(seed=9)
    )
    scan = samples.scan_data(original)
    return original, [f"EXIF-{TAG}-{which}".encode(), f"COM-{TAG}-{which}".encode(), scan[100:164]]


def pdf_with_canaries(which: str) -> tuple[bytes, list[bytes]]:
    original = samples.pdf(f"PDF-BODY-{TAG}-{which}", info=f"PDF-INFO-{TAG}-{which}")
    return original, [f"PDF-BODY-{TAG}-{which}".encode(), f"PDF-INFO-{TAG}-{which}".encode()]


def files_under(*roots) -> list:
    return [path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()]


@pytest.mark.django_db(transaction=True)
def test_no_canary_of_a_document_rests_anywhere_in_clear(register, cast, caplog, attachments_storage, tmp_path):
    caplog.set_level(logging.DEBUG)
    case = register(seed=91)
    titles = {name: f"标题{TAG}{name}" for name in ("api-pdf", "api-jpeg", "page-pdf", "page-jpeg")}
    file_names = {name: f"文件{TAG}{name}" for name in titles}
    documents = {
        "api-pdf": pdf_with_canaries("api"),
        "api-jpeg": jpeg_with_canaries("api"),
        "page-pdf": pdf_with_canaries("page"),
        "page-jpeg": jpeg_with_canaries("page"),
    }
    sections = {"pdf": ("consents", "consent_form"), "jpeg": ("identity", "identity_document")}

    api = APIClient()
    api.force_authenticate(cast.alice)
    page = Client()
    page.force_login(cast.alice)
    ids = {}
    for name, (data, _canaries) in documents.items():
        section, kind = sections[name.split("-")[1]]
        case.refresh_from_db()
        file = multipart_file(data, file_names[name])
        if name.startswith("api"):
            response = api.post(
                reverse("case-attachments", kwargs={"id": case.uuid}),
                {"file": file, "section": section, "kind": kind, "title": titles[name]},
                format="multipart",
                headers={"If-Match": f'"{case.version}"'},
            )
            assert response.status_code == 201, response.content
        else:
            response = page.post(
                reverse("attachments:upload", args=[case.uuid, section]),
                {"file": file, "kind": kind, "title": titles[name], "version": case.version},
            )
            assert response.status_code == 302, response.content[:500]
        ids[name] = Attachment.objects.get(case=case, title__isnull=False, section=section, id__gt=max(
            [0, *Attachment.objects.filter(uuid__in=list(ids.values())).values_list("id", flat=True)]
        )).uuid  # fmt: skip

    # The case file's tabs list them (titles decrypted for the reader only).
    listing = page.get(reverse("victims:case", args=[case.uuid]) + "?tab=identity")
    assert titles["page-jpeg"] in listing.content.decode()

    # Downloads: the PDF as it was; the JPEG without its metadata (its pixels byte for byte), no GPS.
    for name, (data, canaries) in documents.items():
        url = reverse("attachment-content", kwargs={"id": ids[name]})
        got = b"".join(api.get(url).streaming_content)
        via_page = b"".join(page.get(reverse("attachments:download", args=[ids[name]])).streaming_content)
        assert got == via_page
        if name.endswith("pdf"):
            assert got == data
        else:
            assert samples.scan_data(got) == samples.scan_data(data)
            assert canaries[0] not in got and canaries[1] not in got
            with Image.open(io.BytesIO(got)) as image:
                assert samples.GPS_IFD not in image.getexif() and not image.getexif()
    with Image.open(io.BytesIO(documents["api-jpeg"][0])) as image:
        assert samples.GPS_IFD in image.getexif()  # the original did carry GPS

    secrets_ = [canary for _data, canaries in documents.values() for canary in canaries]
    secrets_ += [value.encode() for value in (*titles.values(), *file_names.values())]
    roots = [attachments_storage, settings.MEDIA_ROOT, settings.EXPORTS_ARCHIVE_ROOT]
    from pathlib import Path

    files = files_under(*(Path(root) for root in roots))
    assert any(path.is_relative_to(attachments_storage) for path in files)  # the scan does see them
    stored = database_bytes()
    logged = "\n".join(record.getMessage() for record in caplog.records).encode()
    for secret in secrets_:
        assert secret not in stored, f"{secret!r} in the database"
        assert secret not in logged, f"{secret!r} in the log"
        for path in files:
            assert secret not in path.read_bytes(), f"{secret!r} in {path}"
