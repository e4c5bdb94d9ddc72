"""How the case file reads, in one place for every face of it — the pages and the dossiers
(the API answers raw values): labels, choice and country names, dates, masked numbers, the
names of organizations and places, the parts of a section as typed blocks, and the timeline.

Values come as the case file's sections and history hold them (``registry.casefile``); which
model a value belongs to comes from the section's declaration, never from guessing. Nothing here
reads a person's data beyond what the caller passes in.
"""

from __future__ import annotations

import datetime
import gettext as gettext_module
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pycountry
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import casefile, policy
from registry.casefile import CaseSection, RecordKind
from registry.models import Jurisdiction, Organization

# Labels of names that are no model field, or whose field's own name reads wrong in the file.
LABELS = {
    "case_number": gettext_lazy("Case number"),
    "stage": gettext_lazy("Stage"),
    "age": gettext_lazy("Age"),
    "aliases": gettext_lazy("Other names"),
    "nationality": gettext_lazy("Nationality"),
    "document_country": gettext_lazy("Issuing country"),
    "native_place_code": gettext_lazy("Native place"),
    "to_organization": gettext_lazy("Receiving organization"),
    "jurisdiction_code": gettext_lazy("Jurisdiction"),
}
HISTORY_ACTIONS = {
    "created": gettext_lazy("Added: %(kind)s"),
    "changed": gettext_lazy("Changed: %(kind)s"),
    "deleted": gettext_lazy("Removed: %(kind)s"),
}
_COUNTRY_FIELDS = frozenset({"nationality", "document_country", "destination_country"})
_DIVISION_CODE = re.compile(r"^[0-9]{2}(?:[0-9]{2}(?:[0-9]{2})?)?$")
Models = type[models.Model] | tuple[type[models.Model], ...] | None


def _candidates(models_: Models) -> tuple[type[models.Model], ...]:
    if models_ is None:
        return ()
    return models_ if isinstance(models_, tuple) else (models_,)


def model_field(models_: Models, name: str):
    """The field ``name`` of the first of ``models_`` that has one, or None."""
    for model in _candidates(models_):
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def label_of(models_: Models, name: str, extra: Mapping[str, Any] | None = None) -> str:
    """The label of ``name``: from ``extra`` (a declaration's labels), :data:`LABELS`, the field's
    verbose name, or the name itself."""
    if extra and name in extra:
        return str(extra[name])
    if name in LABELS:
        return str(LABELS[name])
    found = model_field(models_, name)
    if found is not None and getattr(found, "verbose_name", None):
        return str(capfirst(found.verbose_name))
    return capfirst(name.replace("_", " "))


def kind_label(model) -> str:
    """One record of ``model``'s name ("DNA sample"): its declaration's, or the model's."""
    try:
        declared = casefile.kind_of(model).label
    except KeyError:
        declared = None
    if declared is not None:
        return str(declared)
    if model._meta.model_name == "case":
        return _("Case")
    if model._meta.model_name == "victim":
        return _("Personal details")
    return str(capfirst(model._meta.verbose_name))


def kind_title(kind: RecordKind) -> str:
    """The heading of a list of ``kind``'s records."""
    if kind.title is not None:
        return str(kind.title)
    return str(capfirst(kind.model._meta.verbose_name_plural))


@lru_cache(maxsize=8)
def _country_names(language: str):
    locale = {"zh-hans": "zh_CN"}.get(language, language.replace("-", "_"))
    try:
        return gettext_module.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale]).gettext
    except OSError:
        return lambda name: name


def country(code: str | None) -> str:
    """``VN 越南``: the code and its name in the page's language."""
    if not code:
        return "—"
    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return code
    return f"{code} {_country_names(translation.get_language() or 'en')(found.name)}"


def display(models_: Models, name: str, value, *, names: Mapping[str, str] | None = None) -> str:
    """A value as the file prints it: choice labels, 是/否, ISO dates, local times, country
    names, and — through ``names`` (:func:`names_of`) — organizations and places by name;
    ``—`` for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, list | tuple):  # several values (of one choice field, or a list)
        return "、".join(display(models_, name, item, names=names) for item in value)
    found = model_field(models_, name)
    if found is not None and getattr(found, "choices", None):
        return str(dict(found.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "；".join(
            f"{label_of(models_, key)}: {display(models_, key, item, names=names)}" for key, item in value.items()
        )
    if names and str(value) in names:
        return names[str(value)]
    if name in _COUNTRY_FIELDS:
        return country(value)
    return str(value)


def facts(
    models_: Models, data: Mapping, field_names: Iterable[str], *, names=None, labels=None
) -> list[dict[str, str]]:
    """``[{name, label, value}]`` for a definition list (the names ``data`` holds)."""
    return [
        {
            "name": name,
            "label": label_of(models_, name, labels),
            "value": display(models_, name, data.get(name), names=names),
        }
        for name in field_names
        if name in data
    ]


def mask_id_number(number: str | None) -> str:
    """``3501**********123X``: the first and last four characters of a long number, the last two
    of a short one; the rest starred. Enough to tell two people apart, not to use the number."""
    if not number:
        return "—"
    if len(number) >= 12:
        return number[:4] + "*" * (len(number) - 8) + number[-4:]
    return "*" * max(len(number) - 2, 2) + number[-2:]


def place_names(codes: Iterable[str]) -> dict[str, str]:
    """``{"350102": "350102 鼓楼区"}`` for each division code (one query)."""
    codes = {code for code in codes if code}
    found = dict(Jurisdiction.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    return {code: f"{code} {found[code]}" if code in found else code for code in codes}


def organization_names(uuids: Iterable[str]) -> dict[str, str]:
    """``{uuid: name}`` for each organization (one query)."""
    uuids = {str(value) for value in uuids if value}
    if not uuids:
        return {}
    return {str(key): name for key, name in Organization.objects.filter(uuid__in=uuids).values_list("uuid", "name")}


def case_url(case, tab: str | None = None) -> str:
    """The case file page of ``case`` (on ``tab``)."""
    url = reverse("victims:case", args=[case.uuid])
    return f"{url}?tab={tab}" if tab else url


# --- a section as typed blocks ---------------------------------------------------------------


@dataclass(frozen=True)
class Records:
    """A list of records of one kind, as a section holds them."""

    kind: RecordKind
    rows: list[dict[str, Any]]

    @property
    def title(self) -> str:
        return kind_title(self.kind)


@dataclass(frozen=True)
class Parts:
    """A section's content split by its declaration: its own facts, then each list of records."""

    declared: CaseSection
    facts: dict[str, Any]
    records: list[Records]


