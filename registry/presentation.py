"""How the case file reads, in one place for every face of it — the pages and the dossiers
(the API answers raw values): labels, choice and country names, dates, ages, masked numbers, the
names of organizations, places (any province's division codes) and staff (surname first for a
Chinese name; pinyin beside Chinese names in the English pages), the parts of a section as typed
blocks, and the timeline (history reasons as sentences, each change from its old value to the new).

Values come as the case file's sections and history hold them (``registry.casefile``); which
model a value belongs to comes from the section's declaration, never from guessing. Nothing here
reads a person's data beyond what the caller passes in.
"""

from __future__ import annotations

import datetime
import gettext as gettext_module
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pycountry
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from pypinyin import lazy_pinyin

from registry import casefile, policy
from registry.casefile import CaseSection, RecordKind
from registry.divisions import division
from registry.models import Jurisdiction, Organization, User

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
_CJK = re.compile(r"[\u3400-\u9fff]")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
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


def years_of_age(years: int) -> str:
    """An age as the language says it: ``25岁``, "25 years"."""
    return ngettext("%(age)s year", "%(age)s years", years) % {"age": years}


def _referenced_model(value: Mapping) -> type[models.Model] | None:
    """The model a link to a record (``{"kind": "victims.referral", "id": …}``) names, if any."""
    if set(value) != {"kind", "id"}:
        return None
    try:
        return apps.get_model(str(value["kind"]))
    except (LookupError, ValueError):
        return None


def _declared_values(models_: Models, name: str) -> Mapping[str, Any]:
    """The words of the values of ``name`` (no model field) a kind of record declares."""
    for model in _candidates(models_):
        try:
            return casefile.kind_of(model).values.get(name, {})
        except KeyError:
            continue
    return {}


