"""Dossier files at rest are sealed to their record, and ``verify_archive`` catches any change."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext

from exports import operations, storage
from exports.dossier.digests import sha256_hexdigest
from exports.models import ArchiveRecord
from registry.crypto import DecryptionError
from registry.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_dossiers(register, cast, fast_render):
    first = operations.dossier_generate(actor=cast.dave, case=register(seed=11))
    second = operations.dossier_generate(actor=cast.dave, case=register(seed=12))
    return first, second


def stored_path(archive_storage, record):
    return archive_storage / record.storage_name


def test_the_stored_file_is_sealed_and_opens_only_for_its_own_record(two_dossiers, archive_storage):
    first, second = two_dossiers
    blob = stored_path(archive_storage, first).read_bytes()
    assert blob.startswith(storage.MAGIC) and b"%PDF" not in blob
    assert oct(stored_path(archive_storage, first).stat().st_mode & 0o777) in ("0o600", "0o644")
    pdf = storage.open_sealed(blob, record_uuid=first.uuid)
    assert pdf.startswith(b"%PDF") and sha256_hexdigest(pdf) == first.sha256
    with pytest.raises(DecryptionError):  # the same file under another record's name
        storage.open_sealed(blob, record_uuid=second.uuid)
    assert str(first.uuid) in first.storage_name and first.case.number not in first.storage_name


def test_the_victims_name_never_reaches_the_archive_storage(register, cast, archive_storage):
    case = register(seed=13)
    operations.dossier_generate(actor=cast.dave, case=case)  # a real dossier, which prints the name
    for path in archive_storage.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert case.victim.full_name.encode() not in data
            assert case.number.encode() not in data


def test_verify_archive_passes_when_every_file_is_intact(two_dossiers, capsys):
    call_command("verify_archive")
    assert "checked 2 dossiers" in capsys.readouterr().out


def test_a_one_byte_change_to_a_stored_file_fails_verify_archive_naming_that_record(two_dossiers, archive_storage):
    first, second = two_dossiers
    path = stored_path(archive_storage, second)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CommandError) as failed:
        call_command("verify_archive")
    message = str(failed.value)
    assert second.archive_number in message and str(second.uuid) in message
    assert first.archive_number not in message
    assert "1 dossier(s) and 0 attachment(s) failed" in message


def test_verify_archive_names_a_missing_file_and_a_changed_digest(two_dossiers, archive_storage):
    first, second = two_dossiers
    stored_path(archive_storage, first).unlink()
    # A record whose digest was changed in the database (behind the operations' back).
    ArchiveRecord._base_manager.filter(pk=second.pk).update(sha256="0" * 64)
    with pytest.raises(CommandError) as failed:
        call_command("verify_archive")
    lines = str(failed.value).splitlines()
    missing = gettext("The stored dossier file is missing.")
    changed = gettext("The stored dossier does not match its recorded digests.")
    assert f"dossier {first.archive_number} (record {first.uuid}): {missing}" in lines
    assert f"dossier {second.archive_number} (record {second.uuid}): {changed}" in lines


def test_a_tampered_file_is_not_served_and_the_failure_is_audited(two_dossiers, archive_storage, cast):
    first, _second = two_dossiers
    path = stored_path(archive_storage, first)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    with pytest.raises(operations.DossierIntegrityError):
        operations.dossier_download(actor=cast.dave, record=first)
    event = AuditEvent.objects.filter(action="dossier_downloaded").latest("id")
    assert event.outcome == "failure" and event.detail["dossier"] == str(first.uuid)


def test_a_failed_generation_leaves_no_file_and_no_record(register, cast, archive_storage, fast_render, monkeypatch):
    case = register(seed=14)

    def refuse(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("exports.operations.record_event", refuse)
    with pytest.raises(RuntimeError):
        operations.dossier_generate(actor=cast.dave, case=case)
    assert not ArchiveRecord.objects.exists()
    assert not [path for path in archive_storage.rglob("*") if path.is_file()]


def test_safe_filename_keeps_only_plain_characters():
    assert storage.safe_filename("FJ-350102-2026-00042-D001") == "FJ-350102-2026-00042-D001"
    hostile = storage.safe_filename('a"b\r\nContent-Type: x/y; ../../林.pdf')
    assert set(hostile) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    assert hostile.startswith("a_b_Content-Type_x_y_") and "/" not in hostile
    assert storage.safe_filename("") == "dossier"


@pytest.mark.django_db(transaction=True)
def test_generating_and_downloading_leave_no_personal_value_in_clear(places, cast, register, api_client_for,
                                                                      archive_storage, caplog):  # fmt: skip
    from django.urls import reverse

    from tests.exports.helpers import pdf_text
    from tests.factories import TEST_PASSWORD
    from tests.helpers import assert_not_stored

    canary = "金丝雀甲乙丙"
    case = register(seed=15, full_name=canary)
    client = api_client_for(cast.dave)
    with caplog.at_level("DEBUG"):
        created = client.post(
            reverse("case-dossier-list", kwargs={"id": case.uuid}), {"password": TEST_PASSWORD}, format="json"
        )
        assert created.status_code == 201
        downloaded = client.get(reverse("dossier-pdf", kwargs={"id": created.json()["id"]}))
    assert downloaded.status_code == 200
    assert canary in "".join(pdf_text(downloaded.content).split())  # it is in the dossier itself
    assert_not_stored(canary, case.victim.id_number)
    for path in archive_storage.rglob("*"):
        if path.is_file():
            assert canary.encode() not in path.read_bytes()
    assert canary not in caplog.text and case.victim.id_number not in caplog.text
