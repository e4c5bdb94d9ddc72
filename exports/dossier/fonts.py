"""The one font of every dossier, and the start-up checks that keep its rendering fast.

Dossiers name their font explicitly: Noto Sans CJK SC, regular and bold, embedded (DESIGN §6).
Left to fontconfig, ``font-family: sans-serif`` picks whatever the host has and the layout
changes between machines. Debian's fonts-noto-cjk ships the faces inside OpenType collections
(``NotoSansCJK-Regular.ttc``) whose first face is the *Japanese* one, so pointing @font-face at
the collection would set Chinese text in Japanese glyph forms. The SC faces are therefore
taken out of the collections by their PostScript names, once per process, and handed to
WeasyPrint as template assets (``exports.dossier.fetcher``); their paths are settings
(``EXPORTS_CJK_FONT_REGULAR``/``_BOLD``), and a plain ``.otf`` of the face works as well.

Start-up checks (:func:`check_renderer_dependencies`, run when the renderer is built):

- HarfBuzz's subsetter (libharfbuzz-subset0, ≥ 4.1) must be loaded by WeasyPrint; without it
  WeasyPrint subsets fonts with fontTools in pure Python and a one-page Chinese dossier takes
  seconds instead of a third of a second.
- Should WeasyPrint fall back to fontTools anyway, its warning is turned into an error
  (:class:`FontSubsettingFallback`) by a filter on its logger: a slow renderer is a broken one.
  The same filter keeps WeasyPrint's warnings that quote the dossier's text out of the logs.

A character the face lacks (rare in Chinese names, but possible) is set in whatever font
fontconfig finds for it, or as a blank glyph; such a dossier cannot promise that all its text
maps to Unicode and is declared PDF/A-3b rather than 3u (``render.py``).
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The family name the dossier's CSS uses; the PDF names the embedded font after it.
FONT_FAMILY = "Registry Noto Sans CJK SC"


@dataclass(frozen=True)
class Face:
    weight: str  # CSS font-weight
    setting: str  # the setting naming the file
    postscript_name: str  # the face to take from the file

    @property
    def url(self) -> str:
        from exports.dossier.fetcher import asset_url

        return asset_url(f"fonts/{self.postscript_name}.otf")


FACES = (
    Face("normal", "EXPORTS_CJK_FONT_REGULAR", "NotoSansCJKsc-Regular"),
    Face("bold", "EXPORTS_CJK_FONT_BOLD", "NotoSansCJKsc-Bold"),
)


class FontSubsettingFallback(RuntimeError):
    """WeasyPrint was about to subset a font with fontTools instead of HarfBuzz."""


def _postscript_name(font) -> str | None:
    name = font["name"].getDebugName(6)
    return str(name) if name else None


def load_face(path: str | Path, postscript_name: str) -> bytes:
    """The bytes of the face ``postscript_name`` in ``path`` (a font or a font collection), as
    a standalone OpenType font. A missing file or face is an :class:`ImproperlyConfigured`
    naming what to install."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    path = Path(path)
    hint = "install the Debian package fonts-noto-cjk, or point the setting at a file holding this face"
    try:
        with path.open("rb") as handle:
            is_collection = handle.read(4) == b"ttcf"
        fonts = TTCollection(path, lazy=True).fonts if is_collection else [TTFont(path, lazy=True)]
    except (OSError, TTLibError) as exc:
        raise ImproperlyConfigured(f"dossier font {postscript_name}: cannot read {path} ({exc}); {hint}") from None
    for font in fonts:
        if _postscript_name(font) == postscript_name:
            if not is_collection:
                return path.read_bytes()
            out = io.BytesIO()
            font.save(out)  # tables not touched are copied as they are: fast, lossless
            return out.getvalue()
    found = ", ".join(filter(None, (_postscript_name(font) for font in fonts)))
    raise ImproperlyConfigured(f"dossier font: {path} holds no face {postscript_name} (it has: {found}); {hint}")


def load_faces() -> dict[Face, bytes]:
    return {face: load_face(getattr(settings, face.setting), face.postscript_name) for face in FACES}


def font_face_css() -> str:
    """The @font-face rules naming the dossier's faces by their asset URLs."""
    return "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {face.weight}; font-style: normal; '
        f'src: url("{face.url}") format("opentype"); }}'
        for face in FACES
    )


class _WeasyPrintLogGuard(logging.Filter):
    """On WeasyPrint's logger, for the renderings of this process:

    - its fontTools fallback warning becomes an exception, raised at the ``LOGGER.warning``
      call, before the slow subsetting starts;
    - its warnings about characters no font has (".notdef glyph rendered for …") quote the
      dossier's text — a victim's name, say — so they never reach a log: they are dropped, and
      the rendering is marked as not mapping all its text to Unicode (see :func:`glyphs_missing`),
      which makes the PDF declare PDF/A-3b instead of 3u.
    """

    _TEXT_MESSAGES = (".notdef glyph rendered", "Too many glyphs missing")

    def __init__(self) -> None:
        super().__init__()
        self._state = threading.local()

    def start(self) -> None:
        self._state.missing = False

    def glyphs_missing(self) -> bool:
        return getattr(self._state, "missing", False)

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Using fontTools instead of HarfBuzz-Subset"):
            raise FontSubsettingFallback(
                "WeasyPrint would subset fonts with fontTools (seconds per page): install "
                "libharfbuzz-subset0 (HarfBuzz ≥ 4.1) so it uses HarfBuzz"
            )
        if message.startswith(self._TEXT_MESSAGES):
            self._state.missing = True
            return False
        return True


LOG_GUARD = _WeasyPrintLogGuard()


def check_renderer_dependencies() -> None:
    """Refuse to build a renderer that would subset fonts with fontTools (see module docs)."""
    from weasyprint.logger import LOGGER
    from weasyprint.text import ffi

    if LOG_GUARD not in LOGGER.filters:
        LOGGER.addFilter(LOG_GUARD)
    if ffi.harfbuzz_subset is None or not ffi.harfbuzz.hb_version_atleast(4, 1, 0):
        raise ImproperlyConfigured(
            "WeasyPrint cannot load HarfBuzz's subsetter (libharfbuzz-subset0, HarfBuzz ≥ 4.1); without "
            "it dossiers take seconds per page. Install the Debian package libharfbuzz-subset0."
        )
