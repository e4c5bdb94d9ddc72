"""Rendering a dossier: the versioned template, WeasyPrint, PDF/A-3, the attached JSON.

One :class:`Renderer` per thread (:func:`get_renderer`): building it checks the system
(``fonts.check_renderer_dependencies``), loads the two font faces and parses the stylesheet
with its @font-face rules into its own ``FontConfiguration`` (its own fontconfig configuration
and Pango font map, which is not thread-safe), which every later rendering in that thread
reuses — fonts are loaded and registered once per thread, not per dossier. No lock is shared
between threads: a long dossier in one thread never holds up another's (a Celery worker process
renders in its one thread; the in-process job pool of ``exports.jobs`` has a few threads).

Guarantees of :func:`render_dossier`:

- The PDF is tagged (:data:`PDF_TAGS`: a structure tree, ``/MarkInfo /Marked true``, the
  document title shown) and PDF/A-3u (:data:`PDF_VARIANT`): every font embedded and subset (HarfBuzz), text
  mapped to Unicode — or PDF/A-3b when some character had no glyph in any font (``pdfa.finish``
  checks), ``lang`` set (``zh-CN``, or ``en``), the case's JSON attached as an
  associated file with ``AFRelationship /Data``, the XMP carrying the archival facts and the
  attachment's digests (``exports.dossier.pdfa``).
- Nothing is fetched but the template's own assets (``exports.dossier.fetcher``); the case's
  text reaches the template only through Django's autoescaping.
- The case's documents the reader sees (``exports.dossier.documents``) are listed in a part of
  their own and embedded as associated files with ``AFRelationship /Source``, each checked
  against its digests before it is embedded.
- Every embedded file (the JSON and each document) is read back from the finished file and
  compared before the PDF is returned.
- Given a :class:`~exports.limits.Deadline`, the rendering checks it between its stages (content,
  HTML, layout, PDF, finishing) and stops with ``DossierTimedOut`` once it has passed. A stage
  itself — WeasyPrint's layout above all — is not interrupted: the size limits
  (``exports.limits``) bound how long one takes.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import pikepdf
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from exports.dossier import content as dossier_content
from exports.dossier import documents as dossier_documents
from exports.dossier import pdfa
from exports.dossier.digests import sha256_hexdigest, sm3_hexdigest
from exports.dossier.fetcher import AssetFetcher, AssetRefused
from exports.dossier.fonts import LOG_GUARD, check_renderer_dependencies, font_face_css, load_faces
from exports.limits import Deadline
from registry.presentation import user_name

TEMPLATE_VERSION = dossier_content.TEMPLATE_VERSION
TEMPLATE_NAME = "exports/dossier/v2/dossier.html"
ASSETS = Path(__file__).resolve().parent.parent / "assets" / "dossier"
# v2's stylesheet holds what v2 adds to v1 (as its template extends v1's): v1's rules first.
STYLESHEETS = (ASSETS / "v1" / "dossier.css", ASSETS / "v2" / "dossier.css")
PDF_VARIANT = "pdf/a-3u"
# Tagged as well (WeasyPrint's structure tree from the HTML: headings, tables, lists, and
# /MarkInfo /Marked true), so screen readers and PDF/UA checkers read it in order.
PDF_TAGS = True
HTML_LANG = {"zh-hans": "zh-CN", "en": "en"}


class DossierRenderError(RuntimeError):
    """The dossier could not be rendered as the archive needs it."""


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


@dataclass(frozen=True)
class RawPdf:
    pdf: bytes
    pages: int
    # False when a character had no glyph in any font (WeasyPrint drew .notdef): its text does
    # not map to Unicode, so the file may claim PDF/A-3b but not 3u.
    unicode_complete: bool


def _unbounded() -> None:
    """The checkpoint of a rendering without a deadline."""


def stylesheet_text() -> str:
    """The dossier's stylesheet: the @font-face rules, then each of :data:`STYLESHEETS` in order."""
    return "\n".join([font_face_css(), *(path.read_text(encoding="utf-8") for path in STYLESHEETS)])


