"""The renderer's set-up: one font configuration per thread and no lock between threads, the
named SC face, HarfBuzz subsetting enforced, the deadline checked between the stages, and the
repair of WeasyPrint 70's doubled ``/AF`` entries."""

import datetime
import io
import threading

import pikepdf
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from exports.dossier import fonts, pdfa
from exports.dossier.render import PDF_VARIANT, get_renderer
from exports.limits import Deadline, DossierTimedOut
from tests.exports.helpers import facts_for, open_pdf, tiny_pdf

HTML = '<html lang="zh-CN"><body><p>被拐卖受害人救助档案 第一页</p></body></html>'


def test_one_renderer_and_one_font_configuration_serve_every_dossier_of_a_thread():
    renderer = get_renderer()
    assert get_renderer() is renderer
    before = sorted(path.name for path in renderer.font_config._folder.iterdir())
    assert len(before) == len(fonts.FACES)  # the two faces, written once, when the stylesheet was parsed
    for _ in range(2):
        renderer.render(HTML, language="zh-hans", attachment=b"{}", attachment_name="a.json", created=timezone.now())
    assert sorted(path.name for path in renderer.font_config._folder.iterdir()) == before


def in_thread(function):
    """``function()``'s result, called in a new thread (re-raising what it raised)."""
    outcome = {}

    def call():
        try:
            outcome["value"] = function()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=call)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_each_thread_renders_with_its_own_renderer():
    mine = get_renderer()
    theirs = in_thread(get_renderer)
    assert theirs is not mine and theirs.font_config is not mine.font_config


def test_two_threads_lay_out_dossiers_at_the_same_time(monkeypatch):
    """No lock is held across a rendering: two layouts are under way at once, neither waiting for
    the other (with one renderer per process behind a lock, the second waited for the first)."""
    import weasyprint

    both_laying_out = threading.Barrier(2, timeout=20)
    real_html = weasyprint.HTML

    class LayoutMeetsTheOther(real_html):
        def render(self, *args, **kwargs):
            both_laying_out.wait()  # BrokenBarrierError unless the other thread gets here too
            return super().render(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", LayoutMeetsTheOther)

    def render():
        return get_renderer().render(
            HTML, language="zh-hans", attachment=b"{}", attachment_name="a.json", created=timezone.now()
        )

    results, errors = [], []

    def worker():
        try:
            results.append(render())
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert [raw.pages for raw in results] == [1, 1]
    assert all(raw.pdf.startswith(b"%PDF-") for raw in results)


class CountingDeadline(Deadline):
    """A deadline that passes at its ``passes_at``-th check (never if None), counting checks."""

    def __init__(self, passes_at=None):
        super().__init__(at=timezone.now() + datetime.timedelta(hours=1))
        object.__setattr__(self, "checks", 0)
        object.__setattr__(self, "passes_at", passes_at)

    def check(self) -> None:
        object.__setattr__(self, "checks", self.checks + 1)
        if self.checks == self.passes_at:
            raise DossierTimedOut


@pytest.mark.django_db
def test_the_rendering_checks_its_deadline_between_its_stages(full_case, cast):
    from exports.dossier.render import render_dossier

    facts = facts_for(cast.dave, full_case)
    counted = CountingDeadline()
    render_dossier(facts, deadline=counted)
    assert counted.checks >= 5  # before, after the content, after the HTML, after the layout, after the PDF
    renderer = get_renderer()
    before = renderer.renders
    # Past the deadline when the layout ends: the PDF is not written.
    with pytest.raises(DossierTimedOut):
        render_dossier(facts, deadline=CountingDeadline(passes_at=4))
    assert renderer.renders == before
    # Past it already: nothing is built.
    with pytest.raises(DossierTimedOut):
        render_dossier(facts, deadline=Deadline(at=timezone.now()))


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