def section_parts(declared: CaseSection, data) -> Parts:
    """``data`` (as ``casefile`` built it for ``declared``) split into typed parts."""
    if isinstance(data, list):
        return Parts(declared, {}, [Records(declared.records[0], data)])
    lists = {kind.key for kind in declared.records}
    own = {key: value for key, value in data.items() if key not in lists}
    return Parts(declared, own, [Records(kind, list(data.get(kind.key, []))) for kind in declared.records])


def _names_wanted(models_: Models, row: Mapping[str, Any], organizations: set, places: set) -> None:
    for name, value in row.items():
        if not value or isinstance(value, dict | bool):
            continue
        found = model_field(models_, name)
        if isinstance(value, list):  # the organizations of a many-to-many field (those present at a meeting)
            if isinstance(found, models.ManyToManyField) and found.related_model is Organization:
                organizations.update(str(item) for item in value)
            continue
        if isinstance(found, models.ForeignKey) and found.related_model is Organization:
            organizations.add(str(value))
        elif name.endswith("_code") and _DIVISION_CODE.match(str(value)):
            places.add(str(value))


def names_of(parts: Iterable[Parts]) -> dict[str, str]:
    """The names of the organizations (by UUID) and places (by code) that ``parts`` mention: two
    queries at most, however many records."""
    organizations: set[str] = set()
    places: set[str] = set()
    for part in parts:
        _names_wanted(part.declared.facts_models, part.facts, organizations, places)
        pending = list(part.records)
        while pending:
            records = pending.pop()
            for row in records.rows:
                _names_wanted(records.kind.model, row, organizations, places)
                pending.extend(Records(child, row.get(child.key) or []) for child in records.kind.children)
    return {**place_names(places), **organization_names(organizations)}


# --- the timeline ----------------------------------------------------------------------------


def timeline(case, sections: Mapping[str, Any], history: list[dict]) -> list[dict]:
    """The case's life, oldest first: opened, the dates its records carry (rescued on, consent
    given …), every change in ``history`` (``casefile.case_history``, for one reader), closed.

    ``sections`` is what ``casefile.case_sections`` gave the same reader. Each event has ``date``
    (and ``time`` for changes), ``title``, and for changes ``actor``, ``reason``, ``sections``
    (their labels), ``changed`` (the labels of the fields changed) and ``details`` (``label:
    value`` for each change)."""
    events = [_event(case.opened_on, datetime.time.min, _("Case opened"))]
    for key, data in sections.items():
        declared = casefile.declared(key)
        for records in section_parts(declared, data).records:
            for name, title in records.kind.dates:
                for row in records.rows:
                    if row.get(name):
                        details = [display(records.kind.model, "service", row["service"])] if "service" in row else []
                        heading = title(row) if callable(title) else title
                        events.append(_event(row[name], datetime.time.min, str(heading), details=details))
    names: dict[str, str] = {}
    organizations = {
        str(entry["changes"]["to_organization"])
        for entry in history
        if entry["action"] == "changed" and entry["changes"].get("to_organization")
    }
    if organizations:
        names = organization_names(organizations)
    for entry in history:
        model = casefile.history_model(entry["kind"])
        if model is None:
            continue
        at = timezone.localtime(entry["at"])
        changed = entry["changes"] if entry["action"] == "changed" else {}
        extra = _declared_labels(model)
        events.append(
            {
                **_event(at.date(), at.time(), str(HISTORY_ACTIONS[entry["action"]]) % {"kind": kind_label(model)}),
                "time": at.strftime("%H:%M"),
                "actor": entry["actor"],
                "reason": entry["reason"] or "",
                "sections": "、".join(_section_label(key) for key in entry["sections"]),
                "changed": "、".join(label_of(model, name, extra) for name in changed),
                "details": [
                    f"{label_of(model, name, extra)}: {display(model, name, value, names=names)}"
                    for name, value in changed.items()
                ],
            }
        )
    if case.closed_on:
        events.append(_event(case.closed_on, datetime.time.max, _("Case closed")))
    events.sort(key=lambda event: event["sort"])
    return events


def _event(day: datetime.date, time: datetime.time, title: str, *, details=()) -> dict:
    return {"sort": (day, time), "date": day.isoformat(), "title": title, "details": list(details)}


def _declared_labels(model) -> dict:
    try:
        return casefile.kind_of(model).labels
    except KeyError:
        return {}


def _section_label(key: str) -> str:
    try:
        return str(policy.section_named(key).label)
    except ValueError:
        return capfirst(key.replace("_", " "))
