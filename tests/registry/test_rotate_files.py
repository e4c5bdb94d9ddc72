"""``manage.py rotate_keys`` and files: attachments and stored dossiers under an older key end
under the keyring's first key, with the plaintext digests they had; a run stopped after some
files — or between a file's steps — is finished by the next; one audit event per run; no file
under the older key is left behind, so that key can be retired."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from attachments import content
from attachments.models import Attachment
from exports import operations as dossiers
from exports import storage as dossier_storage
from exports.dossier.digests import sha256_hexdigest
from exports.models import ArchiveRecord
from registry import rotation, segments
from registry.audit import verify_chain
from registry.models import AuditAction, AuditEvent, AuditOutcome
from tests.attachments import conftest as attachment_fixtures
from tests.attachments_helpers import attach, stored_plaintext
from tests.exports import conftest as export_fixtures
from tests.exports.helpers import fake_render
from tests.registry.test_rotate_keys import first_key_id, only_first_key, with_new_first_key
from tests.victims import conftest as victims_fixtures

pytestmark = pytest.mark.django_db

attachments_storage = attachment_fixtures.attachments_storage  # fixtures used here (autouse)
archive_storage = export_fixtures.archive_storage
register = victims_fixtures.register


@pytest.fixture
def files(register, cast, monkeypatch, attachments_storage):
    """Two cases, each with two attachments (one of several segments) and a dossier."""
    monkeypatch.setattr("exports.operations._render", fake_render)
    cases = [register(seed=seed) for seed in (21, 22)]
    attachments = []
    for number, case in enumerate(cases):
        attachments.append(attach(case, size=3 * segments.SEGMENT_SIZE + 17 * number))
        attachments.append(attach(case, size=1000 + number))
    records = [dossiers.dossier_generate(actor=cast.dave, case=case) for case in cases]
    return attachments, records


def digests_now() -> dict:
    """SHA-256 of every file's plaintext as it reads now, by record (opening each file)."""
    found = {}
    for attachment in Attachment._base_manager.order_by("pk"):
        found[("attachment", attachment.uuid)] = sha256_hexdigest(stored_plaintext(attachment))
    for record in ArchiveRecord.objects.order_by("pk"):
        found[("dossier", record.uuid)] = sha256_hexdigest(dossiers.read_verified(record))
    return found


def recorded_digests() -> dict:
    found = {("attachment", a.uuid): a.sha256 for a in Attachment._base_manager.all()}
    found.update({("dossier", r.uuid): r.sha256 for r in ArchiveRecord.objects.all()})
    return found


def file_key_ids() -> set[str]:
    """The key id in the header of every file in both storages (what the files say, not the rows)."""
    keys = set()
    storage = content.storage()
    for attachment in Attachment._base_manager.all():
        with storage.open(attachment.storage_name, "rb") as handle:
            keys.add(segments.key_id_of(handle))
    start = len(dossier_storage.MAGIC)
    for record in ArchiveRecord.objects.all():
        blob = dossier_storage.read(record.storage_name)
        keys.add(blob[start + 1 : start + 1 + blob[start]].decode())
    return keys


def all_stored_files(*roots) -> set:
    return {path for root in roots for path in root.rglob("*") if path.is_file()}


def rotate_command(*args) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_rotation_reencrypts_every_file_under_the_new_key_with_the_same_digests(
    files,
    settings,
    archive_storage,
    attachments_storage,
):
    before = digests_now()
    assert before == recorded_digests()
    old_key = first_key_id(settings.REGISTRY_KEYRING)
    assert file_key_ids() == {old_key}
    count_before = len(all_stored_files(archive_storage, attachments_storage))
    history = Attachment.history.count(), ArchiveRecord.history.count()

    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    new_key = first_key_id(settings.REGISTRY_KEYRING)
    output = rotate_command("--batch-size", "1")

    assert "re-encrypted 6 files" in output
    assert file_key_ids() == {new_key}
    assert set(Attachment._base_manager.values_list("key_id", flat=True)) == {new_key}
    assert set(ArchiveRecord.objects.values_list("key_id", flat=True)) == {new_key}
    assert len(all_stored_files(archive_storage, attachments_storage)) == count_before  # old files removed
    settings.REGISTRY_KEYRING = only_first_key(settings.REGISTRY_KEYRING)  # the old key retired
    assert digests_now() == before == recorded_digests()
    assert (Attachment.history.count(), ArchiveRecord.history.count()) == history  # no history row
    event = AuditEvent.objects.get(action=AuditAction.KEY_ROTATED)
    assert event.outcome == AuditOutcome.SUCCESS
    assert event.detail["files"] == ["attachments.attachment:4", "exports.archiverecord:2"]
    assert verify_chain().ok
    call_command("verify_archive", stdout=StringIO(), stderr=StringIO())


class Killed(Exception):
    """Stands for the process dying."""


