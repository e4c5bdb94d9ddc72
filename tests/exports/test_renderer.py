"""The renderer's set-up: one font configuration per process, the named SC face, HarfBuzz
subsetting enforced, and the repair of WeasyPrint 70's doubled ``/AF`` entries."""

import io

import pikepdf
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from exports.dossier import fonts, pdfa
from exports.dossier.render import PDF_VARIANT, get_renderer
from tests.exports.helpers import open_pdf, tiny_pdf

HTML = '<html lang="zh-CN"><body><p>被拐卖受害人救助档案 第一页</p></body></html>'


def test_one_renderer_and_one_font_configuration_serve_every_dossier_of_a_process():
    renderer = get_renderer()
    assert get_renderer() is renderer
    before = sorted(path.name for path in renderer.font_config._folder.iterdir())
    assert len(before) == len(fonts.FACES)  # the two faces, written once, when the stylesheet was parsed
    for _ in range(2):
        renderer.render(HTML, language="zh-hans", attachment=b"{}", attachment_name="a.json", created=timezone.now())
    assert sorted(path.name for path in renderer.font_config._folder.iterdir()) == before


def test_the_face_taken_from_the_collection_is_the_simplified_chinese_one():
    from django.conf import settings
    from fontTools.ttLib import TTFont

    data = fonts.load_face(settings.EXPORTS_CJK_FONT_REGULAR, "NotoSansCJKsc-Regular")
    font = TTFont(io.BytesIO(data), lazy=True)
    assert font["name"].getDebugName(6) == "NotoSansCJKsc-Regular"
    assert font["OS/2"].ulCodePageRange1 & (1 << 18)  # GB 2312 (Simplified Chinese) code page


def test_a_missing_font_or_face_is_a_configuration_error_naming_the_package(tmp_path):
    from django.conf import settings

    with pytest.raises(ImproperlyConfigured, match="fonts-noto-cjk"):
        fonts.load_face(tmp_path / "absent.ttc", "NotoSansCJKsc-Regular")
    with pytest.raises(ImproperlyConfigured, match="holds no face"):
        fonts.load_face(settings.EXPORTS_CJK_FONT_REGULAR, "NotoSansCJKxx-Regular")


def test_start_up_refuses_a_weasyprint_without_harfbuzz_subsetting(monkeypatch):
    from weasyprint.text import ffi

    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    with pytest.raises(ImproperlyConfigured, match="libharfbuzz-subset0"):
        fonts.check_renderer_dependencies()


def test_a_fonttools_fallback_at_render_time_is_an_error_not_a_slow_dossier(monkeypatch):
    import weasyprint.pdf.fonts

    renderer = get_renderer()
    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    with pytest.raises(fonts.FontSubsettingFallback):
        renderer.render(HTML, language="zh-hans", attachment=b"{}", attachment_name="a.json", created=timezone.now())


def test_weasyprint_70_lists_the_attachment_twice_and_the_finish_repairs_it():
    from weasyprint import HTML as WeasyHTML
    from weasyprint import Attachment

    raw = WeasyHTML(string="<p>x</p>").write_pdf(
        pdf_variant=PDF_VARIANT, attachments=[Attachment(string="{}", name="a.json", relationship="Data")]
    )
    with open_pdf(raw) as document:
        entries = list(document.Root.AF)
        assert len(entries) == 2 and entries[0].objgen == entries[1].objgen  # upstream #2917
    finished = pdfa.finish(raw, facts={"ArchiveNumber": "X-D001"})
    with open_pdf(finished) as document:
        assert len(document.Root.AF) == 1
        assert document.Root.AF[0].AFRelationship == "/Data"
        assert list(document.attachments) == ["a.json"]
        assert pdfa.read_xmp_facts(document.Root.Metadata.read_bytes())["ArchiveNumber"] == "X-D001"


def test_dedupe_keeps_distinct_files_and_drops_only_repeats():
    document = pikepdf.open(io.BytesIO(tiny_pdf()))
    first = document.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F="a.json"))
    second = document.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F="b.json"))
    document.Root.AF = pikepdf.Array([first, second, first, second, first])
    assert pdfa.dedupe_associated_files(document) == 3
    assert [str(item.F) for item in document.Root.AF] == ["a.json", "b.json"]
    assert pdfa.dedupe_associated_files(document) == 0


def test_unknown_xmp_properties_are_refused():
    with pytest.raises(ValueError, match="unknown"):
        pdfa.archival_xmp(b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>', {"VictimName": "x"})
