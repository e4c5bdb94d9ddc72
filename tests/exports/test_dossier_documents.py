"""The case's documents in its dossier: listed (title, kind, date, size, SHA-256) and embedded as
PDF/A-3 associated files (``AFRelationship /Source``) — those its reader sees, and only those —
each checked before it is embedded; ``verify_archive`` checks every attachment too."""

from __future__ import annotations

import json
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from attachments.choices import Kind
from attachments.operations import attachment_withdraw
from exports import operations
from exports.dossier.documents import DocumentCheckFailed, documents_of, embedded_files
from exports.dossier.render import read_attachment
from exports.models import ArchiveRecord
from registry import segments
from registry.policy import Section
from tests.attachments import conftest as attachment_fixtures
from tests.attachments import samples
from tests.attachments_helpers import attach, png_of_about, segment_starts
from tests.exports.helpers import open_pdf, pdf_text

pytestmark = pytest.mark.django_db

attachments_storage = attachment_fixtures.attachments_storage  # a fixture used here

CONSENT_TITLE = "入学知情同意书标记"
IDENTITY_TITLE = "身份证复印件标记"
PHOTO_TITLE = "本人照片标记"


@pytest.fixture
def documents(full_case, cast, attachments_storage):
    """Alice's case with a consent form (PDF), a copy of an identity document (a PNG of several
    segments, withdrawn afterwards) and a photo of the person."""
    consent = attach(full_case, title=CONSENT_TITLE, data=samples.pdf("consent"))
    identity = attach(full_case, section=Section.IDENTITY, kind=Kind.IDENTITY_DOCUMENT, title=IDENTITY_TITLE,
                      data=png_of_about(3 * segments.SEGMENT_SIZE))  # fmt: skip
    identity = attachment_withdraw(actor=cast.alice, attachment=identity, expected_version=identity.version,
                                   reason="重复上传")  # fmt: skip
    photo = attach(full_case, section=Section.PERSON, kind=Kind.PHOTO, title=PHOTO_TITLE, data=png_of_about(2000))
    return {"consent": consent, "identity": identity, "photo": photo}


def test_the_dossier_lists_and_embeds_every_document_as_a_source_file(full_case, cast, documents, tmp_path):
    record = operations.dossier_generate(actor=cast.dave, case=full_case)
    pdf = operations.read_verified(record)
    number = full_case.number

    embedded = embedded_files(pdf)
    expected = {
        f"{number}-A01.pdf": documents["consent"],
        f"{number}-A02.png": documents["identity"],
        f"{number}-A03.png": documents["photo"],
    }
    for name, attachment in expected.items():
        assert embedded[name] == ("Source", attachment.sha256)
    assert embedded[f"{number}.json"][0] == "Data"

    with open_pdf(pdf) as document:  # associated files of the document (PDF/A-3): in the catalogue's /AF
        associated = {str(spec.get("/F")): str(spec.get("/AFRelationship")) for spec in document.Root.AF}
    assert {name: associated[name] for name in expected} == dict.fromkeys(expected, "/Source")

    dossier = tmp_path / "dossier.pdf"
    dossier.write_bytes(pdf)
    listed = subprocess.run(["pdfdetach", "-list", str(dossier)], capture_output=True, check=True).stdout.decode()  # noqa: S603, S607
    assert "4 embedded files" in listed
    for name in expected:
        assert name in listed

    text = pdf_text(pdf, raw=True)
    for attachment in expected.values():
        assert attachment.title in text
        assert attachment.sha256 in text.replace("\n", "")
    assert "已撤回" in text

    payload = json.loads(read_attachment(pdf, f"{number}.json"))
    assert [item["sha256"] for item in payload["attachments"]] == [a.sha256 for a in expected.values()]
    assert payload["attachments"][1]["withdrawn_at"] is not None


def test_a_reader_gets_only_the_documents_of_the_sections_it_reads(full_case, cast, documents):
    """Bob (education, under his accepted referral) reads the consents but neither the identity
    section nor photos of the person: his list holds the consent form alone."""
    assert [d.attachment.uuid for d in documents_of(cast.bob, full_case)] == [documents["consent"].uuid]
    assert len(documents_of(cast.dave, full_case)) == 3


def test_a_corrupted_document_stops_the_dossier_naming_it(full_case, cast, documents, attachments_storage):
    identity = documents["identity"]
    path = attachments_storage / identity.storage_name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(DocumentCheckFailed) as failed:
        operations.dossier_generate(actor=cast.dave, case=full_case)
    assert str(identity.uuid) in failed.value.message and failed.value.status == 409
    assert not ArchiveRecord.objects.exists()


@pytest.mark.parametrize("damage", ["one byte", "truncated", "segments swapped", "moved from another document"])
def test_verify_archive_names_a_damaged_attachment(full_case, cast, documents, attachments_storage, damage):
    identity, consent = documents["identity"], documents["consent"]
    path = attachments_storage / identity.storage_name
    data = path.read_bytes()
    starts = segment_starts(data)
    assert len(starts) >= 3
    if damage == "one byte":
        changed = bytearray(data)
        changed[-40] ^= 0x01
        data = bytes(changed)
    elif damage == "truncated":
        data = data[: -segments.SEALED_SEGMENT // 2]
    elif damage == "segments swapped":
        first, second, third = starts[:3]
        data = data[:first] + data[second:third] + data[first:second] + data[third:]
    else:
        data = (attachments_storage / consent.storage_name).read_bytes()
    path.write_bytes(data)
    with pytest.raises(CommandError) as failed:
        call_command("verify_archive")
    message = str(failed.value)
    assert f"attachment {identity.uuid} (case {full_case.number})" in message
    assert str(consent.uuid) not in message
    assert "0 dossier(s) and 1 attachment(s) failed" in message


def test_verify_archive_passes_with_intact_documents(full_case, cast, documents, capsys):
    call_command("verify_archive")
    assert "checked 0 dossiers and 3 attachments" in capsys.readouterr().out
