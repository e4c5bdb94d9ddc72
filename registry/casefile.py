"""The case file: one declarative registry of its sections, which every app fills the same way.

A section is declared once, by the app that owns it, as a :class:`CaseSection`: its key (a row
of ``registry.policy``), the kinds of record it lists (:class:`RecordKind`: model, fields shown,
how a row becomes a dict, which related rows come in the same query, order, how a reader's rows
are narrowed, the fields its history shows, the dates the timeline shows, its tab's layout and
form), the person's own values it shows, the history of those values, its page tab, the checks
that refuse closing a case, and its dashboard panels. Each app registers its sections from its
``AppConfig.ready`` by explicit import (``victims/sections.py``, ``services/sections.py``,
``legal_aid/sections.py``); registration is refused once the apps are loaded.

Everything that shows a case reads this registry, and nothing else: the API's case detail and
history, the case file's tabs and timeline, dossiers and dashboards. The reads here go through
the policy: a section the user's role may not read is never built (so its values are never
decrypted), and history shows only fields of readable sections. The caller passes a case it got
through the one scoped path (``victims.selectors.case_for``) and logs what it shows. The
records of every kind the sections list are read in one query however many kinds there are
(:func:`kinds_records`: each kind's query as :meth:`RecordKind.queryset` makes it, sent
together by ``registry.union``); a section that builds its content itself reads its own.

Views and panels are named by dotted path (``"services.views.tabs.shelter_tab"``) so that a
declaration imports models and operations only, never views: the views may then read the
declarations without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.module_loading import import_string

from registry import policy
from registry.operations import has_void_fields
from registry.union import union_rows

Builder = Callable[[Any, Any], Any]  # (case, user) -> a section's content
Narrow = Callable[[Any, models.QuerySet], models.QuerySet]  # (user, rows) -> the reader's rows


def void_mark(record) -> dict[str, Any]:
    """What a record voided as entered by mistake carries besides its fields: ``voided_at``
    (ISO 8601) and ``void_reason``; nothing for a record in force. The case file shows it
    greyed with the reason; :func:`case_sections` leaves it out of the current view."""
    if getattr(record, "voided_at", None) is None:
        return {}
    return {"voided_at": record.voided_at.isoformat(), "void_reason": record.void_reason}


def record_dict(record, fields: Iterable[str]) -> dict[str, Any]:
    """A record as the API, the case file and dossiers show it: ``id``, ``version`` and
    ``fields``, related rows by their UUID (and :func:`void_mark` when it is voided)."""
    data = {"id": str(record.uuid), "version": record.version}
    for name in fields:
        value = getattr(record, name)
        data[name] = str(value.uuid) if hasattr(value, "uuid") else value
    data.update(void_mark(record))
    return data


def is_voided(record: dict[str, Any]) -> bool:
    """Whether a record as its section shows it (:func:`record_dict`) was voided."""
    return "voided_at" in record


def _current(content: Any) -> Any:
    """``content`` (a section's, or part of it) without the voided records at any depth."""
    if isinstance(content, list):
        return [_current(item) for item in content if not (isinstance(item, dict) and is_voided(item))]
    if isinstance(content, dict):
        return {key: _current(value) for key, value in content.items()}
    return content


def by_key(rows, *names: str) -> list:
    """The rows of one case, sorted by ``names`` here rather than by the database: a case holds
    a handful of records of a kind, and an ORDER BY costs the ORM more than sorting them (it
    hashes every selected column to match ORDER BY terms against them)."""
    return sorted(rows, key=attrgetter(*names))


@dataclass(frozen=True)
class RecordKind:
    """One kind of record a section lists."""

    model: type[models.Model]
    fields: tuple[str, ...]  # shown, in order (API, tab, dossier); the input fields of generic forms
    key: str | None = None  # where the list sits in the section's dict; None: the section is the list
    to_dict: Callable[[Any], dict] | None = None  # default: record_dict(row, fields)
    related: tuple[str, ...] | None = None  # rows fetched in the same query; default: the foreign keys shown
    order: tuple[str, ...] = ("pk",)
    narrow: Narrow | None = None  # a reader's records and history rows within the case
    history_fields: tuple[str, ...] | None = None  # default: fields
    dates: tuple[tuple[str, Any], ...] = ()  # (field, title or title(row)): events of the timeline
    label: Any = None  # one record's name ("DNA sample"); default: the model's verbose name
    title: Any = None  # the list's heading; default: the model's plural verbose name
    layout: str = "cards"  # on the tab: "cards" or "table"
    form: str | None = None  # the URL name of the case file's generic record form, if it has one
    children: tuple[RecordKind, ...] = ()  # lists nested in each record (a matter's activities)
    labels: dict[str, Any] = field(default_factory=dict)  # labels of keys that are no model field
    # The readable words of the values of keys that are no model field ({"status": {"overdue": …}}).
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def shown_history_fields(self) -> tuple[str, ...]:
        return self.fields if self.history_fields is None else self.history_fields

    def as_dict(self, row) -> dict[str, Any]:
        if self.to_dict is None:
            return record_dict(row, self.fields)
        return {**self.to_dict(row), **void_mark(row)}

    def queryset(self, case, user) -> models.QuerySet:
        """The rows of this kind on ``case`` that ``user`` sees, unordered (:meth:`rows` sorts)."""
        rows = self.model.objects.filter(case=case).order_by()
        related = self.related
        if related is None:
            related = tuple(name for name in self.fields if self.model._meta.get_field(name).many_to_one)
        if related:  # select_related() with no names would follow every foreign key, the case's too
            rows = rows.select_related(*related)
        if self.narrow is not None:
            rows = self.narrow(user, rows)
        return rows

    def rows(self, case, user) -> list:
        """The rows of this kind on ``case`` that ``user`` sees, in order — one query."""
        return by_key(self.queryset(case, user), *self.order)

    def records(self, case, user, rows: list | None = None) -> list[dict[str, Any]]:
        """The records of this kind on ``case`` that ``user`` sees, in order: of ``rows`` (this
        kind's rows as :meth:`queryset` reads them, e.g. by :func:`kinds_records`) when given."""
        rows = self.rows(case, user) if rows is None else by_key(rows, *self.order)
        return [self.as_dict(row) for row in rows]


def kinds_records(kinds: Iterable[RecordKind], case, user) -> dict[int, list[dict[str, Any]]]:
    """The records of each of ``kinds`` on ``case`` that ``user`` sees, by ``id(kind)``: what
    :meth:`RecordKind.records` gives, read in one query however many kinds there are
    (``registry.union``: each kind's own narrowing and related rows, one UNION ALL)."""
    kinds = list(kinds)
    found = union_rows([kind.queryset(case, user) for kind in kinds])
    return {id(kind): kind.records(case, user, rows) for kind, rows in zip(kinds, found, strict=True)}


@dataclass(frozen=True)
class HistorySource:
    """Changes of a row the case owns that is not one of its records (the case itself, the
    person): ``rows(case)`` are its history rows, ``fields`` those the section shows."""

    model: type[models.Model]
    fields: tuple[str, ...]
    rows: Callable[[Any], models.QuerySet]


@dataclass(frozen=True)
class Panel:
    """A dashboard panel: ``context(request)`` (dotted path; it reads through the selectors and
    logs what it lists) fills ``template`` as ``work``, for the roles named."""

    template: str
    context: str
    roles: frozenset


@dataclass(frozen=True)
class CaseSection:
    """One section of the case file, as its app declares it."""

    key: str  # a section of registry.policy
    records: tuple[RecordKind, ...] = ()
    facts: Builder | None = None  # the section's own values (the person's fields), a dict
    facts_models: tuple[type[models.Model], ...] = ()  # whose fields name and display the facts
    facts_labels: dict[str, Any] = field(default_factory=dict)  # labels of facts that are no model field
    build: Builder | None = None  # the whole content, when facts and records do not describe it
    history: tuple[HistorySource, ...] = ()
    tab: str | None = None  # dotted path of view(request, case, data) -> (template, context)
    close_checks: tuple[Callable[[Any], None], ...] = ()
    panels: tuple[Panel, ...] = ()

    @property
    def section(self):
        return policy.section_named(self.key)

    @property
    def listed_kinds(self) -> tuple[RecordKind, ...]:
        """The kinds whose records :meth:`content` lists itself (none when ``build`` does)."""
        return () if self.build is not None else self.records

    def content(self, case, user, records: dict[int, list[dict[str, Any]]] | None = None) -> Any:
        """The section's content for ``user``: the facts and each kind's list in a dict, or the
        list alone when the section is one list. ``records`` holds the lists of its kinds
        already read (:func:`kinds_records`); without it, they are read here, in one query."""
        if self.build is not None:
            return self.build(case, user)
        if records is None:
            records = kinds_records(self.records, case, user)
        if self.facts is None and len(self.records) == 1 and self.records[0].key is None:
            return records[id(self.records[0])]
        data = dict(self.facts(case, user)) if self.facts is not None else {}
        for kind in self.records:
            data[kind.key] = records[id(kind)]
        return data


# --- the registry ----------------------------------------------------------------------------

_SECTIONS: dict[str, CaseSection] = {}
_CASE_LINKS: list[Callable[[Any, Any], list[dict[str, str]]]] = []
_TAB_PARTS: list[str] = []  # dotted paths of view(request, case, section) -> (template, context) | None
_HEADER_PARTS: list[str] = []  # dotted paths of view(request, case) -> (template, context) | None
_CASE: dict[str, Any] = {}  # the case model and its one scoped lookup
# Changes of rows that are no section's records, a section per row (attachments): see register_history.
HistoryProvider = Callable[[Any, Any], list[tuple[dict[str, Any], Any]]]
_HISTORY_PROVIDERS: dict[type[models.Model], HistoryProvider] = {}


def _refuse_after_start_up() -> None:
    if apps.ready:
        raise RuntimeError("The case file is declared while the apps load, from AppConfig.ready.")


def register(*sections: CaseSection) -> None:
    """Declare sections of the case file (from an app's ``AppConfig.ready``)."""
    _refuse_after_start_up()
    for declared in sections:
        key = policy.section_named(declared.key)  # a section the policy has a row for
        if key in _SECTIONS:
            raise ValueError(f"Section {key} is declared twice.")
        _SECTIONS[key] = declared
    _kinds.cache_clear()


def register_case(*, model: type[models.Model], lookup: Callable[[Any, Any], Any]) -> None:
    """Name the model of a case and its one scoped lookup, ``lookup(user, case_id)`` — the case
    if ``user`` may see it, ``registry.errors.NotFound`` otherwise (the victims app)."""
    _refuse_after_start_up()
    if _CASE:
        raise ValueError("The case model is registered already.")
    _CASE.update(model=model, lookup=lookup)


def case_model() -> type[models.Model]:
    return _CASE["model"]


def case_for(user, case_id):
    """The case ``case_id`` if ``user`` may see it; ``registry.errors.NotFound`` otherwise."""
    return _CASE["lookup"](user, case_id)


def register_case_links(provider: Callable[[Any, Any], list[dict[str, str]]]) -> None:
    """Links in the case header: ``provider(user, case)`` returns dicts with ``id``, ``label`` and
    ``url``, deciding from the policy whether the user gets any (e.g. the case's dossiers)."""
    _refuse_after_start_up()
    _CASE_LINKS.append(provider)


def register_history(model: type[models.Model], provider: HistoryProvider) -> None:
    """Show the changes of ``model``'s rows in the case's history and timeline, when its rows
    are no section's records and each row has a section of its own (attachments):
    ``provider(user, case)`` gives ``({field: section}, history rows)`` pairs — the fields shown
    and the section each belongs to, and the history rows of what ``user`` sees through the
    model's scoped path, already narrowed."""
    _refuse_after_start_up()
    _HISTORY_PROVIDERS[model] = provider


def sections() -> tuple[CaseSection, ...]:
    """Every declared section, in the policy's order."""
    return tuple(_SECTIONS[key] for key in policy.all_sections() if key in _SECTIONS)


def declared(key) -> CaseSection:
    """The declaration of section ``key``; KeyError when no app declares it."""
    return _SECTIONS[policy.section_named(key)]


@cache
def _kinds() -> dict[type, RecordKind]:
    found = {}
    for declared_section in _SECTIONS.values():
        pending = list(declared_section.records)
        while pending:
            kind = pending.pop(0)
            found[kind.model] = kind
            pending.extend(kind.children)
    return found


def kind_of(model) -> RecordKind:
    """How records of ``model`` are shown; KeyError for a model no section lists."""
    return _kinds()[model]


def kind_named(name: str) -> RecordKind:
    """The kind of record whose model is called ``name`` (``"rescue"``, ``"shelterplacement"``:
    the model name, as history entries name it); KeyError for no kind of the case file."""
    for model, kind in _kinds().items():
        if model._meta.model_name == name:
            return kind
    raise KeyError(name)


def section_of_kind(model) -> CaseSection:
    """The section whose records (or their nested lists) include ``model``."""
    for declared_section in sections():
        pending = list(declared_section.records)
        while pending:
            kind = pending.pop(0)
            if kind.model is model:
                return declared_section
            pending.extend(kind.children)
    raise KeyError(model)


def record_data(record) -> dict[str, Any]:
    """One record as its section shows it."""
    return kind_of(type(record)).as_dict(record)


# --- reading a case --------------------------------------------------------------------------


def shown_sections(user) -> tuple:
    """The sections a case file shows ``user``: readable by the role and declared by some app."""
    return tuple(key for key in policy.readable_sections(user) if key in _SECTIONS)


def section_data(user, case, key) -> Any:
    """One section of ``case`` for ``user``; KeyError when the role may not read it or no app
    declares it (callers answer 404)."""
    key = policy.section_named(key)
    if key not in shown_sections(user):
        raise KeyError(key)
    return _SECTIONS[key].content(case, user)


def case_sections(user, case, only=None, *, current: bool = False) -> dict[str, Any]:
    """One entry per section ``user`` may read, in the policy's order (narrowed to the sections
    in ``only`` when given); nothing else is built, so nothing else is decrypted. ``current``
    leaves out the records voided as entered by mistake (a dossier's current view, the
    timeline's events); without it they are there, marked (:func:`void_mark`)."""
    wanted = shown_sections(user)
    if only is not None:
        only = {policy.section_named(key) for key in only}
        wanted = tuple(key for key in wanted if key in only)
    # The records of every kind the sections list, in one query (not one per kind).
    records = kinds_records((kind for key in wanted for kind in _SECTIONS[key].listed_kinds), case, user)
    built = {key.value: _SECTIONS[key].content(case, user, records) for key in wanted}
    return _current(built) if current else built


def case_records(user, case, model) -> list[dict[str, Any]]:
    """The records of kind ``model`` on ``case`` as ``user``'s section shows them; KeyError when
    the role may not read the kind's section."""
    if section_of_kind(model).section not in shown_sections(user):
        raise KeyError(model)
    return kind_of(model).records(case, user)


_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _history_sources(user, case) -> list[tuple[type, dict[str, Any], Any]]:
    """``(model, {field: section}, history rows)`` for every model whose changes ``user`` may
    see on ``case``: one entry per model, however many sections show its fields — and, after
    them, the pairs each ``register_history`` provider gives (one per section of its rows)."""
    readable = set(shown_sections(user))
    found: dict[type, tuple[dict[str, Any], Any]] = {}
    for declared_section in sections():
        key = declared_section.section
        if key not in readable:
            continue
        for source in declared_section.history:
            fields, _rows = found.setdefault(source.model, ({}, source.rows(case)))
            fields.update(dict.fromkeys(source.fields, key))
        pending = list(declared_section.records)
        while pending:
            kind = pending.pop(0)
            pending.extend(kind.children)
            if kind.model in found:
                continue
            rows = kind.model.history.filter(case_id=case.pk)
            if kind.narrow is not None:
                rows = kind.narrow(user, rows)
            found[kind.model] = (dict.fromkeys((*kind.shown_history_fields, *_void_fields(kind.model)), key), rows)
    provided = [
        (model, fields, rows) for model, provider in _HISTORY_PROVIDERS.items() for fields, rows in provider(user, case)
    ]
    return [(model, fields, rows) for model, (fields, rows) in found.items()] + provided


VOID_FIELDS = ("voided_at", "void_reason")


def _void_fields(model) -> tuple[str, ...]:
    """The fields of a record's voiding its history shows (when and why; who is the change's
    actor), for a kind that may be voided; a record's creation never shows them (empty)."""
    return VOID_FIELDS if has_void_fields(model) else ()


def _history_entries(model, sections_of: dict[str, Any], rows) -> list[dict]:
    entries, previous = [], {}
    # The acting user and the related rows shown come in the same query (one per model).
    related = [name for name in sections_of if rows.model._meta.get_field(name).many_to_one]
    for row in rows.select_related("history_user", *related).order_by("history_date", "history_id"):
        before = previous.get(row.id)
        changes = {
            name: getattr(row, name)
            for name in sections_of
            if (getattr(before, name) != getattr(row, name) if before is not None else name not in VOID_FIELDS)
        }
        previous[row.id] = row
        if not changes and row.history_type == "~":
            continue
        entries.append(
            {
                "at": row.history_date,
                "actor": row.history_user.username if row.history_user_id else None,
                "reason": row.history_change_reason,
                "kind": model._meta.model_name,
                "record": str(row.uuid),
                "action": _HISTORY_TYPES[row.history_type],
                "sections": sorted({sections_of[name].value for name in changes}),
                "changes": {
                    name: str(value.uuid) if hasattr(value, "uuid") else value for name, value in changes.items()
                },
            }
        )
    return entries


def case_history(user, case) -> list[dict]:
    """The changes of the case, its person, its records and the rows of ``register_history``,
    newest first, showing only fields of sections ``user`` may read (a change touching none of
    them is left out) and only the rows a kind's ``narrow`` (a provider's scoped path) leaves
    the reader. One query per model (per section for a provider)."""
    entries = []
    for model, fields, rows in _history_sources(user, case):
        entries += _history_entries(model, fields, rows)
    return sorted(entries, key=lambda entry: entry["at"], reverse=True)


def history_model(kind: str):
    """The model a history entry of ``kind`` (a model name) is about, or None."""
    for declared_section in sections():
        for source in declared_section.history:
            if source.model._meta.model_name == kind:
                return source.model
    return next((model for model in (*_kinds(), *_HISTORY_PROVIDERS) if model._meta.model_name == kind), None)


# --- closing, tabs, panels, links ------------------------------------------------------------


def close_checks() -> tuple[Callable[[Any], None], ...]:
    """Every check that may refuse closing a case: ``check(case)`` runs with the case row
    locked and raises a ``registry.errors`` exception to refuse."""
    return tuple(check for declared_section in sections() for check in declared_section.close_checks)


def tab_view(key):
    """The view of section ``key``'s tab, or None for the generic tab."""
    path = declared(key).tab
    return import_string(path) if path else None


def panels_for(user) -> list[Panel]:
    """The dashboard panels of ``user``'s role, in the sections' order."""
    role = policy.role_of(user)
    return [panel for declared_section in sections() for panel in declared_section.panels if role in panel.roles]


def panel_context(panel: Panel, request) -> dict:
    return import_string(panel.context)(request)


def register_tab_part(path: str) -> None:
    """Add a part under every section's tab, named by the dotted path of
    ``view(request, case, section)``, which returns ``(template, context)``, or ``None`` where
    it shows nothing (e.g. the attachments filed under the section)."""
    _refuse_after_start_up()
    _TAB_PARTS.append(path)


def tab_parts(request, case, section) -> list[tuple[str, dict]]:
    """The parts shown under ``section``'s tab for ``request.user``, in registration order."""
    parts = (import_string(path)(request, case, section) for path in _TAB_PARTS)
    return [part for part in parts if part is not None]


def register_header_part(path: str) -> None:
    """Add a part under the case file's header, on every tab, named by the dotted path of
    ``view(request, case)``, which returns ``(template, context)``, or ``None`` where it shows
    nothing (e.g. the quick entry of a case note, for those who may write one)."""
    _refuse_after_start_up()
    _HEADER_PARTS.append(path)


def header_parts(request, case) -> list[tuple[str, dict]]:
    """The parts shown under the case header for ``request.user``, in registration order."""
    parts = (import_string(path)(request, case) for path in _HEADER_PARTS)
    return [part for part in parts if part is not None]


def case_links(user, case) -> list[dict[str, str]]:
    return [link for provider in _CASE_LINKS for link in provider(user, case)]
