"""Dossier template v2 is v1 and its additions, not a copy: its template extends v1's (adding a
row of the cover and the part of the case's documents) and its stylesheet holds only its own
rules, loaded after v1's."""

from __future__ import annotations

import re
from types import SimpleNamespace as N

import tinycss2
from django.template.loader import render_to_string
from django.utils import translation

from exports.dossier import render

V1 = "exports/dossier/v1/dossier.html"
V2 = "exports/dossier/v2/dossier.html"


def context() -> dict:
    case = N(number="FZ-1", jurisdiction=N(name="鼓楼区"), lead_organization=N(name="救助站"), version=3)
    row = N(label="姓名", value="<虚构>")
    return {
        "html_lang": "en",
        "title": "Dossier",
        "facts": N(
            archive_number="A-1",
            case=case,
            classification_label="c",
            retention_label="r",
            organization_name="o",
            template_version="dossier/v2",
        ),  # fmt: skip
        "generated_by": "dave",
        "generated_at": "2026-12-03",
        "person_name": "p",
        "section_list": "s",
        "attachment_name": "FZ-1.json",
        "parts": [N(key="person", number="一、", title="Person", blocks=[N(title="b", layout="facts", rows=[row])])],
        "documents": [
            N(
                name="FZ-1-A01.pdf",
                title="知情同意书",
                withdrawn=False,
                kind="k",
                section="s",
                date="d",
                size="1 KB",
                sha256="ab" * 32,
            )
        ],  # fmt: skip
        "timeline": [],
        "summary": N(total=0, rows=[]),
        "documents_number": "二、",
        "timeline_number": "三、",
        "history_number": "四、",
        "signatures_number": "五、",
    }


def test_v2_is_v1_with_the_documents_added():
    with translation.override("en"):
        v1, v2 = render_to_string(V1, context()), render_to_string(V2, context())
    assert "part-documents" not in v1 and "Attached documents" not in v1
    added_part = re.search(r'\n\n<section class="part" id="part-documents">.*?</section>', v2, flags=re.S)
    added_row = "\n    <tr><th>Attached documents</th><td>1</td></tr>"
    assert added_part and "FZ-1-A01.pdf" in added_part.group() and added_row in v2
    assert v2.replace(added_part.group(), "").replace(added_row, "") == v1
    source = (render.ASSETS.parent.parent / "templates" / V2).read_text(encoding="utf-8")
    assert source.startswith('{% extends "exports/dossier/v1/dossier.html" %}')


def selectors(css: str) -> set[str]:
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return {tinycss2.serialize(rule.prelude).strip() for rule in rules if rule.type in ("qualified-rule", "at-rule")}


def test_v2_stylesheet_holds_only_its_additions_after_v1():
    v1, v2 = (path.read_text(encoding="utf-8") for path in render.STYLESHEETS)
    assert render.STYLESHEETS[0].parent.name == "v1" and render.STYLESHEETS[1].parent.name == "v2"
    assert selectors(v2) and not selectors(v2) & selectors(v1)
    text = render.stylesheet_text()
    assert text.index(v1) < text.index(v2)
