"""Reading dossiers back (poppler's pdftotext and pdffonts, pikepdf), and a stand-in renderer
for the tests that are about policy, storage or batches rather than the PDF itself."""

from __future__ import annotations

import io
import subprocess
from contextlib import contextmanager
from unittest import mock

import pikepdf
from django.utils import timezone

from exports.dossier.content import TEMPLATE_VERSION, DossierFacts
from exports.dossier.digests import sha256_hexdigest, sm3_hexdigest
from exports.dossier.render import RenderedDossier
from registry import casefile


def pdf_text(pdf: bytes, *, page: int | None = None, raw: bool = False) -> str:
    """The text of ``pdf`` (or of one page) as poppler's pdftotext extracts it."""
    args = ["pdftotext", "-enc", "UTF-8"]
    if raw:
        args.append("-raw")
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    done = subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True)  # noqa: S603
    return done.stdout.decode()


def pdf_fonts(pdf: bytes) -> list[dict]:
    """pdffonts' table: one dict per font (name, type, emb, sub, uni)."""
    done = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True)  # noqa: S603, S607
    lines = done.stdout.decode().splitlines()[2:]
    fonts = []
    for line in lines:
        parts = line.split()
        # name, type (several words), encoding, emb, sub, uni, object, generation
        fonts.append(
            {
                "name": parts[0],
                "type": " ".join(parts[1:-6]),
                "emb": parts[-5],
                "sub": parts[-4],
                "uni": parts[-3],
            }
        )
    return fonts


def open_pdf(pdf: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(pdf))


def tiny_pdf() -> bytes:
    document = pikepdf.new()
    document.add_blank_page()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def facts_for(user, case) -> DossierFacts:
    """The facts of a Chinese dossier of ``case`` (which ``user`` must see) rendered for ``user``,
    to hand the renderer directly."""
    from victims import selectors

    return DossierFacts(
        archive_number="TEST-D001",
        case=selectors.case_for(user, case.uuid),
        generated_by=user,
        generated_at=timezone.now(),
        organization_name=user.organization.name,
        language="zh-hans",
        classification="confidential",
        classification_label="机密",
        retention="permanent",
        retention_label="永久",
        template_version=TEMPLATE_VERSION,
    )


def fake_render(facts, *, deadline=None) -> RenderedDossier:
    """What ``render_dossier`` returns, without WeasyPrint: a one-page PDF unique to the dossier
    (the deadline checked once, as the renderer first does)."""
    if deadline is not None:
        deadline.check()
    document = pikepdf.new()
    document.add_blank_page()
    document.docinfo["/Title"] = facts.archive_number
    out = io.BytesIO()
    document.save(out, static_id=False)
    pdf = out.getvalue()
    attachment = b"{}"
    return RenderedDossier(
        pdf=pdf,
        page_count=1,
        sha256=sha256_hexdigest(pdf),
        sm3=sm3_hexdigest(pdf),
        attachment=attachment,
        attachment_name=f"{facts.case.number}.json",
        attachment_sha256=sha256_hexdigest(attachment),
        attachment_sm3=sm3_hexdigest(attachment),
        sections=tuple(section.value for section in casefile.shown_sections(facts.generated_by)),
    )


@contextmanager
def rendering_faked():
    with mock.patch("exports.operations._render", fake_render):
        yield
