"""What a dossier says: the case's readable sections and history, laid out for the template,
and the same data as the JSON attached to the PDF.

Everything comes from ``victims.selectors.case_sections`` and ``case_history`` for the
generating user, so the policy (``registry.policy``) alone decides which sections a dossier
holds; a section another app registers later appears with no change here. Sections are drawn
generically: a mapping becomes a two-column table of labelled values, a list of records a table
(or, when records have many fields, one small table per record), nested lists their own tables.
Labels come from the ``verbose_name`` of the model field of that name among the models of the
section (``Model.section``), the person and the case, or from :data:`EXTRA_LABELS`.
"""

from __future__ import annotations

import datetime
import gettext as gettext_module
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import Jurisdiction, Organization
from registry.policy import Section
from victims import selectors
from victims.labels import KIND_LABELS
from victims.models import Case, Victim

# The version of the template (exports/templates/exports/dossier/v1/, exports/assets/dossier/v1/)
# recorded with every dossier; a new layout is a new version, old ones stay reproducible.
TEMPLATE_VERSION = "dossier/v1"
ATTACHMENT_FORMAT = "victim-registry-dossier"
ATTACHMENT_FORMAT_VERSION = 1
# Keys of records that identify rather than describe them: kept in the JSON, not printed.
_HIDDEN_KEYS = frozenset({"id", "version"})
# A list of records with more columns than this, or with a longer value, is printed as one small
# table per record instead of one table with a row per record.
MAX_TABLE_COLUMNS = 6
MAX_TABLE_CELL = 40

EXTRA_LABELS = {
    "case_number": gettext_lazy("Case number"),
    "stage": gettext_lazy("Stage"),
    "age": gettext_lazy("Age"),
    "aliases": gettext_lazy("Other names"),
    "nationality": gettext_lazy("Nationality"),
    "document_country": gettext_lazy("Issuing country"),
    "native_place_code": gettext_lazy("Native place"),
    "to_organization": gettext_lazy("Receiving organization"),
    "jurisdiction_code": gettext_lazy("Jurisdiction"),
    "households": gettext_lazy("Households"),
    "family_members": gettext_lazy("Family members and contacts"),
    "assessments": gettext_lazy("Health assessments"),
}
HISTORY_ACTIONS = {
    "created": gettext_lazy("Added"),
    "changed": gettext_lazy("Changed"),
    "deleted": gettext_lazy("Removed"),
}
_CHINESE_NUMERALS = "零一二三四五六七八九十"
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
_DIVISION_CODE = re.compile(r"^[0-9]{2}(?:[0-9]{2}(?:[0-9]{2})?)?$")


# --- what the generator knows of the case ------------------------------------------------------


@dataclass(frozen=True)
class DossierFacts:
    """The archival facts of one dossier (cover page, header, XMP, JSON)."""

    archive_number: str
    case: Case
    generated_by: Any
    generated_at: datetime.datetime
    organization_name: str
    language: str
    classification: str
    classification_label: str
    retention: str
    retention_label: str
    template_version: str


@dataclass
class DossierContent:
    sections: dict[str, Any]  # as case_sections built them (the JSON's "sections")
    history: list[dict]  # as case_history built it, newest first
    parts: list[dict] = field(default_factory=list)  # the template's view of the sections
    timeline: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    @property
    def section_keys(self) -> list[str]:
        return list(self.sections)


# --- labels and values -----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _concrete_models() -> tuple[type[models.Model], ...]:
    # Historical models (simple-history) are left out: they copy fields, not the class.
    return tuple(
        model
        for model in apps.get_models()
        if not model._meta.abstract and not hasattr(model, "instance_type") and model._meta.app_label != "registry"
    )


@lru_cache(maxsize=32)
def _section_models(section: str) -> tuple[type[models.Model], ...]:
    own = tuple(model for model in _concrete_models() if getattr(model, "section", None) == section)
    return (*own, Victim, Case)


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _best_model(section: str, keys) -> type[models.Model] | None:
    """The model of ``section`` having most of ``keys`` as fields (ties: the section's own first)."""
    keys = [key for key in keys if key not in _HIDDEN_KEYS]
    scored = [
        (sum(1 for key in keys if _field(model, key) is not None), -index, model)
        for index, model in enumerate(_section_models(section))
    ]
    score, _index, model = max(scored, key=lambda item: item[:2])
    return model if score else None


