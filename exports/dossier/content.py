"""What a dossier says: the case's readable sections and history, laid out for the template,
and the same data as the JSON attached to the PDF.

Everything comes from ``registry.casefile`` (``case_sections`` and ``case_history``) for the
generating user, so the policy (``registry.policy``) alone decides which sections a dossier
holds; a section another app declares appears with no change here. Each section is drawn from
its declaration (``registry.presentation.section_parts``): its own facts become a two-column
table of labelled values, each list of records a table (or, when records have many fields, one
small table per record), labelled and displayed by ``registry.presentation`` from the record's
own model — the same words the case file's pages use. The timeline is the pages' timeline.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone, translation

from exports.dossier import documents as dossier_documents
from registry import casefile, presentation
from registry.presentation import (
    Parts,
    Records,
    display,
    kind_title,
    label_of,
    labelled,
    model_field,
    names_of,
    section_parts,
)

# The version of the template (exports/templates/exports/dossier/v2/, exports/assets/dossier/v2/)
# recorded with every dossier; a new layout is a new version, old ones stay reproducible.
TEMPLATE_VERSION = "dossier/v2"  # v2: the case's documents listed and embedded (v1 stays as it was)
ATTACHMENT_FORMAT = "victim-registry-dossier"
ATTACHMENT_FORMAT_VERSION = 1
# Keys of records that identify rather than describe them: kept in the JSON, not printed.
_HIDDEN_KEYS = frozenset({"id", "version"})
# A list of records with more columns than this, or with a longer value, is printed as one small
# table per record instead of one table with a row per record.
MAX_TABLE_COLUMNS = 6
MAX_TABLE_CELL = 40
_CHINESE_NUMERALS = "零一二三四五六七八九十"


@dataclass(frozen=True)
class Receipt:
    """A form printed after the dossier for both sides to sign (a hand-over's receipt): its
    title, its ``(label, value)`` rows, and the labels of its blank signature and seal lines.
    Labels may be lazy: they are rendered in the dossier's language."""

    title: Any
    rows: tuple[tuple[Any, str], ...]
    signatures: tuple[Any, ...]


@dataclass(frozen=True)
class DossierFacts:
    """The archival facts of one dossier (cover page, header, XMP, JSON); ``sections`` limits
    it to those sections (of the ones the generating user reads), ``receipt`` ends it."""

    archive_number: str
    case: Any
    generated_by: Any
    generated_at: datetime.datetime
    organization_name: str
    language: str
    classification: str
    classification_label: str
    retention: str
    retention_label: str
    template_version: str
    sections: tuple[str, ...] | None = None
    receipt: Receipt | None = None


@dataclass
class DossierContent:
    sections: dict[str, Any]  # as case_sections built them (the JSON's "sections")
    history: list[dict]  # as case_history built it, newest first
    parts: list[dict] = field(default_factory=list)  # the template's view of the sections
    timeline: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    # The case's documents the reader sees (exports.dossier.documents), and their printed list.
    documents: list[dossier_documents.Document] = field(default_factory=list)
    document_rows: list[dict] = field(default_factory=list)

    @property
    def section_keys(self) -> list[str]:
        return list(self.sections)


# --- the parts of the dossier ------------------------------------------------------------------


def part_number(index: int, language: str) -> str:
    """``一、`` … in Chinese, ``1.`` in English."""
    if language != "zh-hans" or index > 99:
        return f"{index}."
    tens, units = divmod(index, 10)
    text = (
        (_CHINESE_NUMERALS[tens] if tens > 1 else "")
        + ("十" if tens else "")
        + (_CHINESE_NUMERALS[units] if units else "")
    )
    return f"{text}、"


def _cell(records: Records, key: str, value, names: dict[str, str]) -> str:
    """One value of a record; a nested list (a matter's activities) as its records' values."""
    child = next((kind for kind in records.kind.children if kind.key == key), None)
    if child is not None and isinstance(value, list):
        return "；".join(_child_text(child, item, records.kind.model, names) for item in value) or "—"
    return display(records.kind.model, key, value, names=names)


def _child_text(child, item: dict, parent, names: dict[str, str]) -> str:
    """A nested record's values, without the link back to the record it sits in (``parent``)."""
    return "，".join(
        labelled(label_of(child.model, name, child.labels), display(child.model, name, value, names=names))
        for name, value in item.items()
        if name not in _HIDDEN_KEYS and getattr(model_field(child.model, name), "related_model", None) is not parent
    )


def _column_label(kind, key: str) -> str:
    """A column's heading: a nested list's own title (活动记录), else the field's label."""
    child = next((child for child in kind.children if child.key == key), None)
    return kind_title(child) if child is not None else label_of(kind.model, key, kind.labels)


def _records_block(records: Records, title: str | None, names: dict[str, str]) -> dict:
    if not records.rows:
        return {"layout": "empty", "title": title}
    kind = records.kind
    columns = list(dict.fromkeys(key for row in records.rows for key in row if key not in _HIDDEN_KEYS))
    labels = [_column_label(kind, key) for key in columns]
    rows = [[_cell(records, key, row.get(key), names) for key in columns] for row in records.rows]
    if len(columns) <= MAX_TABLE_COLUMNS and all(len(cell) <= MAX_TABLE_CELL for row in rows for cell in row):
        return {"layout": "table", "title": title, "columns": labels, "rows": rows}
    return {
        "layout": "records",
        "title": title,
        "records": [
            {
                "number": position,
                "rows": [
                    {"label": column_label, "value": value} for column_label, value in zip(labels, row, strict=True)
                ],
            }
            for position, row in enumerate(rows, start=1)
        ],
    }


def _section_blocks(parts: Parts, names: dict[str, str]) -> list[dict]:
    declared = parts.declared
    blocks = []
    shown = {key: value for key, value in parts.facts.items() if key not in _HIDDEN_KEYS}
    if shown:
        models = declared.facts_models
        rows = [
            {
                "label": label_of(models, key, declared.facts_labels),
                "value": display(models, key, value, names=names),
            }
            for key, value in shown.items()
        ]
        blocks.append({"layout": "facts", "title": None, "rows": rows})
    titled = len(parts.records) > 1 or bool(shown)
    for records in parts.records:
        blocks.append(_records_block(records, records.title if titled else None, names))
    return blocks or [{"layout": "empty", "title": None}]


def _timeline(case, sections: dict[str, Any], history: list[dict]) -> list[dict]:
    """The pages' timeline (``registry.presentation.timeline``), oldest first, as the dossier
    prints it: when, what, who (by name) and why (a sentence), the sections, and each field
    changed from its old value to its new one."""
    return [
        {
            "when": f"{event['date']} {event['time']}" if event.get("time") else event["date"],
            "what": event["title"],
            "actor": event.get("actor") or ("—" if "time" in event else None),
            "sections": event.get("sections", ""),
            "changed": "；".join(event["details"]) if "time" in event else "",
            "reason": event.get("reason", ""),
        }
        for event in presentation.timeline(case, sections, history)
    ]


def _kind_label(kind: str) -> str:
    model = casefile.history_model(kind)
    return presentation.kind_label(model) if model is not None else kind


def _summary(history: list[dict]) -> dict:
    counts = Counter((entry["kind"], entry["action"]) for entry in history)
    kinds = list(dict.fromkeys(entry["kind"] for entry in reversed(history)))
    times = [timezone.localtime(entry["at"]) for entry in history]
    actors = {entry["actor"] for entry in history if entry["actor"]}
    return {
        "total": len(history),
        "first": min(times).strftime("%Y-%m-%d %H:%M") if times else "—",
        "last": max(times).strftime("%Y-%m-%d %H:%M") if times else "—",
        "actors": "、".join(sorted(presentation.user_names(actors).get(actor, actor) for actor in actors)) or "—",
        "rows": [
            {
                "kind": _kind_label(kind),
                "created": counts[(kind, "created")],
                "changed": counts[(kind, "changed")],
                "deleted": counts[(kind, "deleted")],
            }
            for kind in kinds
        ],
    }


def build(user, case, *, language: str, only=None) -> DossierContent:
    """The dossier's content for ``user`` (a case ``user`` may see, from ``case_for``), drawn in
    ``language``: only the sections the policy lets ``user`` read (narrowed to those in ``only``
    when given) in their current view (no record voided as entered by mistake; history keeps
    it), their history, and the documents filed under them. Narrowed, a change is kept
    only when every section it touches is among ``only``, and a document when its section is."""
    content = DossierContent(
        sections=casefile.case_sections(user, case, only=only, current=True),
        history=casefile.case_history(user, case),
        documents=dossier_documents.documents_of(user, case),
    )
    if only is not None:
        kept = set(content.sections)
        content.history = [entry for entry in content.history if set(entry["sections"]) <= kept]
        content.documents = [document for document in content.documents if document.attachment.section in kept]
    parts = [section_parts(casefile.declared(key), data) for key, data in content.sections.items()]
    names = names_of(parts)
    with translation.override(language):
        for index, part in enumerate(parts, start=1):
            content.parts.append(
                {
                    "key": part.declared.key,
                    "number": part_number(index, language),
                    "title": str(part.declared.section.label),
                    "blocks": _section_blocks(part, names),
                }
            )
        content.timeline = _timeline(case, content.sections, content.history)
        content.summary = _summary(content.history)
        content.document_rows = dossier_documents.rows(content.documents)
    return content


# --- the JSON attached to the PDF --------------------------------------------------------------


def attachment_payload(facts: DossierFacts, content: DossierContent) -> dict:
    """The machine-readable dossier: the same sections and history the PDF shows, and the case's
    and the dossier's metadata. Dates are ISO 8601."""
    case = facts.case
    return {
        "format": ATTACHMENT_FORMAT,
        "format_version": ATTACHMENT_FORMAT_VERSION,
        "archive_number": facts.archive_number,
        "template_version": facts.template_version,
        "language": facts.language,
        "classification": facts.classification,
        "retention": facts.retention,
        "generated_at": facts.generated_at,
        "generated_by": facts.generated_by.get_username(),
        "generating_organization": facts.organization_name,
        "case": {
            "id": str(case.uuid),
            "number": case.number,
            "stage": case.stage,
            "version": case.version,
            "jurisdiction": case.jurisdiction.code,
            "lead_organization": case.lead_organization.name,
            "opened_on": case.opened_on,
            "closed_on": case.closed_on,
        },
        "sections": content.sections,
        "history": content.history,
        "attachments": dossier_documents.payload(content.documents),
    }


def attachment_bytes(payload: dict) -> bytes:
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, indent=2).encode()
