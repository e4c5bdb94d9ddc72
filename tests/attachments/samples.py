"""Synthetic documents for the attachment tests, made here (no file from anywhere else)."""

from __future__ import annotations

import io
import os

import pikepdf
from PIL import Image

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
IMAGE_DESCRIPTION = 0x010E
ARTIST = 0x013B
USER_COMMENT = 0x9286


def pdf(text: str = "consent form", *, info: str | None = None, pages: int = 1) -> bytes:
    """A plain PDF whose page content (uncompressed) holds ``text``."""
    document = pikepdf.new()
    for _ in range(pages):
        document.add_blank_page(page_size=(595, 842))
    for page in document.pages:
        font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.obj.Contents = document.make_stream(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    if info:
        document.docinfo["/Title"] = info
    out = io.BytesIO()
    document.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def pdf_with(kind: str) -> bytes:
    """A PDF carrying ``javascript`` (an open action), ``launch`` (an open action) or an
    ``embedded`` file."""
    document = pikepdf.open(io.BytesIO(pdf("active")))
    if kind == "javascript":
        document.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    elif kind == "launch":
        document.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
    elif kind == "embedded":
        document.attachments["note.txt"] = pikepdf.AttachedFileSpec(document, b"hidden")
    else:
        raise ValueError(kind)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def noise_image(size=(96, 64), seed: int = 7) -> Image.Image:
    """An image of random pixels (its compressed data is unique to the seed)."""
    data = bytes((index * 131 + seed * 17 + (index >> 3) * seed) % 251 for index in range(size[0] * size[1] * 3))
    data = bytes(a ^ b for a, b in zip(data, os.urandom(len(data)), strict=True))
    return Image.frombytes("RGB", size, data)


def exif_with(description: str, *, gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    exif[IMAGE_DESCRIPTION] = description
    exif[ARTIST] = description + "-artist"
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (26.0, 4.0, 51.0), 3: "E", 4: (119.0, 18.0, 23.0)}
    return exif


def jpeg(*, exif: Image.Exif | None = None, comment: str | None = None, image: Image.Image | None = None) -> bytes:
    out = io.BytesIO()
    options = {}
    if exif is not None:
        options["exif"] = exif.tobytes()
    if comment is not None:
        options["comment"] = comment.encode()
    (image or noise_image()).save(out, format="JPEG", quality=90, **options)
    return out.getvalue()


def png(*, text: str | None = None, exif: Image.Exif | None = None, size=(96, 64)) -> bytes:
    from PIL import PngImagePlugin

    out = io.BytesIO()
    options = {}
    if text is not None:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", text)
        options["pnginfo"] = info
    if exif is not None:
        options["exif"] = exif.tobytes()
    noise_image(size).save(out, format="PNG", **options)
    return out.getvalue()


def tiff(*, exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    noise_image().save(out, format="TIFF", exif=exif.tobytes() if exif is not None else b"")
    return out.getvalue()


def heic(*, exif: Image.Exif | None = None) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    noise_image().save(out, format="HEIF", exif=exif.tobytes() if exif is not None else None)
    return out.getvalue()


def scan_data(jpeg_bytes: bytes) -> bytes:
    """The entropy-coded data of a baseline JPEG: after the SOS header, before EOI."""
    start = jpeg_bytes.index(b"\xff\xda")
    length = int.from_bytes(jpeg_bytes[start + 2 : start + 4], "big")
    return jpeg_bytes[start + 2 + length : jpeg_bytes.rindex(b"\xff\xd9")]
