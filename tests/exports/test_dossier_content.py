"""What a dossier PDF holds, read back as an archivist's tools read it (poppler, pikepdf):
the sections the generating role reads and nothing else, the embedded CJK font, PDF/A-3 in the
XMP, the case's JSON attached once as associated data, and the marks on every page."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone, translation

from exports import operations, storage
from exports.dossier.digests import sha256_hexdigest
from exports.dossier.fonts import FONT_FAMILY
from exports.dossier.pdfa import read_xmp_facts
from exports.dossier.render import TEMPLATE_VERSION, read_attachment, render_dossier
from registry import casefile
from registry.policy import Section
from tests.exports.conftest import MARKERS
from tests.exports.helpers import facts_for, open_pdf, pdf_fonts, pdf_text

pytestmark = pytest.mark.django_db


def squeezed(text: str) -> str:
    """Text without white space: a value wrapped in a narrow table cell is still found."""
    return "".join(text.split())


def stored_pdf(record) -> bytes:
    return storage.open_sealed(storage.read(record.storage_name), record_uuid=record.uuid)


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


@pytest.fixture
def dossier(full_case, cast):
    """Dave's (civil affairs) dossier of the full case, and its PDF as stored."""
    record = operations.dossier_generate(actor=cast.dave, case=full_case)
    return record, stored_pdf(record)


def test_dossier_holds_the_victims_chinese_name_and_every_section_civil_affairs_reads(dossier, full_case, cast):
    record, pdf = dossier
    text = squeezed(pdf_text(pdf))
    assert full_case.victim.full_name in text
    readable = casefile.shown_sections(cast.dave)
    assert list(record.sections) == [section.value for section in readable]
    for section in readable:
        assert zh(section.label) in text, section
    # A value of each kind of record is there, as the case file shows it.
    for marker in MARKERS.values():
        assert marker in text, marker
    assert full_case.victim.id_number in text
    assert full_case.victim.phone in text


def test_dossier_shows_nothing_of_a_section_the_generating_role_may_not_read(full_case, cast):
    # Only civil affairs may export dossiers, and it reads every section; the renderer is still
    # bound to the role it renders for. Rendered for Bob (education, referral accepted), the
    # dossier has the person and the sections he reads, and no value of any other section.
    rendered = render_dossier(facts_for(cast.bob, full_case))
    text = squeezed(pdf_text(rendered.pdf))
    assert full_case.victim.full_name in text
    shown = [section.value for section in casefile.shown_sections(cast.bob)]
    assert list(rendered.sections) == shown
    assert Section.IDENTITY.value not in shown and Section.RESCUE.value not in shown
    for hidden in (full_case.victim.id_number, full_case.victim.phone, *MARKERS.values()):
        assert hidden not in text, hidden
    payload = json.loads(read_attachment(rendered.pdf, rendered.attachment_name))
    assert set(payload["sections"]) == set(shown)
    assert full_case.victim.id_number not in json.dumps(payload, ensure_ascii=False)


def test_fonts_are_the_named_cjk_font_embedded_and_subset_never_type3(dossier):
    _record, pdf = dossier
    fonts = pdf_fonts(pdf)
    assert fonts, "the dossier names no font"
    expected = FONT_FAMILY.replace(" ", "-")
    for font in fonts:
        assert font["name"].split("+", 1)[1].startswith(expected), font  # no fontconfig fallback font
        assert font["emb"] == "yes" and font["sub"] == "yes" and font["uni"] == "yes", font
        assert "Type 3" not in font["type"], font
        assert font["type"].startswith("CID Type 0C"), font  # the OpenType CFF outlines of Noto Sans CJK
    with open_pdf(pdf) as document:
        descriptors = [
            font.DescendantFonts[0].FontDescriptor
            for page in document.pages
            for font in page.Resources.Font.values()
            if "/DescendantFonts" in font
        ]
        assert descriptors and all("/FontFile3" in descriptor for descriptor in descriptors)


def test_xmp_declares_pdfa3_and_carries_the_archival_facts(dossier, full_case):
    record, pdf = dossier
    assert pdf.startswith(b"%PDF-1.7")
    with open_pdf(pdf) as document:
        xmp = document.Root.Metadata.read_bytes()
        assert "/Filter" not in document.Root.Metadata  # readable as it is
        assert str(document.Root.Lang) == "zh-CN"
        assert document.Root.OutputIntents[0].S == "/GTS_PDFA1"
    facts = read_xmp_facts(xmp)
    assert facts["pdfaid:part"] == "3"
    assert facts["pdfaid:conformance"] == "U"  # every glyph maps to Unicode: 3u holds
    assert facts["ArchiveNumber"] == record.archive_number
    assert facts["CaseNumber"] == full_case.number
    assert facts["CaseVersion"] == str(record.case_version)
    assert facts["AttachmentSHA256"] == record.attachment_sha256
    assert facts["GeneratedBy"] == "dave"
    assert facts["RetentionPeriod"] == record.retention
    assert b"pdfaExtension:schemas" in xmp  # the custom properties are declared, as PDF/A requires


