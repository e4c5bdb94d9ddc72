"""Uploads that never rest in clear: every file a request carries streams into an
:class:`EphemeralFile` — a temporary file encrypted under a random key held in memory only.

Django's default handlers keep a small upload in memory and write a large one in clear to a
temporary file; this handler (``FILE_UPLOAD_HANDLERS`` in ``registry.settings``) does neither:

- memory stays flat whatever the size: chunks are encrypted and written as they arrive;
- the temporary file is unnamed (removed by the system when closed, even after a crash) and holds
  AES-256-CTR ciphertext under a key that exists only in this process's memory for the request;
- :class:`EphemeralFile` reads back as a seekable file (what pikepdf and Pillow need to inspect a
  document) by decrypting only the bytes asked for;
- past ``ATTACHMENTS_MAX_BYTES`` nothing more is kept: the rest of the body is read and dropped,
  and the upload is marked ``oversize`` so the operation answers 413 having stored nothing.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

_BLOCK = 16


class EphemeralFile(io.RawIOBase):
    """A temporary file holding AES-CTR ciphertext under a key kept in memory only: written
    once from the start (:meth:`write` appends), then read and sought freely."""

    def __init__(self) -> None:
        super().__init__()
        self._key = os.urandom(32)
        self._nonce = int.from_bytes(os.urandom(_BLOCK), "big")
        self._file = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115 (closed by close())
        self._encryptor = self._cipher(0).encryptor()
        self._length = 0
        self._position = 0

    def _cipher(self, block: int) -> Cipher:
        counter = (self._nonce + block) % (1 << 128)
        return Cipher(algorithms.AES(self._key), modes.CTR(counter.to_bytes(_BLOCK, "big")))

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._file.seek(self._length)
        self._file.write(self._encryptor.update(bytes(data)))
        self._length += len(data)
        return len(data)

    def __len__(self) -> int:
        return self._length

    def readinto(self, buffer) -> int:
        wanted = min(len(buffer), self._length - self._position)
        if wanted <= 0:
            return 0
        block, skip = divmod(self._position, _BLOCK)
        self._file.seek(self._position)
        sealed = self._file.read(wanted)
        decryptor = self._cipher(block).decryptor()
        decryptor.update(bytes(skip))  # advance the key stream to the byte within the block
        plain = decryptor.update(sealed)
        buffer[: len(plain)] = plain
        self._position += len(plain)
        return len(plain)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            self._key = b""
        super().close()


class _BorrowedReader(io.BufferedReader):
    """A buffered reader that leaves its file open when it is closed or collected: the file
    belongs to the upload (Django closes it at the end of the request)."""

    def close(self) -> None:
        pass


def reader(file: EphemeralFile) -> io.BufferedReader:
    """A buffered reader over ``file`` from its start (for pikepdf, Pillow and copying)."""
    file.seek(0)
    return _BorrowedReader(file, buffer_size=64 * 1024)


class EphemeralUpload(UploadedFile):
    """An uploaded file held in an :class:`EphemeralFile`; ``oversize`` when it went past
    ``ATTACHMENTS_MAX_BYTES`` (its content was then dropped)."""

    def __init__(self, file: EphemeralFile, *, name, content_type, size, charset, oversize: bool) -> None:
        super().__init__(file, name, content_type, size, charset)
        self.oversize = oversize


def ephemeral_upload(
    chunks: Iterable[bytes], *, name: str, content_type: str = "application/octet-stream"
) -> EphemeralUpload:
    """An upload made in this process (the demo seed, benchmarks, tests) held exactly as the
    handler below holds one from a request: encrypted in an :class:`EphemeralFile`, chunk by
    chunk, read from its start, ``oversize`` past ``ATTACHMENTS_MAX_BYTES``."""
    file = EphemeralFile()
    size = 0
    for chunk in chunks:
        size += file.write(chunk)
    file.seek(0)
    return EphemeralUpload(file, name=name, content_type=content_type, size=size, charset=None,
                           oversize=size > settings.ATTACHMENTS_MAX_BYTES)  # fmt: skip


class SealedUploadHandler(FileUploadHandler):
    """The project's only upload handler (see the module's docstring)."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.ephemeral = EphemeralFile()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received <= settings.ATTACHMENTS_MAX_BYTES:
            self.ephemeral.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> EphemeralUpload:
        oversize = self.received > settings.ATTACHMENTS_MAX_BYTES
        self.ephemeral.seek(0)
        return EphemeralUpload(
            self.ephemeral,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            oversize=oversize,
        )
