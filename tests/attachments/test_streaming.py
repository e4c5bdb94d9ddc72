"""Uploads never rest in clear and memory stays flat: the upload handler keeps a file encrypted
under a key held in memory only, seekable for the inspection; sealing and reading back a file
take the same memory whatever its size."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import uuid

import pytest

from attachments import content
from attachments.uploads import EphemeralFile, SealedUploadHandler, ephemeral_upload, reader


def test_an_ephemeral_file_reads_back_anywhere_and_holds_only_ciphertext(tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    data = os.urandom(1000) + b"CANARY-IN-THE-UPLOAD" + os.urandom(200_000)
    file = EphemeralFile()
    for start in range(0, len(data), 7777):
        file.write(data[start : start + 7777])
    assert reader(file).read() == data
    for offset in (0, 1, 15, 16, 17, 1000, 65_535, 150_001):
        file.seek(offset)
        assert file.read(333) == data[offset : offset + 333]
    file.seek(-5, io.SEEK_END)
    assert file.read() == data[-5:]
    # The temporary file is unnamed (nothing in the folder) and its bytes are not the upload's.
    assert list(tmp_path.iterdir()) == []
    raw = file._file
    raw.seek(0)
    assert b"CANARY-IN-THE-UPLOAD" not in raw.read()
    file.close()
    assert raw.closed


def test_the_handler_drops_what_goes_past_the_limit(settings):
    settings.ATTACHMENTS_MAX_BYTES = 10
    handler = SealedUploadHandler()
    handler.new_file("file", "a.pdf", "application/pdf", 0)
    handler.receive_data_chunk(b"%PDF-12345", 0)
    handler.receive_data_chunk(b"more than allowed", 10)
    upload = handler.file_complete(27)
    assert upload.oversize and upload.size == 27
    assert len(upload.file) == 10  # nothing past the limit was kept


@pytest.mark.parametrize("chunks", [[b"%PDF-1", b"2345"], [b"%PDF-1234", b"more than allowed"]], ids=["in", "over"])
def test_an_upload_made_in_process_is_held_as_the_handler_holds_one(settings, chunks):
    """The demo seed, the benchmarks and the tests file documents through ``ephemeral_upload``:
    encrypted, read from its start, sized and marked ``oversize`` as a request's upload is."""
    settings.ATTACHMENTS_MAX_BYTES = 10
    handler = SealedUploadHandler()
    handler.new_file("file", "a.pdf", "application/octet-stream", 0)
    for chunk in chunks:
        handler.receive_data_chunk(chunk, 0)
    received = handler.file_complete(0)
    made = ephemeral_upload(iter(chunks), name="a.pdf")
    assert isinstance(made.file, EphemeralFile) and made.file.tell() == 0
    assert (made.name, made.content_type, made.size, made.oversize) == (
        received.name, received.content_type, received.size, received.oversize
    )  # fmt: skip
    if not made.oversize:
        assert made.read() == received.read() == b"".join(chunks)


def _peak(run) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.django_db
def test_sealing_and_reading_take_the_same_memory_whatever_the_size(attachments_storage):
    def round_trip(megabytes: int):
        block = os.urandom(1024 * 1024)
        attachment_uuid = uuid.uuid4()
        expected = hashlib.sha256()
        for _ in range(megabytes):
            expected.update(block)

        def run():
            stored = content.store((block for _ in range(megabytes)), attachment_uuid=attachment_uuid)
            row = type("Row", (), {})()
            row.uuid, row.storage_name = attachment_uuid, stored.name
            row.size, row.sha256, row.sm3 = stored.size, stored.sha256, stored.sm3
            content.verify(row)
            assert stored.sha256 == expected.hexdigest()

        return run

    small, large = _peak(round_trip(2)), _peak(round_trip(24))
    assert large < small + 512 * 1024, (small, large)  # twelve times the file, not the memory
    assert large < 4 * 1024 * 1024
