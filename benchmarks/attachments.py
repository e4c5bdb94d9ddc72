"""Speed of attachments (issue 15): upload and download of 1, 10 and 100 MB documents in MB/s, with
the peak memory of each, and the segmented encryption alone (a plugin of ``benchmarks/run.py``).

- **Upload**: what a request does with a document once its body arrives — the body held
  encrypted in a temporary file (``attachments.uploads``), then ``attachment_upload`` as the
  demo caseworker: type and structure inspected (pikepdf), sealed in 64 KiB segments and written
  to the ``attachments`` storage, the row, its history and the audit event.
- **Download**: ``attachments.selectors.open_content`` as the same caseworker — the whole file
  read and checked (every segment authenticated, size, SHA-256 and SM3), the audit event, then
  the file read again and streamed — so the rate counts the size once though it is read twice.
- **Peak memory**: the Python heap's peak during one upload and one download (``tracemalloc``,
  in a run of its own, since tracing slows the code it watches); flat means the same for 1 MB as
  for 100 MB. Memory held by C libraries (OpenSSL, qpdf) is not traced.
- **Segments**: ``registry.segments`` sealing and opening 100 MB held in memory, with the
  keyring's first key — the encryption alone, on one core (target ≥ 100 MB/s each).

The documents are PDFs written here, a chunk at a time, to a temporary file before the timing
(so that making random data is not counted as uploading it): one page whose content stream is
``size`` bytes of random hexadecimal text, read back 64 KiB at a time as a request body
arrives. ``benchmarks/run.py`` gives each database its own ``ATTACHMENTS_ROOT`` under
``var/bench/`` (removed after the run) and raises
``ATTACHMENTS_MAX_BYTES`` so that 100 MB is accepted. The documents stay for the
``rotate_keys`` measurement, which re-encrypts them and reports MB per second for files.
Nothing personal is printed: titles are fixed, contents random.
"""

from __future__ import annotations

import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator

from benchmarks.measure import Bench, Result, env_int, measurement

MB = 1_000_000
SIZES_MB = (1, 10, 100)
CHUNK = 64 * 1024


def pdf_chunks(size: int) -> Iterator[bytes]:
    """A valid one-page PDF of about ``size`` bytes, produced in chunks (never whole in memory)."""
    offsets, written = [], 0

    def part(data: bytes) -> bytes:
        nonlocal written
        written += len(data)
        return data

    yield part(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    for number, body in (
        (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R >>"),
    ):
        offsets.append(written)
        yield part(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    offsets.append(written)
    yield part(b"4 0 obj\n<< /Length %d >>\nstream\n" % size)
    left = size
    while left:
        take = min(CHUNK, left)
        yield part(os.urandom((take + 1) // 2).hex().encode()[:take])
        left -= take
    yield part(b"\nendstream\nendobj\n")
    xref = written
    entries = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    yield part(b"xref\n0 5\n0000000000 65535 f \n" + entries)
    yield part(b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)


def _case(bench: Bench):
    from victims.models import Case

    return Case.objects.visible_to(bench.caseworker).order_by("pk").first()


def _document(size: int):
    """A temporary file holding a PDF of about ``size`` bytes (removed when closed)."""
    document = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the caller)
    for chunk in pdf_chunks(size):
        document.write(chunk)
    return document


def _body(document) -> Iterator[bytes]:
    """The document from its start, 64 KiB at a time."""
    document.seek(0)
    while chunk := document.read(CHUNK):
        yield chunk


def _upload(bench: Bench, case, document):
    from attachments.operations import attachment_upload
    from attachments.uploads import ephemeral_upload

    case.refresh_from_db()
    return attachment_upload(actor=bench.caseworker, case=case, expected_version=case.version, section="consents",
                             kind="consent_form", title="benchmark document",
                             upload=ephemeral_upload(_body(document), name="benchmark.pdf"))  # fmt: skip


def _download(bench: Bench, attachment) -> int:
    from django.test import RequestFactory

    from attachments.selectors import open_content

    request = RequestFactory().get("/")
    request.user = bench.caseworker
    return sum(len(chunk) for chunk in open_content(request, attachment))


def _peak_mib(function: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _rate(size: int, seconds: list[float]) -> float:
    seconds = sorted(seconds)
    return size / MB / seconds[len(seconds) // 2]


@measurement(75, "attachments")
def attachments(bench: Bench) -> list[Result]:
    """Upload and download of each size (median of a few runs), their peak heap, and the codec."""
    case = _case(bench)
    results = []
    for size_mb in SIZES_MB:
        size = size_mb * MB
        repeat = max(1, env_int("BENCH_ATTACHMENT_REPEAT", 5) // size_mb) if size_mb < 100 else 1
        uploads, downloads, attachment = [], [], None
        with _document(size) as document:
            for _ in range(repeat):
                started = time.perf_counter()
                attachment = _upload(bench, case, document)
                uploads.append(time.perf_counter() - started)
                started = time.perf_counter()
                assert _download(bench, attachment) == attachment.size
                downloads.append(time.perf_counter() - started)
            upload_peak = _peak_mib(lambda document=document: _upload(bench, case, document))
        download_peak = _peak_mib(lambda attachment=attachment: _download(bench, attachment))
        note = f"median of {repeat}" if repeat > 1 else "one run"
        results += [
            Result(
                key=f"attachment_upload_{size_mb}mb",
                label=f"Attachment upload, {size_mb} MB (receive, inspect, seal, store)",
                target="≥ 100 MB/s; memory flat",
                value=f"{_rate(size, uploads):,.0f} MB/s; peak heap {upload_peak:,.1f} MiB",
                note=note,
                samples=repeat,
            ),
            Result(
                key=f"attachment_download_{size_mb}mb",
                label=f"Attachment download, {size_mb} MB (check the whole file, then stream it)",
                target="≥ 100 MB/s; memory flat",
                value=f"{_rate(size, downloads):,.0f} MB/s; peak heap {download_peak:,.1f} MiB",
                note=note,
                samples=repeat,
            ),
        ]
    return [*results, _codec()]


def _codec() -> Result:
    """``registry.segments`` alone: 100 MB sealed, then opened, in memory."""
    import io

    from registry import segments
    from registry.keyring import active_keyring

    block = os.urandom(MB)
    context = b"attachment:" + bytes(16)
    started = time.perf_counter()
    parts = list(segments.seal((block for _ in range(100)), context=context))  # no 100 MB copy timed
    sealing = time.perf_counter() - started
    sealed = b"".join(parts)
    started = time.perf_counter()
    opened = sum(len(part) for part in segments.open_sealed(io.BytesIO(sealed), context=context))
    opening = time.perf_counter() - started
    assert opened == 100 * MB
    return Result(
        key="segments_codec",
        label=f"Segmented encryption alone, 100 MB ({active_keyring().primary.cipher}, one core)",
        target="≥ 100 MB/s each way",
        value=f"seal {100 / sealing:,.0f} MB/s, open {100 / opening:,.0f} MB/s",
    )
