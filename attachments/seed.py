"""Documents for the demonstration registry (``manage.py seed_demo``, after the victims).

For about a quarter of the cases the seed registered (``victims.seed.synthetic_cases``: never a
case someone registered by hand in the demo) the caseworker who registered the case (still
active, and still seeing it) files a signed consent form (a generated one-page PDF: the case
number, a consent text, blank signature lines) under ``consents``, and for half of those a photo
for identification (a generated JPEG portrait silhouette) under ``person``. Nothing in them is about
a real person: the texts say they are demonstration data, and no name or document number is
printed.

Guarantees:

- Every document goes through ``attachments.operations.attachment_upload`` — the same
  inspection, sealing, history and audit event as an upload from a page or the API — as the
  case's registering caseworker.
- Deterministic: which cases get documents is drawn from ``random.Random`` seeded by (seed, case
  number); idempotent: a case that already holds an attachment is left alone, so a second run
  adds nothing.
- One transaction per document, as before (``victims.seed.attempt``): a document an operation
  refuses is not filed nor counted, its case listed by number in ``skipped``, and the step goes
  on. Counts only are returned, nothing personal.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

from attachments.choices import Kind
from attachments.models import Attachment
from attachments.operations import attachment_upload
from attachments.uploads import ephemeral_upload
from registry.choices import Role
from registry.history import recorded_change
from registry.models import User
from registry.policy import Section
from victims.choices import Stage
from victims.models import Case
from victims.seed import SkippedCase, attempt, synthetic_cases

SHARE = 0.25  # of the cases that get a consent form
PHOTO_SHARE = 0.5  # of those that also get a photo
DEMO_NOTE = "（演示数据，内容虚构）"
CONSENT_LINES = (
    "本人已知悉救助机构将为本人提供的救助、安置及转介服务的内容，",
    "同意救助机构在服务所需范围内采集、保存和使用本人的个人信息，",
    "并同意在必要时将相关信息提供给承接服务的部门。",
)


@dataclass(frozen=True)
class SeedResult:
    cases: int  # cases given documents in this run
    documents: int
    present: int  # cases that had documents already
    skipped: tuple[SkippedCase, ...] = ()  # refused by an operation, rolled back


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(settings.EXPORTS_CJK_FONT_REGULAR, size)


def consent_form_pdf(case_number: str) -> bytes:
    """A one-page A4 consent form (an image PDF drawn with Pillow) for ``case_number``."""
    page = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    draw = ImageDraw.Draw(page)
    draw.text((620, 160), "知情同意书", font=_font(64), fill=0, anchor="mm")
    body = _font(30)
    draw.text((140, 300), f"案件编号：{case_number}", font=body, fill=0)
    for row, line in enumerate(CONSENT_LINES):
        draw.text((140, 420 + row * 60), line, font=body, fill=0)
    draw.text((140, 760), "本人签名：____________________", font=body, fill=0)
    draw.text((140, 840), "监护人签名（未成年人）：____________________", font=body, fill=0)
    draw.text((140, 920), "日期：______年____月____日", font=body, fill=0)
    draw.text((620, 1600), DEMO_NOTE, font=_font(26), fill=96, anchor="mm")
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=150.0)
    return out.getvalue()


def photo_jpeg(rng: random.Random) -> bytes:
    """A 480×640 JPEG of a grey silhouette on a coloured background, marked as demo data."""
    background = tuple(rng.randrange(150, 230) for _ in range(3))
    image = Image.new("RGB", (480, 640), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 120, 330, 330), fill=(110, 110, 110))
    draw.ellipse((70, 360, 410, 760), fill=(110, 110, 110))
    draw.text((240, 600), DEMO_NOTE, font=_font(22), fill=(255, 255, 255), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _file(case: Case, actor: User, *, section: Section, kind: Kind, title: str, data: bytes, name: str) -> None:
    attachment_upload(actor=actor, case=case, expected_version=case.version, section=section.value, kind=kind,
                      title=title, upload=ephemeral_upload([data], name=name))  # fmt: skip


def seed_attachments(*, seed: int) -> SeedResult:
    """Documents for about ``SHARE`` of the cases each active caseworker registered and still
    sees, through the upload operation (see the module's docstring). Needs ``victims.seed`` first."""
    with_documents = set(Attachment._base_manager.values_list("case_id", flat=True))
    given = documents = present = 0
    skipped: list[SkippedCase] = []
    with recorded_change(actor=None, reason="seed_demo"):
        for worker in User.objects.filter(role=Role.CASEWORKER, is_active=True).order_by("username"):
            # A case handed over out of the province is read-only here (victims.operations.lock_case).
            cases = synthetic_cases().visible_to(worker).filter(created_by=worker).exclude(stage=Stage.TRANSFERRED)
            for case in cases.order_by("id"):
                rng = random.Random(f"attachments:{seed}:{case.number}")  # noqa: S311 - synthetic data
                if rng.random() >= SHARE:
                    continue
                if case.pk in with_documents:
                    present += 1
                    continue
                with attempt(case, skipped) as consent:
                    _file(case, worker, section=Section.CONSENTS, kind=Kind.CONSENT_FORM, title="知情同意书（演示）",
                          data=consent_form_pdf(case.number), name="consent.pdf")  # fmt: skip
                if not consent.done:
                    continue
                given, documents = given + 1, documents + 1
                if rng.random() < PHOTO_SHARE:
                    with attempt(case, skipped) as photo:
                        _file(case, worker, section=Section.PERSON, kind=Kind.PHOTO, title="本人照片（演示）",
                              data=photo_jpeg(rng), name="photo.jpg")  # fmt: skip
                    documents += photo.done
    return SeedResult(cases=given, documents=documents, present=present, skipped=tuple(skipped))