def test_a_run_killed_after_some_files_is_finished_by_the_next(files, settings, archive_storage, attachments_storage):
    before = digests_now()
    old_key = first_key_id(settings.REGISTRY_KEYRING)
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    new_key = first_key_id(settings.REGISTRY_KEYRING)
    done = []

    def die_after_three_files(batch):
        done.append(batch.files)
        if sum(done) >= 3:
            raise Killed

    with pytest.raises(Killed):
        rotation.rotate(batch_size=1, after_batch=die_after_three_files)
    assert file_key_ids() == {old_key, new_key}  # really stopped mid-way
    failure = AuditEvent.objects.get(action=AuditAction.KEY_ROTATED)
    assert (
        failure.outcome == AuditOutcome.FAILURE
        and sum(int(item.rsplit(":", 1)[1]) for item in failure.detail["files"]) == 3
    )
    assert digests_now() == before  # mixed keys, every file reads as it did

    report = rotation.rotate(batch_size=1)
    assert sum(report.files.values()) == 3  # only what was left
    assert file_key_ids() == {new_key}
    settings.REGISTRY_KEYRING = only_first_key(settings.REGISTRY_KEYRING)
    assert digests_now() == before
    assert AuditEvent.objects.filter(action=AuditAction.KEY_ROTATED).count() == 2  # one per run
    assert verify_chain().ok


@pytest.mark.parametrize("step", ["attachment after its row moved", "dossier after its old file went"])
def test_a_run_killed_between_the_steps_of_one_file_leaves_it_readable_and_nothing_under_the_old_key(
    files,
    settings,
    monkeypatch,
    archive_storage,
    attachments_storage,
    step,
):
    """The worst moments to die: an attachment's row already names the new file but the old one
    is still there; a dossier's old file is gone but its record still names it."""
    before = digests_now()
    count_before = len(all_stored_files(archive_storage, attachments_storage))
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    new_key = first_key_id(settings.REGISTRY_KEYRING)
    if step.startswith("attachment"):
        monkeypatch.setattr("attachments.rotation.content.delete", _raise_killed)
    else:
        monkeypatch.setattr("exports.rotation.repoint", _raise_killed)
    with pytest.raises(Killed):
        rotation.rotate(batch_size=1)
    monkeypatch.undo()

    output = rotate_command()
    assert file_key_ids() == {new_key}
    assert len(all_stored_files(archive_storage, attachments_storage)) == count_before  # nothing left over
    settings.REGISTRY_KEYRING = only_first_key(settings.REGISTRY_KEYRING)
    assert digests_now() == before
    assert "re-encrypted" in output


def _raise_killed(*args, **kwargs):
    raise Killed


def test_a_dry_run_counts_files_under_older_keys_and_writes_nothing(
    files, settings, archive_storage, attachments_storage
):
    stored = all_stored_files(archive_storage, attachments_storage)
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    output = rotate_command("--dry-run")
    assert "6 files under older keys" in output
    assert "attachments.attachment: 4 files to re-encrypt" in output
    assert "exports.archiverecord: 2 files to re-encrypt" in output
    assert all_stored_files(archive_storage, attachments_storage) == stored
    assert not AuditEvent.objects.filter(action=AuditAction.KEY_ROTATED).exists()


def test_a_file_under_a_key_the_keyring_lacks_stops_the_run_before_any_write(files, settings):
    from django.core.management.base import CommandError

    old_key = first_key_id(settings.REGISTRY_KEYRING)
    settings.REGISTRY_KEYRING = only_first_key(with_new_first_key(settings.REGISTRY_KEYRING))
    with pytest.raises(
        CommandError,
        match=rf"files are sealed under key '{old_key}', which the keyring lacks \(attachments.attachment: 4, exports",
    ):
        rotate_command()
    assert set(ArchiveRecord.objects.values_list("key_id", flat=True)) == {old_key}


def test_a_tampered_file_stops_the_run_naming_it(files, settings, attachments_storage):
    from django.core.management.base import CommandError

    attachments, _records = files
    victim = attachments[1]
    path = attachments_storage / victim.storage_name
    data = bytearray(path.read_bytes())
    data[-5] ^= 1
    path.write_bytes(bytes(data))
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    with pytest.raises(CommandError, match=str(victim.uuid)):
        rotate_command()


def test_the_sweep_removes_only_files_no_row_names_under_an_older_key(files, settings, attachments_storage):
    """A stray file under an older key goes (a cut-short run's leftover); one under the first key
    stays (it may be an upload whose row is being written); every file a row names stays."""
    from attachments.rotation import AttachmentFiles
    from registry.keyring import active_keyring

    attachments, _records = files
    source = attachments_storage / attachments[1].storage_name
    old_leftover = source.with_name("leftover-old.sealed")
    old_leftover.write_bytes(source.read_bytes())
    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    in_flight = content.store([b"%PDF-1.7 in flight"], attachment_uuid=attachments[0].uuid)
    named = all_stored_files(attachments_storage) - {old_leftover}

    assert AttachmentFiles().sweep(active_keyring()) == 1
    assert all_stored_files(attachments_storage) == named
    assert (attachments_storage / in_flight.name).exists()


def test_the_sweep_of_a_storage_never_written_to_finds_nothing(settings, tmp_path):
    from attachments.rotation import AttachmentFiles
    from registry.keyring import active_keyring

    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "never-made")},
        },
    }
    assert AttachmentFiles().sweep(active_keyring()) == 0