def labelled(label: str, value: str) -> str:
    """``label: value`` in the page's language (a full-width colon in Chinese: ``姓名：陈建华``)."""
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


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
    declared = _declared_values(models_, name)
    if declared and str(value) in declared:
        return str(declared[str(value)])
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "age" and isinstance(value, int):
        return years_of_age(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        if (model := _referenced_model(value)) is not None:
            return kind_label(model)
        return "；".join(
            labelled(label_of(models_, key), display(models_, key, item, names=names)) for key, item in value.items()
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


_DIVISION_SUFFIX = re.compile(r"(?:自治州|自治县|自治旗|特别行政区|自治区|地区|新区|省|市|区|县|旗|盟)$")
# The divisions an organization's name starts with (福建省, 福州市, 鼓楼区): two to four characters
# ending in a division's suffix.
_DIVISION_PART = re.compile(r"[\u3400-\u9fff]{1,3}?[省市区县]")
_DIVISION_PREFIXES = re.compile(r"(?:[\u3400-\u9fff]{1,3}?[省市区县])*")


def _pinyin(name: str, *, division: bool) -> str:
    """``Fuzhou`` for 福州市: a division's name without its 省/市/区/县… suffix, as one word. Any
    other name (an organization's) has its leading divisions so written, then the rest as one
    word: 福州市救助管理站 → ``Fuzhou Jiuzhuguanlizhan`` (words are not told apart without a
    dictionary, so the rest is not split)."""

    def word(text: str) -> str:
        return "".join(lazy_pinyin(text, v_to_u=True)).capitalize()

    if division:
        return word(_DIVISION_SUFFIX.sub("", name) if len(name) > 2 else name)
    prefixes = _DIVISION_PREFIXES.match(name).group(0)
    words = [word(_DIVISION_SUFFIX.sub("", part)) for part in _DIVISION_PART.findall(prefixes)]
    return " ".join([*words, word(name[len(prefixes) :])] if name[len(prefixes) :] else words)


def local_name(name: str, *, division: bool = False) -> str:
    """A Chinese place or organization name as the page's language reads it: as it is in
    Chinese; followed by its pinyin in any other language ("福州市 (Fuzhou)"), since these names
    have no English form of their own. A name without Chinese characters is left as it is."""
    if not name or (translation.get_language() or "").startswith("zh") or not _CJK.search(name):
        return name
    return f"{name} ({_pinyin(name, division=division)})"


def place_names(codes: Iterable[str]) -> dict[str, str]:
    """``{"350102": "350102 鼓楼区"}`` for each division code (one query): the divisions loaded
    in the registry, then any other province's (``registry.divisions``, the GB/T 2260 table); a
    code neither knows stays as it is."""
    codes = {code for code in codes if code}
    found = dict(Jurisdiction.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    named = {code: found.get(code) or getattr(division(code), "name", None) for code in codes}
    return {code: f"{code} {local_name(name, division=True)}" if name else code for code, name in named.items()}


def organization_names(uuids: Iterable[str]) -> dict[str, str]:
    """``{uuid: name}`` for each organization (one query)."""
    uuids = {str(value) for value in uuids if value}
    if not uuids:
        return {}
    rows = Organization.objects.filter(uuid__in=uuids).values_list("uuid", "name")
    return {str(key): local_name(name) for key, name in rows}


def person_name(family: str, given: str) -> str:
    """A person's name in the order of its script: the family name first and no space for a
    Chinese name (林晓燕), "given family" for a name in other letters; "" for no name."""
    family, given = (family or "").strip(), (given or "").strip()
    if _CJK.search(family + given):
        return f"{family}{given}"
    return " ".join(part for part in (given, family) if part)


def user_name(user) -> str:
    """How pages, timelines and dossiers name a staff account: its holder's name
    (:func:`person_name`), or its username when the account has no name."""
    return person_name(user.last_name, user.first_name) or user.get_username()


def user_names(keys: Iterable[str]) -> dict[str, str]:
    """``{key: name}`` (:func:`user_name`) of the staff accounts given by UUID or by username
    (a section or history may name a user either way), in one query."""
    keys = {str(key) for key in keys if key}
    if not keys:
        return {}
    uuids = {key for key in keys if _UUID.fullmatch(key)}
    names = {}
    rows = User.objects.filter(Q(username__in=keys - uuids) | Q(uuid__in=uuids))
    for user in rows.only("uuid", "username", "first_name", "last_name"):
        names[user.username] = names[str(user.uuid)] = user_name(user)
    return names


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


@dataclass
class _Wanted:
    """The ids and codes whose names a set of rows needs."""

    organizations: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    records: dict[str, str] = field(default_factory=dict)

    def add(self, models_: Models, row: Mapping[str, Any]) -> None:
        for name, value in row.items():
            if not value or isinstance(value, dict | bool):
                continue
            found = model_field(models_, name)
            if isinstance(value, list):  # the organizations of a many-to-many field (those present at a meeting)
                if isinstance(found, models.ManyToManyField) and found.related_model is Organization:
                    self.organizations.update(str(item) for item in value)
                continue
            if isinstance(found, models.ForeignKey) and found.related_model is Organization:
                self.organizations.add(str(value))
            elif isinstance(found, models.ForeignKey) and found.related_model is User:  # a lawyer, a caseworker
                self.users.add(str(value))
            elif isinstance(found, models.ForeignKey) and found.related_model is not Jurisdiction:
                # Another record of the case (the referral a matter came from): named by its kind,
                # as its id means nothing to a reader.
                self.records[str(value)] = kind_label(found.related_model)
            elif name.endswith("_code") and _DIVISION_CODE.match(str(value)):
                self.places.add(str(value))

    def names(self) -> dict[str, str]:
        return {
            **self.records,
            **place_names(self.places),
            **organization_names(self.organizations),
            **user_names(self.users),
        }


def names_of(parts: Iterable[Parts]) -> dict[str, str]:
    """The names of the organizations and staff (by UUID), places (by code) and other records
    (by UUID: their kind) that ``parts`` mention: three queries at most, however many records."""
    wanted = _Wanted()
    for part in parts:
        wanted.add(part.declared.facts_models, part.facts)
        pending = list(part.records)
        while pending:
            records = pending.pop()
            for row in records.rows:
                wanted.add(records.kind.model, row)
                pending.extend(Records(child, row.get(child.key) or []) for child in records.kind.children)
    return wanted.names()


# --- the timeline ----------------------------------------------------------------------------

# The reasons the operations give ``recorded_change``, as the timeline says them. Each is a code
# (stable: history keeps it); a reason no entry here names reads as a plain "change recorded".
HISTORY_REASONS = {
    "registration": gettext_lazy("The case was registered"),
    "rescue added": gettext_lazy("A rescue was added"),
    "case closed": gettext_lazy("The case was closed"),
    "case reopened": gettext_lazy("The case was reopened"),
    "case handed over": gettext_lazy("The case was handed over"),
    "possible duplicate resolved": gettext_lazy("A possible duplicate was resolved"),
    "caseworker assigned": gettext_lazy("A caseworker was assigned"),
    "caseworker unassigned": gettext_lazy("The caseworker was unassigned"),
    "caseworker unassigned: account moved or disabled": gettext_lazy(
        "The caseworker was unassigned because the account moved or was disabled"
    ),
    "cases handed to another caseworker": gettext_lazy("The case was handed to another caseworker"),
    "referral created": gettext_lazy("A referral was made"),
    "referral accept": gettext_lazy("The referral was accepted"),
    "referral decline": gettext_lazy("The referral was declined"),
    "referral complete": gettext_lazy("The referral was completed"),
    "referral revoked": gettext_lazy("The referral was revoked"),
    "child referral approved": gettext_lazy("Civil affairs approved the child's referral"),
    "child referral rejected": gettext_lazy("Civil affairs rejected the child's referral"),
    "record voided": gettext_lazy("A record entered by mistake was voided"),
    "admitted to shelter": gettext_lazy("Admitted to a shelter"),
    "transferred to another shelter": gettext_lazy("Transferred to another shelter"),
    "discharged from shelter": gettext_lazy("Discharged from the shelter"),
    "shelter placement amended": gettext_lazy("The shelter placement was amended"),
    "return plan created": gettext_lazy("A return plan was drawn up"),
    "return plan amended": gettext_lazy("The return plan was amended"),
    "return plan approved": gettext_lazy("The return plan was approved"),
    "return plan rejected": gettext_lazy("The return plan was rejected"),
    "return plan completed": gettext_lazy("The return was completed"),
    "return plan cancelled": gettext_lazy("The return plan was cancelled"),
    "follow-up visit scheduled": gettext_lazy("A follow-up visit was scheduled"),
    "follow-up visit recorded": gettext_lazy("A follow-up visit was recorded"),
    "follow-up visit waived": gettext_lazy("A follow-up visit was waived"),
    "legal aid matter opened": gettext_lazy("A legal aid matter was opened"),
    "legal aid matter accepted": gettext_lazy("The legal aid matter was accepted"),
    "legal aid matter rejected": gettext_lazy("The legal aid matter was rejected"),
    "legal aid matter started": gettext_lazy("Work on the legal aid matter started"),
    "legal aid matter concluded": gettext_lazy("The legal aid matter was concluded"),
    "legal aid matter amended": gettext_lazy("The legal aid matter was amended"),
    "legal aid activity recorded": gettext_lazy("A legal aid activity was recorded"),
    "legal aid activity amended": gettext_lazy("A legal aid activity was amended"),
    "case note added": gettext_lazy("A case note was added"),
    "case note corrected": gettext_lazy("A case note was corrected"),
    "care plan written": gettext_lazy("A care plan was written"),
    "care plan amended": gettext_lazy("The care plan was amended"),
    "care plan approved": gettext_lazy("The care plan was approved"),
    "care plan reviewed": gettext_lazy("The care plan was reviewed"),
    "care plan review approved": gettext_lazy("The care plan review was approved"),
    "care plan goal added": gettext_lazy("A care plan goal was added"),
    "care plan goal amended": gettext_lazy("A care plan goal was amended"),
    "care plan goal closed": gettext_lazy("A care plan goal was closed"),
    "attachment uploaded": gettext_lazy("A document was uploaded"),
    "attachment withdrawn": gettext_lazy("A document was withdrawn"),
    "transfer requested": gettext_lazy("A transfer was requested"),
    "transferred to another organization": gettext_lazy("The case was transferred to another organization"),
    "transfer declined": gettext_lazy("The transfer was declined"),
    "transfer withdrawn": gettext_lazy("The transfer was withdrawn"),
    "dossier generated": gettext_lazy("A dossier was generated"),
    "batch archival": gettext_lazy("A dossier was generated for the archives"),
    "seed_demo": gettext_lazy("Demonstration data"),
}
# Reasons built from a model's or a section's name (``victims.operations``).
_KIND_REASONS = {
    "added": gettext_lazy("Added: %(kind)s"),
    "amended": gettext_lazy("Amended: %(kind)s"),
}
_SECTION_REASON = gettext_lazy("Updated: %(section)s")


def history_reason(code: str | None) -> str:
    """The reason of a change (the code given to ``recorded_change``) as a sentence in the
    page's language: from :data:`HISTORY_REASONS`, or "<kind> added/amended" and "<section>
    updated" with the kind's or section's own label; never the raw code ("" for none)."""
    if not code:
        return ""
    if code in HISTORY_REASONS:
        return str(HISTORY_REASONS[code])
    subject, _sep, verb = code.rpartition(" ")
    if verb in _KIND_REASONS and (model := casefile.history_model(subject)) is not None:
        return str(_KIND_REASONS[verb]) % {"kind": kind_label(model)}
    if verb == "updated" and subject in {str(section) for section in policy.Section}:
        return str(_SECTION_REASON) % {"section": _section_label(subject)}
    return _("Change recorded")


_NOTHING = object()


def _change(model, name: str, extra, before, after, names) -> str:
    """``label：old → new`` (``label：new`` when nothing was there before)."""
    label = label_of(model, name, extra)
    new = display(model, name, after, names=names)
    if before is _NOTHING:
        return labelled(label, new)
    old = display(model, name, before, names=names)
    return _("%(label)s: %(old)s → %(new)s") % {"label": label, "old": old, "new": new}


def timeline(case, sections: Mapping[str, Any], history: list[dict]) -> list[dict]:
    """The case's life, oldest first: opened, the dates its records carry (rescued on, consent
    given …), every change in ``history`` (``casefile.case_history``, for one reader), closed.

    ``sections`` is what ``casefile.case_sections`` gave the same reader. Each event has ``date``
    (and ``time`` for changes), ``title``, and for changes ``actor`` (the user's name),
    ``reason`` (:func:`history_reason`, unless it repeats the title), ``sections`` (their
    labels), ``changed`` (the labels of the fields changed) and ``details`` (``label：old →
    new`` for each change, the old value being the one the record's previous entry in
    ``history`` set). Organizations, staff and places are named, never shown by id or code
    alone."""
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
    oldest_first = sorted(history, key=lambda entry: entry["at"])
    wanted = _Wanted()
    for entry in oldest_first:
        model = casefile.history_model(entry["kind"])
        if model is not None:
            wanted.add(model, entry["changes"])
    names = {**wanted.names(), **user_names(entry["actor"] for entry in history)}
    values: dict[tuple[str, str], dict[str, Any]] = {}  # each record's fields as history last set them
    for entry in oldest_first:
        model = casefile.history_model(entry["kind"])
        if model is None:
            continue
        known = values.setdefault((entry["kind"], entry["record"]), {})
        changed = entry["changes"] if entry["action"] == "changed" else {}
        extra = _declared_labels(model)
        details = [
            _change(model, name, extra, known.get(name, _NOTHING), value, names) for name, value in changed.items()
        ]
        known.update(entry["changes"])
        at = timezone.localtime(entry["at"])
        title = str(HISTORY_ACTIONS[entry["action"]]) % {"kind": kind_label(model)}
        reason = history_reason(entry["reason"])
        events.append(
            {
                **_event(at.date(), at.time(), title),
                "time": at.strftime("%H:%M"),
                "actor": names.get(entry["actor"], entry["actor"]),
                "reason": "" if reason == title else reason,  # "新增：健康评估" said once
                "sections": "、".join(_section_label(key) for key in entry["sections"]),
                "changed": "、".join(label_of(model, name, extra) for name in changed),
                "details": details,
            }
        )
    if case.closed_on:
        events.append(_event(case.closed_on, datetime.time.max, _("Case closed")))
    events.sort(key=lambda event: event["sort"])
    return events


def _event(day: datetime.date, time: datetime.time, title: str, *, details=()) -> dict:
    if isinstance(day, datetime.datetime):  # a record dated by a moment (a transfer requested at …)
        day, time = timezone.localtime(day).date(), timezone.localtime(day).time()
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