def _field_for(section: str, name: str, preferred=None):
    for model in (preferred, *_section_models(section)):
        if model is not None and (found := _field(model, name)) is not None:
            return found
    return None


def label(section: str, name: str, preferred=None) -> str:
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name])
    found = _field_for(section, name, preferred)
    if found is not None and getattr(found, "verbose_name", None):
        return str(capfirst(found.verbose_name))
    return capfirst(name.replace("_", " "))


@lru_cache(maxsize=8)
def _country_names(language: str):
    import pycountry

    locale = {"zh-hans": "zh_CN"}.get(language, language.replace("-", "_"))
    try:
        return gettext_module.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale]).gettext
    except OSError:
        return lambda name: name


def _country(code: str) -> str:
    import pycountry

    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return code
    return f"{code} {_country_names(translation.get_language() or 'en')(found.name)}"


class _Names:
    """Organization names (by UUID) and division names (by code) met while drawing the dossier,
    looked up once each."""

    def __init__(self) -> None:
        self._organizations: dict[str, str] = {}
        self._places: dict[str, str] = {}

    def organization(self, value: str) -> str:
        if value not in self._organizations:
            name = Organization.objects.filter(uuid=value).values_list("name", flat=True).first()
            self._organizations[value] = name or value
        return self._organizations[value]

    def place(self, code: str) -> str:
        if code not in self._places:
            name = Jurisdiction.objects.filter(code=code).values_list("name", flat=True).first()
            self._places[code] = f"{code} {name}" if name else code
        return self._places[code]