def test_the_attachment_round_trips_to_the_cases_json(dossier, full_case, cast):
    record, pdf = dossier
    name = f"{full_case.number}.json"
    attached = read_attachment(pdf, name)
    assert sha256_hexdigest(attached) == record.attachment_sha256
    payload = json.loads(attached)
    expected_sections = json.loads(json.dumps(casefile.case_sections(cast.dave, full_case), cls=DjangoJSONEncoder))
    assert payload["sections"] == expected_sections
    assert payload["archive_number"] == record.archive_number
    assert payload["case"]["number"] == full_case.number
    assert payload["case"]["version"] == record.case_version
    assert payload["case"]["opened_on"] == full_case.opened_on.isoformat()
    assert len(payload["history"]) == len(casefile.case_history(cast.dave, full_case))
    with open_pdf(pdf) as document:
        associated = list(document.Root.AF)
        assert len(associated) == 1  # WeasyPrint 70 lists it twice under pdf/a-3 (upstream #2917)
        spec = associated[0]
        assert spec.AFRelationship == "/Data"
        assert str(spec.UF) == name
        assert spec.EF.F.Subtype == "/application/json"
        assert list(document.attachments) == [name]


def test_every_page_carries_the_watermark_header_and_page_numbers(dossier, cast):
    record, pdf = dossier
    generated_at = timezone.localtime(record.generated_at).strftime("%Y-%m-%d %H:%M")
    watermark = zh("Generated by %(user)s at %(time)s") % {"user": "dave", "time": generated_at}
    assert record.page_count >= 2
    for page in range(1, record.page_count + 1):
        # pdftotext may break the rotated watermark into lines: compare without white space.
        text = squeezed(pdf_text(pdf, page=page, raw=True))
        assert squeezed(watermark) in text, page
        assert record.archive_number in text, page
        assert squeezed(zh("Page %(page)s of %(pages)s") % {"page": page, "pages": record.page_count}) in text, page


def test_the_cover_names_archive_case_classification_retention_organization_and_generator(dossier, full_case):
    record, pdf = dossier
    cover = squeezed(pdf_text(pdf, page=1))
    for value in (
        record.archive_number,
        full_case.number,
        record.get_classification_display(),
        record.get_retention_display(),
        "福州市民政局",
        "dave",
        timezone.localtime(record.generated_at).strftime("%Y-%m-%d %H:%M"),
        TEMPLATE_VERSION.rpartition("/")[2],  # "v2" on the page; the XMP keeps "dossier/v2"
    ):
        assert squeezed(value) in cover, value
    last = squeezed(pdf_text(pdf, page=record.page_count))
    assert squeezed(zh("Seal of the organization")) in last
    assert squeezed(zh("History summary")) in squeezed(pdf_text(pdf))


def test_english_dossier_says_so_in_its_language_tag(full_case, cast):
    record = operations.dossier_generate(actor=cast.dave, case=full_case, language="en")
    pdf = stored_pdf(record)
    with open_pdf(pdf) as document:
        assert str(document.Root.Lang) == "en"
    text = pdf_text(pdf)
    assert "Page 1 of" in pdf_text(pdf, page=1)
    assert full_case.victim.full_name in text  # Chinese text still set in the embedded CJK font
    assert "Person" in text


def test_a_character_no_font_has_makes_the_dossier_pdfa_3b_and_never_reaches_the_log(register, cast, caplog):
    unknown = "\U0010fffd"  # a private-use character: in no font, drawn as .notdef
    case = register(seed=42, address=f"云南省某村{unknown}号")
    with caplog.at_level("DEBUG"):
        record = operations.dossier_generate(actor=cast.dave, case=case)
    pdf = stored_pdf(record)
    with open_pdf(pdf) as document:
        facts = read_xmp_facts(document.Root.Metadata.read_bytes())
    assert facts["pdfaid:part"] == "3" and facts["pdfaid:conformance"] == "B"
    assert unknown not in caplog.text and "云南省某村" not in caplog.text
