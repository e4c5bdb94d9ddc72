"""Administrative divisions of every province of China (GB/T 2260), by code, for pickers and
names: python-stdnum's ``cn/loc`` table read through ``registry.jurisdictions`` — the same
source, parser and placeholders as the ``Jurisdiction`` rows of the registry's own province —
but for any province, without the database (a person's native place or a return destination
may lie anywhere in the country).

Guarantees:

- :func:`division` knows every code of the table, current or abolished (an ID number issued
  before a change still carries the old code); :func:`is_county` is the one test of a
  six-digit county code, used by forms and operations alike.
- :func:`children` lists the **current** divisions directly under a code — the provinces for
  ``""``, a province's cities (and the counties it administers directly, as a municipality's
  districts), a city's counties — sorted by code: the steps of the cascading picker.
- :func:`full_name` names a code with its parents, ``福建省福州市鼓楼区``; an unknown code is
  returned as it is, never guessed.
- The table is parsed once per process (a few tens of milliseconds) and kept in memory.
"""

from __future__ import annotations

import functools
import re

from stdnum import numdb

from registry.choices import JurisdictionLevel
from registry.jurisdictions import Division, province_divisions

COUNTY_CODE = re.compile(r"^[0-9]{6}$")


@functools.cache
def _table() -> dict[str, Division]:
    divisions: dict[str, Division] = {}
    for _length, low, _high, _props, _children in numdb.get("cn/loc").prefixes:
        for item in province_divisions(low):
            divisions[item.code] = item
    return divisions


@functools.cache
def _children() -> dict[str, tuple[Division, ...]]:
    tree: dict[str, list[Division]] = {}
    for item in _table().values():
        if item.is_current:
            tree.setdefault(item.parent_code or "", []).append(item)
    return {parent: tuple(sorted(items, key=lambda item: item.code)) for parent, items in tree.items()}


def division(code: str | None) -> Division | None:
    """The division of ``code`` (any province, current or abolished), or None."""
    return _table().get(code or "")


def is_county(code: str | None) -> bool:
    """Whether ``code`` is the six-digit code of a county-level division of the table."""
    item = division(code)
    return item is not None and item.level == JurisdictionLevel.COUNTY


def children(code: str = "") -> tuple[Division, ...]:
    """The current divisions directly under ``code`` (the provinces under ``""``)."""
    return _children().get(code, ())


def lineage(code: str) -> list[Division]:
    """The division of ``code`` and its parents, province first (empty for an unknown code)."""
    chain: list[Division] = []
    item = division(code)
    while item is not None:
        chain.insert(0, item)
        item = division(item.parent_code)
    return chain


def full_name(code: str | None) -> str:
    """``福建省福州市鼓楼区`` for ``350102``; the code as given when the table does not know it."""
    chain = lineage(code or "")
    return "".join(item.name for item in chain) if chain else (code or "")
