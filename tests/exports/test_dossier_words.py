"""A Chinese dossier as an archive reads it (issue 18, item 8): tagged for screen readers
(a structure tree, marked content) and still PDF/A-3u; the signatures part kept whole with its
heading; the timeline naming people by name, saying why in a sentence and showing each change
from its old value to the new one."""

import re

import pikepdf
import pytest
import tinycss2
from django.utils import translation

from exports.dossier import render
from exports.dossier.pdfa import read_xmp_facts
from exports.dossier.render import render_dossier
from registry import presentation
from tests.exports.helpers import facts_for, open_pdf, pdf_text
from victims import operations
from victims.models import HealthAssessment

pytestmark = pytest.mark.django_db

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def squeezed(text: str) -> str:
    return "".join(text.split())


def zh(function, *args):
    with translation.override("zh-hans"):
        return function(*args)


def structure_types(document: pikepdf.Pdf) -> set[str]:
    """The structure types (/S) of the document's structure tree."""
    found, pending = set(), [document.Root.StructTreeRoot]
    while pending:
        node = pending.pop()
        if isinstance(node, pikepdf.Array):
            pending.extend(node)
        elif isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                found.add(str(node.S))
            if "/K" in node:
                pending.append(node.K)
    return found


def test_the_dossier_is_tagged_still_pdfa_3u_and_keeps_its_signatures_with_their_heading(full_case, cast):
    rendered = render_dossier(facts_for(cast.dave, full_case))

    with open_pdf(rendered.pdf) as document:
        assert "/StructTreeRoot" in document.Root
        assert bool(document.Root.MarkInfo.Marked) is True
        assert bool(document.Root.ViewerPreferences.DisplayDocTitle) is True
        assert {"/Document", "/H1", "/H2", "/Table", "/TR", "/TH", "/TD", "/P"} <= structure_types(document)
        assert str(document.Root.Lang) == "zh-CN"
        facts = read_xmp_facts(document.Root.Metadata.read_bytes())
    assert (facts["pdfaid:part"], facts["pdfaid:conformance"]) == ("3", "U")
    # The signatures part sits whole on the last page: heading, note and form.
    last = squeezed(pdf_text(rendered.pdf, page=rendered.page_count))
    for words in ("Signatures and seal", "Prepared by (signature)", "Received by the archives (signature)"):
        assert squeezed(zh(translation.gettext, words)) in last
    rules = tinycss2.parse_stylesheet(render.stylesheet_text(), skip_comments=True, skip_whitespace=True)
    kept = [
        rule
        for rule in rules
        if rule.type == "qualified-rule" and squeezed(tinycss2.serialize(rule.prelude)) == ".signatures"
    ]
    assert kept and "break-inside:avoid" in squeezed(tinycss2.serialize(kept[0].content))


def test_the_timeline_names_people_says_why_and_shows_changes_from_old_to_new(full_case, cast):
    cast.alice.last_name, cast.alice.first_name = "林", "晓燕"
    cast.alice.save()
    cast.dave.last_name, cast.dave.first_name = "陈", "建华"
    cast.dave.save()
    record = HealthAssessment.objects.get(case=full_case)
    operations.record_amend(
        actor=cast.alice, record=record, expected_version=record.version, changes={"assessor": "鼓楼医院"}
    )
    full_case.refresh_from_db()

    text = squeezed(pdf_text(render_dossier(facts_for(cast.dave, full_case)).pdf))

    label = zh(presentation.label_of, HealthAssessment, "assessor")
    assert squeezed(f"{label}：福州市第一医院→鼓楼医院") in text
    assert "林晓燕" in text and "陈建华" in text  # the actor, and the generating officer on the cover
    assert "alice" not in text and "dave" not in text
    assert zh(presentation.history_reason, "registration") in text
    assert squeezed(zh(presentation.history_reason, "referral accept")) in text
    assert not UUID.search(text)
