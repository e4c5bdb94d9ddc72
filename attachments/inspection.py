"""What an upload is, by its bytes, and what of it is kept (issue 15, item 4).

:func:`inspect` takes an uploaded file (an ``attachments.uploads.EphemeralUpload``) and either
refuses it — :class:`~registry.errors.RuleViolation` (400) naming the field ``file`` and a stable
code, or :class:`FileTooLarge` (413) — or returns an :class:`Inspected`: the media type, the page
count of a PDF, and the chunks of the content to keep. Nothing is stored here.

- The type comes from the leading bytes only, never the name or the declared type: PDF, JPEG,
  PNG, TIFF, HEIC; anything else is ``unsupported_type``.
- A PDF must parse (pikepdf), hold at least one page, and carry no JavaScript, launch or other
  active action, and no embedded file (``unsafe_pdf``); an encrypted one is refused too. It is
  kept byte for byte.
- An image must decode whole (Pillow) within ``ATTACHMENTS_MAX_PIXELS`` (a decompression bomb is
  ``image_too_large``). Its metadata — EXIF, GPS, XMP, IPTC, comments, text chunks — is removed
  before anything is kept: from JPEG and PNG by dropping those segments and chunks (the image
  data is kept byte for byte) — except the EXIF Orientation tag, kept alone in an EXIF block of
  its own, so a phone photo does not show turned; TIFF and HEIC are re-encoded from their pixels
  alone.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pikepdf
import pillow_heif
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageSequence, UnidentifiedImageError

from attachments.choices import MediaType
from attachments.uploads import EphemeralFile, reader
from registry.errors import RegistryError, RuleViolation

pillow_heif.register_heif_opener()

CHUNK = 64 * 1024
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


class FileTooLarge(RegistryError):
    status = 413
    code = "file_too_large"


@dataclass(frozen=True)
class Inspected:
    media_type: MediaType
    page_count: int | None
    chunks: Callable[[], Iterator[bytes]]  # the content to keep, as plaintext chunks


def _refuse(code: str, message: str) -> RuleViolation:
    return RuleViolation(message, field="file", code=code)


def sniff(head: bytes) -> MediaType | None:
    """The allowed media type these leading bytes begin, or ``None``."""
    if head.startswith(b"%PDF-"):
        return MediaType.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.PNG
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return MediaType.TIFF
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return MediaType.HEIC
    return None


def inspect(upload) -> Inspected:
    """Refuse ``upload`` (see the module's docstring) or say what of it is kept."""
    if upload is None:
        raise _refuse("required", _("Choose a file to upload."))
    if getattr(upload, "oversize", False) or upload.size > settings.ATTACHMENTS_MAX_BYTES:
        raise FileTooLarge(
            _("The file is larger than the %(limit)s MB allowed.")
            % {"limit": round(settings.ATTACHMENTS_MAX_BYTES / 1024 / 1024, 1)},
            field="file",
        )
    if upload.size == 0:
        raise _refuse("empty_file", _("The file is empty."))
    source: EphemeralFile = upload.file
    media_type = sniff(reader(source).read(16))
    if media_type is None:
        raise _refuse(
            "unsupported_type", _("This kind of file is not accepted: upload a PDF, JPEG, PNG, TIFF or HEIC file.")
        )
    if media_type == MediaType.PDF:
        return Inspected(media_type, _check_pdf(source), lambda: _copy(source))
    _check_image(source, media_type)
    if media_type == MediaType.JPEG:
        return Inspected(media_type, None, lambda: _jpeg_without_metadata(source))
    if media_type == MediaType.PNG:
        return Inspected(media_type, None, lambda: _png_without_metadata(source))
    cleaned = _reencoded(source, media_type)
    return Inspected(media_type, None, lambda: _copy(cleaned))


def _copy(file: EphemeralFile) -> Iterator[bytes]:
    stream = reader(file)
    while chunk := stream.read(CHUNK):
        yield chunk


# --- PDF --------------------------------------------------------------------------------------

# Actions that run something or reach out when the document is opened or clicked.
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute", "/Rendition"}
_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RichMedia", "/XFA"}


def _dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every dictionary of the document: each object's (a stream's own), and the direct ones
    nested in them (an open action written inline in the catalogue)."""
    for obj in pdf.objects:
        pending = [obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj]
        while pending:
            item = pending.pop()
            if isinstance(item, pikepdf.Dictionary):
                yield item
                children = item.values()
            elif isinstance(item, pikepdf.Array):
                children = list(item)
            else:
                continue
            pending.extend(
                child
                for child in children
                if isinstance(child, pikepdf.Dictionary | pikepdf.Array) and not child.is_indirect
            )


def _is_active(obj: pikepdf.Dictionary) -> bool:
    return bool(
        _ACTIVE_KEYS.intersection(obj.keys())
        or obj.get("/Type") == "/EmbeddedFile"
        or str(obj.get("/S", "")) in _ACTIVE_ACTIONS
    )


def _check_pdf(source: EphemeralFile) -> int:
    """The page count of a PDF that parses and carries nothing active; refused otherwise."""
    unsafe = _refuse(
        "unsafe_pdf", _("The PDF carries scripts, launch actions or embedded files; print it to a plain PDF first.")
    )
    try:
        with pikepdf.open(reader(source)) as pdf:
            if pdf.attachments:
                raise unsafe
            if any(_is_active(obj) for obj in _dictionaries(pdf)):
                raise unsafe
            pages = len(pdf.pages)
    except pikepdf.PasswordError:
        raise _refuse("unreadable_pdf", _("The PDF is password-protected; upload an unprotected copy.")) from None
    except (pikepdf.PdfError, ValueError, RuntimeError):
        raise _refuse("unreadable_pdf", _("The PDF cannot be read; it may be damaged.")) from None
    if pages < 1:
        raise _refuse("unreadable_pdf", _("The PDF has no page."))
    return pages


# --- images -----------------------------------------------------------------------------------


def _open_image(source: EphemeralFile) -> Image.Image:
    try:
        return Image.open(reader(source))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _refuse("undecodable_image", _("The image cannot be read; it may be damaged.")) from None


def _check_image(source: EphemeralFile, media_type: MediaType) -> None:
    """The image decodes whole, every frame within the pixel limit; refused otherwise."""
    limit = settings.ATTACHMENTS_MAX_PIXELS
    too_large = _refuse(
        "image_too_large", _("The image has more pixels than allowed (%(limit)s).") % {"limit": f"{limit:,}"}
    )
    # A truncated file must fail to decode. Importing WeasyPrint (the dossier renderer) sets
    # Pillow's LOAD_TRUNCATED_IMAGES for the whole process, which pads a truncated image with
    # grey instead: the check sets it back (the dossier draws no raster image of its own).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with _open_image(source) as image:
            total = 0
            for frame in ImageSequence.Iterator(image):
                total += frame.size[0] * frame.size[1]
                if total > limit:
                    raise too_large
                if media_type == MediaType.JPEG:
                    # Every scan is still decoded at 1/8 scale: a truncated or damaged file fails.
                    frame.draft("RGB", (max(1, frame.size[0] // 8), max(1, frame.size[1] // 8)))
                frame.load()
    except Image.DecompressionBombError:
        raise too_large from None
    except RuleViolation:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, struct.error):
        raise _refuse("undecodable_image", _("The image cannot be read; it may be damaged.")) from None


def _reencoded(source: EphemeralFile, media_type: MediaType) -> EphemeralFile:
    """A TIFF (every page) or HEIC re-encoded from its pixels alone: no EXIF, GPS, XMP or IPTC.
    The decoded pixels are in memory already (within ``ATTACHMENTS_MAX_PIXELS``); the encoded
    copy goes to an ephemeral file."""
    with _open_image(source) as image:
        frames = []
        for frame in ImageSequence.Iterator(image):
            pixels = frame.copy()  # a plain image: none of the file's tags come along
            pixels.info = {}
            frames.append(pixels)
    encoded = io.BytesIO()
    if media_type == MediaType.TIFF:
        frames[0].save(
            encoded, format="TIFF", compression="tiff_adobe_deflate", save_all=True, append_images=frames[1:]
        )
    else:
        frames[0].save(encoded, format="HEIF", quality=90)
    cleaned = EphemeralFile()
    cleaned.write(encoded.getbuffer())
    return cleaned


ORIENTATION = 0x0112  # the EXIF tag; 1 (the default) needs no tag, 2–8 turn or mirror the image
_EXIF_HEADER = b"Exif\x00\x00"
_MAX_PNG_EXIF = 0xFFFF  # as much as a JPEG's EXIF segment holds; a larger eXIf chunk is dropped


def _orientation_only(exif: bytes) -> bytes | None:
    """An EXIF block (``Exif\\0\\0`` and a TIFF structure) holding the Orientation tag of
    ``exif`` and nothing else — no other tag, no GPS, maker note or thumbnail — or None when
    ``exif`` has no orientation other than the default, or cannot be read."""
    parsed = Image.Exif()
    try:
        parsed.load(exif)
        orientation = parsed.get(ORIENTATION)
    except (OSError, ValueError, SyntaxError, EOFError, KeyError, IndexError, TypeError, struct.error):
        return None
    if not isinstance(orientation, int) or not 2 <= orientation <= 8:
        return None
    kept = Image.Exif()
    kept[ORIENTATION] = orientation
    return kept.tobytes()


# JPEG segments dropped: APP1 (EXIF — but for its orientation, kept alone —, GPS, XMP),
# APP3–APP13 (maker notes, IPTC), APP15 and comments; APP0 (JFIF), APP2 (ICC colour profile,
# unless it is MPF: embedded images with their own EXIF) and APP14 (Adobe colour transform) are
# kept, as every other segment and the scans.
_JPEG_DROPPED = {0xE1, *range(0xE3, 0xEE), 0xEF, 0xFE}
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


class _Cursor:
    """Bytes of a stream read ahead as needed (a marker's length, the data up to a marker)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.buffer = b""

    def ensure(self, size: int) -> bool:
        """Whether ``size`` bytes are buffered, reading more as needed."""
        while len(self.buffer) < size:
            more = self.stream.read(max(CHUNK, size - len(self.buffer)))
            if not more:
                return False
            self.buffer += more
        return True

    def take(self, size: int) -> bytes:
        self.ensure(size)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


def _jpeg_without_metadata(source: EphemeralFile) -> Iterator[bytes]:
    cursor = _Cursor(reader(source))
    yield cursor.take(2)  # SOI, checked by sniff()
    oriented = False  # whether the orientation is kept already (from the first EXIF segment)
    while cursor.ensure(2):
        if cursor.buffer[0] != 0xFF:
            return  # not a marker: the image data ended (what follows is not kept)
        if cursor.buffer[1] == 0xFF:  # a fill byte before a marker
            cursor.take(1)
            continue
        marker = cursor.take(2)
        code = marker[1]
        if code == 0xD9:  # EOI: anything after it (an appended image, a trailer) is dropped
            yield marker
            return
        if code in _STANDALONE:
            yield marker
            continue
        if not cursor.ensure(2):
            return
        length_bytes = cursor.take(2)
        (length,) = struct.unpack(">H", length_bytes)
        body = cursor.take(max(0, length - 2))
        if code == 0xE1 and body.startswith(_EXIF_HEADER) and not oriented:
            kept = _orientation_only(body)
            if kept is not None:
                oriented = True
                yield marker + struct.pack(">H", len(kept) + 2) + kept
        elif code not in _JPEG_DROPPED and not (code == 0xE2 and body.startswith(b"MPF\x00")):
            yield marker + length_bytes + body
        if code == 0xDA:  # start of scan: entropy-coded data up to the next marker
            yield from _entropy_data(cursor)


def _entropy_data(cursor: _Cursor) -> Iterator[bytes]:
    """Copy entropy-coded data up to (not including) the next marker that is neither a stuffed
    0xFF00, a restart marker nor a fill byte, leaving the cursor at that marker."""
    while True:
        if not cursor.ensure(2):
            yield cursor.take(len(cursor.buffer))
            return
        buffer, position = cursor.buffer, 0
        while True:
            found = buffer.find(b"\xff", position)
            if found < 0 or found + 1 >= len(buffer):
                yield cursor.take(len(buffer) if found < 0 else found)
                break
            following = buffer[found + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                position = found + 2
            elif following == 0xFF:
                position = found + 1
            else:
                yield cursor.take(found)
                return


# PNG chunks dropped: EXIF (but for its orientation, kept alone), text (tEXt, zTXt, iTXt), the time
# of the last change.
_PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def _png_without_metadata(source: EphemeralFile) -> Iterator[bytes]:
    stream = reader(source)
    yield stream.read(8)  # the signature, checked by sniff()
    while True:
        head = stream.read(8)
        if len(head) < 8:
            return
        length, kind = struct.unpack(">I4s", head)
        if kind == b"eXIf" and length <= _MAX_PNG_EXIF:
            data, _crc = stream.read(length), stream.read(4)
            kept = _orientation_only(data)
            if kept is not None:
                kept = kept[len(_EXIF_HEADER) :]
                yield struct.pack(">I4s", len(kept), kind) + kept + struct.pack(">I", zlib.crc32(kind + kept))
            continue
        keep = kind not in _PNG_DROPPED
        if keep:
            yield head
        remaining = length + 4  # data and CRC
        while remaining:
            part = stream.read(min(CHUNK, remaining))
            if not part:
                return
            remaining -= len(part)
            if keep:
                yield part
        if kind == b"IEND":
            return
