"""A stored file that was corrupted, truncated, extended, had segments swapped, or was swapped
with another attachment's file is never sent: the download answers 409
``content_check_failed`` and the audit log records a failed ``attachment_downloaded``."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from attachments import content
from attachments.models import Attachment
from registry.crypto import TAG_BYTES
from registry.models import AuditAction, AuditEvent, AuditOutcome
from registry.segments import MAGIC, SEALED_SEGMENT, SEGMENT_SIZE
from tests.attachments import samples
from tests.attachments.test_api import upload

# Three segments and a bit: room to swap, drop and cut.
BIG = samples.pdf("A" * (3 * 64 * 1024 + 1000))
assert 3 * 64 * 1024 < len(BIG) < 4 * 64 * 1024


@pytest.fixture
def alice(api_client_for, cast):
    return api_client_for(cast.alice)


@pytest.fixture
def stored(alice, register, attachments_storage):
    """An uploaded attachment and the path of its sealed file."""
    created = upload(alice, register(seed=41), BIG)
    assert created.status_code == 201
    attachment = Attachment.objects.get(uuid=created.json()["id"])
    return attachment, attachments_storage / attachment.storage_name


def header_length(path) -> int:
    """The sealed file is its header, three full segments and the final one."""
    length = path.stat().st_size - 3 * SEALED_SEGMENT - (len(BIG) - 3 * SEGMENT_SIZE + TAG_BYTES)
    assert path.read_bytes()[length : length + SEALED_SEGMENT] != b"" and length > len(MAGIC)
    assert path.read_bytes().startswith(MAGIC)
    return length


def flip(path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def swap_segments(path) -> None:
    data = path.read_bytes()
    start = header_length(path)
    first = data[start : start + SEALED_SEGMENT]
    second = data[start + SEALED_SEGMENT : start + 2 * SEALED_SEGMENT]
    path.write_bytes(data[:start] + second + first + data[start + 2 * SEALED_SEGMENT :])


def drop_last_segment(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: header_length(path) + 3 * SEALED_SEGMENT])


def cut_short(path) -> None:
    path.write_bytes(path.read_bytes()[:-100])


def extend(path) -> None:
    path.write_bytes(path.read_bytes() + bytes(SEALED_SEGMENT))


TAMPERING = {
    "corrupted-byte": lambda path: flip(path, path.stat().st_size // 2),
    "corrupted-header": lambda path: flip(path, 10),
    "swapped-segments": swap_segments,
    "dropped-final-segment": drop_last_segment,
    "truncated": cut_short,
    "extended": extend,
    "missing": lambda path: path.unlink(),
}


def assert_download_fails(alice, attachment) -> None:
    before = AuditEvent.objects.count()
    response = alice.get(reverse("attachment-content", kwargs={"id": attachment.uuid}))
    assert response.status_code == 409
    assert response.json()["code"] == "content_check_failed"
    assert not response.streaming
    (event,) = AuditEvent.objects.order_by("id")[before:]
    assert event.action == AuditAction.ATTACHMENT_DOWNLOADED and event.outcome == AuditOutcome.FAILURE
    assert event.case_uuid == attachment.case.uuid and event.detail["attachment"] == str(attachment.uuid)


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", list(TAMPERING), ids=list(TAMPERING))
def test_a_tampered_file_is_409_with_a_failure_event(alice, stored, tamper):
    attachment, path = stored
    content.verify(attachment)  # sound before
    TAMPERING[tamper](path)
    with pytest.raises(content.ContentCheckFailed):
        content.verify(attachment)
    assert_download_fails(alice, attachment)


@pytest.mark.django_db
def test_a_file_swapped_with_another_attachments_does_not_open(alice, stored, register, attachments_storage):
    attachment, path = stored
    other = Attachment.objects.get(uuid=upload(alice, register(seed=42), BIG).json()["id"])
    path.write_bytes((attachments_storage / other.storage_name).read_bytes())
    assert_download_fails(alice, attachment)


@pytest.mark.django_db
def test_content_that_differs_from_its_recorded_digest_is_409(alice, stored):
    attachment, _path = stored
    with connection.cursor() as cursor:  # what a changed row would say: another digest
        cursor.execute(f"UPDATE {Attachment._meta.db_table} SET sha256 = %s WHERE id = %s", ["0" * 64, attachment.pk])  # noqa: S608
    assert_download_fails(alice, Attachment.objects.get(pk=attachment.pk))


@pytest.mark.django_db
def test_the_page_download_of_a_tampered_file_says_so(client, cast, stored):
    attachment, path = stored
    cut_short(path)
    client.force_login(cast.alice)
    response = client.get(reverse("attachments:download", args=[attachment.uuid]))
    assert response.status_code == 409
    assert b"check-failed" in response.content
    assert AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED, outcome=AuditOutcome.FAILURE).exists()