class Renderer:
    """WeasyPrint set up once for one thread: fonts, font configuration, stylesheet, fetcher.
    Not to be shared between threads (:func:`get_renderer` gives each its own)."""

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        check_renderer_dependencies()
        faces = load_faces()
        self.fetcher = AssetFetcher({face.url: (data, "font/otf") for face, data in faces.items()})
        self.font_config = FontConfiguration()
        try:
            self.stylesheet = CSS(string=stylesheet_text(), font_config=self.font_config, url_fetcher=self.fetcher)
        except AssetRefused as refused:
            raise DossierRenderError(str(refused)) from None
        self._page_styles: dict[str, object] = {}
        self.renders = 0

    def _page_style(self, language: str):
        """The page-number line in ``language`` (第 X 页 共 Y 页), as a small stylesheet."""
        style = self._page_styles.get(language)
        if style is None:
            from weasyprint import CSS

            with translation.override(language):
                words = _("Page %(page)s of %(pages)s")
            before, _sep, rest = words.partition("%(page)s")
            middle, _sep, after = rest.partition("%(pages)s")
            content = f"{_css_string(before)} counter(page) {_css_string(middle)} counter(pages) {_css_string(after)}"
            style = CSS(
                string=f"@page {{ @bottom-center {{ content: {content}; font-size: 8pt; color: #444444; }} }}",
                font_config=self.font_config,
                url_fetcher=self.fetcher,
            )
            self._page_styles[language] = style
        return style

    def render(
        self,
        html: str,
        *,
        language: str,
        attachment: bytes,
        attachment_name: str,
        created,
        documents: tuple[tuple[dossier_documents.Document, bytes], ...] = (),
        check=_unbounded,
    ) -> RawPdf:
        """WeasyPrint's PDF/A-3 of ``html`` with ``attachment`` (the case data) and ``documents``
        (each with its content) embedded (before :func:`pdfa.finish`); ``check()`` runs between
        the layout and the writing of the PDF."""
        from weasyprint import HTML, Attachment

        created_utc = created.astimezone(UTC)
        LOG_GUARD.start()  # its state is per thread
        try:
            document = HTML(string=html, url_fetcher=self.fetcher).render(
                font_config=self.font_config,
                stylesheets=[self.stylesheet, self._page_style(language)],
                pdf_variant=PDF_VARIANT,
                pdf_tags=PDF_TAGS,
            )
            check()
            pdf = document.write_pdf(
                pdf_variant=PDF_VARIANT,
                pdf_tags=PDF_TAGS,
                attachments=[
                    Attachment(
                        string=attachment.decode(),
                        name=attachment_name,
                        description="Case data (JSON)",
                        relationship="Data",
                        created=created_utc,
                        modified=created_utc,
                        url_fetcher=self.fetcher,
                    ),
                    *(
                        Attachment(
                            file_obj=io.BytesIO(data),
                            name=document.file_name,
                            description=document.description,
                            relationship=dossier_documents.RELATIONSHIP,
                            created=document.uploaded_at.astimezone(UTC),
                            modified=document.uploaded_at.astimezone(UTC),
                            url_fetcher=self.fetcher,
                        )
                        for document, data in documents
                    ),
                ],
            )
        except AssetRefused as refused:
            raise DossierRenderError(str(refused)) from None
        self.renders += 1
        return RawPdf(pdf=pdf, pages=len(document.pages), unicode_complete=not LOG_GUARD.glyphs_missing())


_thread = threading.local()


def get_renderer() -> Renderer:
    """This thread's renderer, built on its first use in the thread."""
    renderer = getattr(_thread, "renderer", None)
    if renderer is None:
        renderer = _thread.renderer = Renderer()
    return renderer


@dataclass(frozen=True)
class RenderedDossier:
    pdf: bytes
    page_count: int
    sha256: str
    sm3: str
    attachment: bytes
    attachment_name: str
    attachment_sha256: str
    attachment_sm3: str
    sections: tuple[str, ...]


def xmp_facts(facts: dossier_content.DossierFacts, attachment_name: str, attachment: bytes) -> dict[str, str]:
    return {
        "ArchiveNumber": facts.archive_number,
        "CaseNumber": facts.case.number,
        "CaseVersion": str(facts.case.version),
        "Classification": facts.classification,
        "RetentionPeriod": facts.retention,
        "GeneratingOrganization": facts.organization_name,
        "GeneratedBy": facts.generated_by.get_username(),
        "GeneratedAt": facts.generated_at.isoformat(),
        "TemplateVersion": facts.template_version,
        "AttachmentName": attachment_name,
        "AttachmentSHA256": sha256_hexdigest(attachment),
        "AttachmentSM3": sm3_hexdigest(attachment),
    }


