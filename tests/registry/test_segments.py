"""Segmented file encryption: round trips, and every way of tampering with a sealed file fails."""

import io
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry import segments
from registry.segments import SEALED_SEGMENT, SEGMENT_SIZE, SegmentError, key_id_of, open_sealed, seal
from tests.registry.test_crypto import make_keyring

AES = make_keyring("aes-256-gcm", "aes-256-gcm")
SM4 = make_keyring("sm4-gcm")
CONTEXT = b"attachment:" + bytes(range(16))
OTHER_CONTEXT = b"attachment:" + bytes(range(1, 17))


def sealed_bytes(plaintext: bytes, *, keyring=AES, context=CONTEXT, chunk: int = 10_000, **kwargs) -> bytes:
    chunks = (plaintext[i : i + chunk] for i in range(0, len(plaintext), chunk))
    return b"".join(seal(chunks, context=context, keyring=keyring, **kwargs))


def opened(data: bytes, *, keyring=AES, context=CONTEXT) -> bytes:
    return b"".join(open_sealed(io.BytesIO(data), context=context, keyring=keyring))


def header_length(data: bytes) -> int:
    return len(segments.MAGIC) + 2 + data[len(segments.MAGIC) + 1] + segments.SALT_BYTES + segments.PREFIX_BYTES


@settings(max_examples=60, deadline=None)
@given(
    size=st.sampled_from([0, 1, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * SEGMENT_SIZE]),
    chunk=st.integers(min_value=1, max_value=3 * SEGMENT_SIZE),
    keyring=st.sampled_from([AES, SM4]),
)
def test_round_trip_at_every_boundary_and_chunking(size, chunk, keyring):
    plaintext = bytes(i % 251 for i in range(size))
    data = sealed_bytes(plaintext, keyring=keyring, chunk=chunk)
    assert opened(data, keyring=keyring) == plaintext
    assert size < 64 or plaintext[:64] not in data


def test_segments_are_yielded_segment_sized():
    plaintext = b"x" * (2 * SEGMENT_SIZE + 5)
    parts = list(open_sealed(io.BytesIO(sealed_bytes(plaintext)), context=CONTEXT, keyring=AES))
    assert [len(part) for part in parts] == [SEGMENT_SIZE, SEGMENT_SIZE, 5]


def test_key_id_names_the_primary_key_or_the_one_asked_for():
    data = sealed_bytes(b"abc")
    assert key_id_of(io.BytesIO(data)) == AES.primary.key_id
    older = [key_id for key_id in AES.keys if key_id != AES.primary.key_id][0]
    data = sealed_bytes(b"abc", key_id=older)
    assert key_id_of(io.BytesIO(data)) == older
    assert opened(data) == b"abc"


def test_each_sealing_differs():
    assert sealed_bytes(b"same") != sealed_bytes(b"same")


PLAINTEXT = bytes(i % 253 for i in range(3 * SEGMENT_SIZE + 100))


def segment_slices(data: bytes) -> list[slice]:
    start = header_length(data)
    offsets = range(start, len(data), SEALED_SEGMENT)
    return [slice(offset, min(offset + SEALED_SEGMENT, len(data))) for offset in offsets]


def flip(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


@pytest.mark.parametrize("where", ["magic", "version", "key id", "salt", "prefix", "first", "middle", "last tag"])
def test_a_flipped_bit_anywhere_fails(where):
    data = sealed_bytes(PLAINTEXT)
    key_length = data[len(segments.MAGIC) + 1]
    positions = {
        "magic": 0,
        "version": len(segments.MAGIC),
        "key id": len(segments.MAGIC) + 2,
        "salt": len(segments.MAGIC) + 2 + key_length,
        "prefix": header_length(data) - 1,
        "first": header_length(data) + 10,
        "middle": header_length(data) + SEALED_SEGMENT + 500,
        "last tag": len(data) - 1,
    }
    with pytest.raises(SegmentError):
        opened(flip(data, positions[where]))


def test_reordered_segments_fail():
    data = sealed_bytes(PLAINTEXT)
    first, second = segment_slices(data)[:2]
    swapped = data[: first.start] + data[second] + data[first] + data[second.stop :]
    with pytest.raises(SegmentError):
        opened(swapped)


@pytest.mark.parametrize("cut", ["whole last segment", "inside last segment", "inside header", "all segments"])
def test_truncated_file_fails(cut):
    data = sealed_bytes(PLAINTEXT)
    slices = segment_slices(data)
    ends = {
        "whole last segment": slices[-1].start,
        "inside last segment": len(data) - 7,
        "inside header": header_length(data) - 3,
        "all segments": header_length(data),
    }
    with pytest.raises(SegmentError):
        opened(data[: ends[cut]])


def test_truncation_at_a_segment_boundary_of_a_full_last_segment_fails():
    data = sealed_bytes(b"y" * (2 * SEGMENT_SIZE))
    assert len(segment_slices(data)) == 2
    with pytest.raises(SegmentError):
        opened(data[: segment_slices(data)[1].start])


def test_extended_or_duplicated_segments_fail():
    data = sealed_bytes(PLAINTEXT)
    last = segment_slices(data)[-1]
    with pytest.raises(SegmentError):
        opened(data + data[last])
    with pytest.raises(SegmentError):
        opened(data + b"\x00" * 40)


def test_segment_swapped_in_from_another_file_fails():
    mine, theirs = sealed_bytes(PLAINTEXT), sealed_bytes(PLAINTEXT)
    second = segment_slices(mine)[1]
    with pytest.raises(SegmentError):
        opened(mine[: second.start] + theirs[second] + mine[second.stop :])
    # and a whole file moved under another attachment's context does not open
    with pytest.raises(SegmentError):
        opened(mine, context=OTHER_CONTEXT)


def test_unknown_key_is_a_segment_error():
    data = sealed_bytes(b"secret", keyring=SM4)
    with pytest.raises(SegmentError, match="keyring does not hold"):
        opened(data, keyring=AES)


def test_a_partly_consumed_tampered_file_raises_before_its_end():
    """A consumer sees the error before the stream ends: nothing past a bad segment is yielded."""
    data = sealed_bytes(PLAINTEXT)
    bad = flip(data, segment_slices(data)[2].start + 3)
    parts = []
    with pytest.raises(SegmentError):
        for part in open_sealed(io.BytesIO(bad), context=CONTEXT, keyring=AES):
            parts.append(part)
    assert len(parts) == 2


class ShortReads(io.RawIOBase):
    """A stream that answers at most 1000 bytes per read, as some storage backends do."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, 1000) if size >= 0 else 1000)


def test_short_reads_are_completed():
    data = sealed_bytes(PLAINTEXT)
    assert b"".join(open_sealed(ShortReads(data), context=CONTEXT, keyring=AES)) == PLAINTEXT


def test_memory_stays_flat_for_a_large_stream(tmp_path):
    """Sealing and opening 32 MiB from and to disk allocates no more than a few segments."""
    block = bytes(range(256)) * 4096  # 1 MiB
    path = tmp_path / "sealed"
    tracemalloc.start()
    try:
        with path.open("wb") as out:
            for part in seal((block for _ in range(32)), context=CONTEXT, keyring=AES):
                out.write(part)
        with path.open("rb") as stream:
            total = sum(len(part) for part in open_sealed(stream, context=CONTEXT, keyring=AES))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == 32 * len(block)
    assert peak < 4 * len(block)  # the input block itself is 1 MiB; 32 MiB would show