def display(section: str, name: str, value, names: _Names, preferred=None) -> str:
    """A value as the dossier prints it: choice labels, 是/否, ISO dates, local times, places,
    countries and organizations by name; ``—`` for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    found = _field_for(section, name, preferred)
    if found is not None and getattr(found, "choices", None):
        return str(dict(found.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(display(section, name, item, names, preferred) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{label(section, key)}: {display(section, key, item, names)}" for key, item in value.items())
    if isinstance(found, models.ForeignKey) and found.related_model is Organization:
        return names.organization(str(value))
    text = str(value)
    if name.endswith("_code") and _DIVISION_CODE.match(text):
        return names.place(text)
    if name in ("nationality", "document_country") and _COUNTRY_CODE.match(text):
        return _country(text)
    return text


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


def _records_block(section: str, title: str | None, records: list, names: _Names) -> dict:
    if not records:
        return {"layout": "empty", "title": title}
    if not all(isinstance(record, dict) for record in records):
        return {
            "layout": "facts",
            "title": None,
            "rows": [{"label": title or "", "value": display(section, "", records, names)}],
        }
    columns = list(dict.fromkeys(key for record in records for key in record if key not in _HIDDEN_KEYS))
    model = _best_model(section, columns)
    labels = [label(section, key, model) for key in columns]
    rows = [[display(section, key, record.get(key), names, model) for key in columns] for record in records]
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


def _list_label(section: str, key: str, records: list) -> str:
    """The heading of a list of records: a known label, else the plural name the records' model
    declares for itself, else the key."""
    if key in EXTRA_LABELS:
        return str(EXTRA_LABELS[key])
    keys = {name for record in records if isinstance(record, dict) for name in record}
    model = _best_model(section, keys) if keys else None
    if model is not None and "verbose_name_plural" in model._meta.original_attrs:
        return str(capfirst(model._meta.verbose_name_plural))
    return label(section, key)


def _section_blocks(section: str, data, names: _Names) -> list[dict]:
    if isinstance(data, dict):
        plain = {key: value for key, value in data.items() if not isinstance(value, list | dict)}
        blocks = []
        if plain:
            model = _best_model(section, plain)
            blocks.append(
                {
                    "layout": "facts",
                    "title": None,
                    "rows": [
                        {"label": label(section, key, model), "value": display(section, key, value, names, model)}
                        for key, value in plain.items()
                        if key not in _HIDDEN_KEYS
                    ],
                }
            )
        for key, value in data.items():
            if isinstance(value, list):
                blocks.append(_records_block(section, _list_label(section, key, value), value, names))
            elif isinstance(value, dict):
                blocks.extend(
                    {**block, "title": block.get("title") or label(section, key)}
                    for block in _section_blocks(section, value, names)
                )
        return blocks or [{"layout": "empty", "title": None}]
    if isinstance(data, list):
        return [_records_block(section, None, data, names)]
    return [{"layout": "facts", "title": None, "rows": [{"label": "", "value": display(section, "", data, names)}]}]


def _section_label(key: str) -> str:
    try:
        return str(Section(key).label)
    except ValueError:
        return capfirst(key.replace("_", " "))


@lru_cache(maxsize=1)
def _models_by_name() -> dict[str, type[models.Model]]:
    return {model._meta.model_name: model for model in _concrete_models()}


def _kind_label(kind: str) -> str:
    if kind in KIND_LABELS:
        return str(KIND_LABELS[kind])
    model = _models_by_name().get(kind)
    return str(capfirst(model._meta.verbose_name)) if model is not None else kind


def _timeline(case: Case, history: list[dict]) -> list[dict]:
    """The case's life in order: opened, every change the reader may see, closed."""
    entries = [{"sort": (case.opened_on, 0), "when": case.opened_on.isoformat(), "what": _("Case opened")}]
    for entry in reversed(history):  # case_history is newest first
        at = timezone.localtime(entry["at"])
        model = _models_by_name().get(entry["kind"])
        sections = entry["sections"]
        changed = ""
        if entry["action"] == "changed":
            changed = "、".join(label(sections[0] if sections else "person", name, model) for name in entry["changes"])
        entries.append(
            {
                "sort": (at.date(), 1),
                "when": at.strftime("%Y-%m-%d %H:%M"),
                "what": f"{HISTORY_ACTIONS.get(entry['action'], entry['action'])}: {_kind_label(entry['kind'])}",
                "actor": entry["actor"] or "—",
                "sections": "、".join(_section_label(key) for key in sections),
                "changed": changed,
                "reason": entry["reason"] or "",
            }
        )
    if case.closed_on:
        entries.append({"sort": (case.closed_on, 2), "when": case.closed_on.isoformat(), "what": _("Case closed")})
    entries.sort(key=lambda item: item["sort"])
    return entries


def _summary(history: list[dict]) -> dict:
    counts = Counter((entry["kind"], entry["action"]) for entry in history)
    kinds = list(dict.fromkeys(entry["kind"] for entry in reversed(history)))
    times = [timezone.localtime(entry["at"]) for entry in history]
    return {
        "total": len(history),
        "first": min(times).strftime("%Y-%m-%d %H:%M") if times else "—",
        "last": max(times).strftime("%Y-%m-%d %H:%M") if times else "—",
        "actors": "、".join(sorted({entry["actor"] for entry in history if entry["actor"]})) or "—",
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


def build(user, case: Case, *, language: str) -> DossierContent:
    """The dossier's content for ``user`` (a case ``user`` may see, from ``case_for``), drawn in
    ``language``: only the sections the policy lets ``user`` read, and their history."""
    content = DossierContent(
        sections=selectors.case_sections(user, case),
        history=selectors.case_history(user, case),
    )
    names = _Names()
    with translation.override(language):
        for index, (key, data) in enumerate(content.sections.items(), start=1):
            content.parts.append(
                {
                    "key": key,
                    "number": part_number(index, language),
                    "title": _section_label(key),
                    "blocks": _section_blocks(key, data, names),
                }
            )
        content.timeline = _timeline(case, content.history)
        content.summary = _summary(content.history)
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
    }


def attachment_bytes(payload: dict) -> bytes:
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, indent=2).encode()
