"""Administrative divisions of a province (GB/T 2260), loaded from python-stdnum's table.

python-stdnum ships the division codes it needs to validate resident ID numbers
(``stdnum/cn/loc.dat``, read through ``numdb.get("cn/loc")``). Each entry carries its names over
time, e.g. ``0111 county="[1983-1994]郊区,[1995-]晋安区"``: an entry whose last span is open
(``[1995-]``) or that has no span at all is a current division, one whose last span is closed
(``[1994-2017]长乐市``) has been abolished.

:func:`load_province` turns one province of that table into :class:`~registry.models.Jurisdiction`
rows. Guarantees:

- One row per division: the province (``35``), every prefecture-level division (``3501``) and
  every county-level division (``350102``), each with its latest name and the right parent.
- Abolished divisions are kept, marked ``is_current=False``: ID numbers issued before a change
  still carry the old region code, and records must be able to name it.
- Placeholders are not divisions and are skipped: the "市辖区" and "市区" aggregates of a city's
  districts, the "县" group of the municipalities, the "省直辖县级行政单位" groups. A division
  listed under a placeholder (a district of Beijing, a county-level city administered directly
  by its province) gets the province as parent; scope is by code prefix, so nothing is lost.
- Idempotent: rows are matched by code, created when missing, updated when their name, level,
  parent or currency differ, and never deleted (users and organizations may point at them).
  A second run writes nothing and returns 0.
- One transaction per province, a handful of queries whatever its size (bulk writes: the
  model is reference data, not victim data, so it has no history to bypass).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from stdnum import numdb

from registry.choices import JurisdictionLevel
from registry.models import Jurisdiction

_SPAN = re.compile(r"\[(?P<start>\d*)-(?P<end>\d*)\](?P<name>[^,\[\]]+)")
# Aggregates and groupings that share the code space but are no division of their own.
_PLACEHOLDER = re.compile(r"^(市辖区|市区|县|.*直辖.*行政单位)$")
_FIELDS = ("name", "level", "parent", "is_current")


@dataclass(frozen=True)
class Division:
    """One division as the source table states it."""

    code: str
    name: str
    level: JurisdictionLevel
    parent_code: str | None
    is_current: bool


def parse_names(value: str) -> tuple[str, bool]:
    """``(latest name, is current)`` from a table value such as ``"[1983-1994]郊区,[1995-]晋安区"``.

    A value without year spans is a name in use throughout. Anything else that does not parse
    exactly is an error, never a guess.
    """
    value = value.strip()
    if "[" not in value:
        return value, True
    spans = list(_SPAN.finditer(value))
    if not spans or ",".join(span.group(0) for span in spans) != value:
        raise ValueError(f"unexpected GB/T 2260 name value: {value!r}")
    last = spans[-1]
    return last.group("name").strip(), last.group("end") == ""


def _find_province(province_code: str):
    if not re.fullmatch(r"[0-9]{2}", province_code or ""):
        raise ValueError(f"a province code has two digits, not {province_code!r}")
    for _length, low, _high, props, children in numdb.get("cn/loc").prefixes:
        if low == province_code:
            return props, children
    raise LookupError(f"no province {province_code} in the GB/T 2260 table of python-stdnum")


def province_divisions(province_code: str) -> list[Division]:
    """The divisions of one province, parents before children (no database access)."""
    props, children = _find_province(province_code)
    province_name, province_current = parse_names(props["province"])
    divisions = [Division(province_code, province_name, JurisdictionLevel.PROVINCE, None, province_current)]

    cities: set[str] = set()
    counties: list[tuple[str, str, bool]] = []
    for _length, low, high, entry, _grandchildren in children:
        if low != high or len(low) != 4:
            raise ValueError(f"unexpected GB/T 2260 entry {province_code}{low}-{high}")
        if low == "0000":  # the province itself, repeated at county width
            continue
        name, is_current = parse_names(entry["county"])
        if _PLACEHOLDER.match(name):
            continue
        if low.endswith("00"):
            code = province_code + low[:2]
            cities.add(code)
            divisions.append(Division(code, name, JurisdictionLevel.CITY, province_code, is_current))
        else:
            counties.append((province_code + low, name, is_current))

    for code, name, is_current in counties:
        parent = code[:4] if code[:4] in cities else province_code
        divisions.append(Division(code, name, JurisdictionLevel.COUNTY, parent, is_current))
    return divisions


def load_province(province_code: str) -> int:
    """Create or update the Jurisdiction rows of one province; return how many rows were written.

    See the module docstring for what is loaded and what is guaranteed. Not meant to run twice
    at the same moment: a concurrent run fails on the unique code and rolls back whole.
    """
    divisions = province_divisions(province_code)
    written = 0
    with transaction.atomic():
        rows = {row.code: row for row in Jurisdiction.objects.filter(code__startswith=province_code)}
        # Level by level, so every parent has a primary key before its children are written.
        for level in (JurisdictionLevel.PROVINCE, JurisdictionLevel.CITY, JurisdictionLevel.COUNTY):
            to_create: list[Jurisdiction] = []
            to_update: list[Jurisdiction] = []
            for division in divisions:
                if division.level != level:
                    continue
                wanted = {
                    "name": division.name,
                    "level": division.level,
                    "parent_id": rows[division.parent_code].pk if division.parent_code else None,
                    "is_current": division.is_current,
                }
                row = rows.get(division.code)
                if row is None:
                    to_create.append(Jurisdiction(code=division.code, **wanted))
                elif any(getattr(row, field) != value for field, value in wanted.items()):
                    for field, value in wanted.items():
                        setattr(row, field, value)
                    to_update.append(row)
            if to_create:
                Jurisdiction.objects.bulk_create(to_create)
                # Re-read rather than rely on the backend returning primary keys from bulk inserts.
                created = Jurisdiction.objects.filter(code__in=[row.code for row in to_create])
                rows.update({row.code: row for row in created})
            if to_update:
                Jurisdiction.objects.bulk_update(to_update, _FIELDS)
            written += len(to_create) + len(to_update)
    return written