def _template_context(facts: dossier_content.DossierFacts, content: dossier_content.DossierContent, attachment_name):
    user = facts.generated_by
    generated_by = user_name(user)
    generated_at = timezone.localtime(facts.generated_at).strftime("%Y-%m-%d %H:%M")
    person = content.sections.get("person")
    numbers = [dossier_content.part_number(index, facts.language) for index in range(len(content.parts) + 1, 100)]
    return {
        "html_lang": HTML_LANG.get(facts.language, facts.language),
        "title": _("Victim assistance case dossier"),
        "facts": facts,
        "generated_by": generated_by,
        "generated_at": generated_at,
        "template_version": facts.template_version.rpartition("/")[2],  # "v2" (the XMP keeps "dossier/v2")
        "created_iso": facts.generated_at.isoformat(),
        "generator": f"Victim registry {facts.template_version}",
        "watermark": _("Generated by %(user)s at %(time)s") % {"user": generated_by, "time": generated_at},
        "person_name": person.get("full_name") if isinstance(person, dict) else None,
        "section_list": "、".join(part["title"] for part in content.parts) or "—",
        "attachment_name": attachment_name,
        "documents": content.document_rows,
        "parts": content.parts,
        "timeline": content.timeline,
        "summary": content.summary,
        "documents_number": numbers[0],
        "timeline_number": numbers[1],
        "history_number": numbers[2],
        "signatures_number": numbers[3],
        "receipt": facts.receipt,
    }


def render_dossier(
    facts: dossier_content.DossierFacts, *, renderer: Renderer | None = None, deadline: Deadline | None = None
) -> RenderedDossier:
    """The dossier of ``facts.case`` as ``facts.generated_by`` may read it (see module docs),
    within ``deadline`` when one is given."""
    check = deadline.check if deadline is not None else _unbounded
    check()
    renderer = renderer or get_renderer()
    user, case = facts.generated_by, facts.case
    content = dossier_content.build(user, case, language=facts.language, only=facts.sections)
    attachment_name = f"{case.number}.json"
    attachment = dossier_content.attachment_bytes(dossier_content.attachment_payload(facts, content))
    documents = tuple((document, dossier_documents.checked_content(document)) for document in content.documents)
    check()
    with translation.override(facts.language):
        html = render_to_string(TEMPLATE_NAME, _template_context(facts, content, attachment_name))
    check()
    raw = renderer.render(
        html,
        language=facts.language,
        attachment=attachment,
        attachment_name=attachment_name,
        created=facts.generated_at,
        documents=documents,
        check=check,
    )
    check()
    pdf = pdfa.finish(
        raw.pdf, facts=xmp_facts(facts, attachment_name, attachment), unicode_complete=raw.unicode_complete
    )
    if read_attachment(pdf, attachment_name) != attachment:
        raise DossierRenderError("the case data attached to the dossier does not read back as written")
    embedded = dossier_documents.embedded_files(pdf)
    for document, _data in documents:
        if embedded.get(document.file_name) != (dossier_documents.RELATIONSHIP, document.attachment.sha256):
            raise DossierRenderError(f"attachment {document.attachment.uuid} does not read back from the dossier")
    return RenderedDossier(
        pdf=pdf,
        page_count=raw.pages,
        sha256=sha256_hexdigest(pdf),
        sm3=sm3_hexdigest(pdf),
        attachment=attachment,
        attachment_name=attachment_name,
        attachment_sha256=sha256_hexdigest(attachment),
        attachment_sm3=sm3_hexdigest(attachment),
        sections=tuple(content.section_keys),
    )


def read_attachment(pdf: bytes, name: str) -> bytes | None:
    """The bytes of the embedded file ``name`` in ``pdf`` (``None`` if absent)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        attachments = document.attachments
        if name not in attachments:
            return None
        return attachments[name].get_file().read_bytes()
