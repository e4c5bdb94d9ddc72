"""Several querysets of model instances read in one query: a ``UNION ALL`` of their SELECTs.

The case file lists a dozen kinds of record, each its own table, narrowed in its own way; read
one query per kind, the round trips and the driver's fixed cost per query were a quarter of the
case file's time. :func:`union_rows` keeps every queryset as it is — its filters, narrowing
subqueries and ``select_related`` — and only sends them together.

How: each queryset is compiled by Django as for its own evaluation, and its SELECT list is
put in slots: ``SELECT <its index>, <its columns in their slots> FROM …`` (its own FROM and
WHERE), NULL in the slots it does not use. The slots of the one wide row are shared by type:
a queryset's n-th column of type ``t`` (the type Django casts the field to) sits in the n-th
slot of type ``t``, so the row is as wide as the widest queryset plus what the types do not
share, not the sum of them all. The UNION opens with a SELECT of no row whose every column is a NULL cast to its
slot's type: PostgreSQL resolves a UNION's types pairwise, left to right, so every later NULL
takes the slot's type (two untyped NULLs would resolve to text, and text would then meet, say,
a date); and SQLite then reports no declared type for any column, so the driver converts no
value by the type of whichever branch comes first (a date parser would blank a text), and
each value is converted by its own field's converters alone, as below.

Each queryset's rows are then rebuilt exactly as Django's ``ModelIterable`` builds them: the
columns through their fields' database converters (so encrypted fields decrypt, dates and
booleans come back typed on SQLite), ``Model.from_db`` for the row and its related rows
(``select_related``); its ``prefetch_related`` lookups run afterwards.
Guarantees: the instances are those ``list(queryset)`` gives, in the database's order (none is
asked for: sort them where an order matters); a queryset that can match nothing
(``.none()``, ``pk__in=[]``) gives an empty list without a branch; one query in all (plus
the prefetches asked for). The querysets are of model rows — filters, subqueries, joins,
``select_related``, ``prefetch_related``; an annotation, an extra column or DISTINCT is refused
(ValueError) — on one database, with no "known related objects" (start from a model's
manager, not from a related manager).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Field, Model, QuerySet, prefetch_related_objects
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler


@dataclass
class _Branch:
    """One queryset's SELECT: its columns' SQL, the slot of each, and its SQL from FROM on."""

    queryset: QuerySet
    compiler: SQLCompiler
    columns: list[str]  # in the compiler's select order
    slots: list[int]  # the slot of each column
    rest: str  # " FROM … WHERE …"
    params: tuple


def _compiled(queryset: QuerySet) -> tuple[SQLCompiler, list[str], str, tuple] | None:
    """The queryset compiled as for its own evaluation, split into its columns and the rest;
    None when it can match nothing. A queryset ordered, sliced, locked or combined is refused:
    none of those may stand inside a branch of a UNION ALL."""
    query = queryset.query
    if query.order_by or query.is_sliced or query.select_for_update or query.combinator:
        raise ValueError(f"Only unordered, unsliced, unlocked querysets are read together, not {query}.")
    compiler = query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    columns = [column_sql for _expression, (column_sql, _params), _alias in compiler.select]
    head = f"SELECT {', '.join(columns)}"
    plain = all(alias is None and not column_params for _e, (_sql, column_params), alias in compiler.select)
    if not (plain and sql.startswith(f"{head} FROM ")):  # annotations, extra columns, DISTINCT
        raise ValueError(f"Only querysets of model rows are read together, not {queryset.query}.")
    return compiler, columns, sql[len(head) :], tuple(params)


@lru_cache(maxsize=4096)
def _cast_type(field: Field, using: str) -> str:
    return field.cast_db_type(connections[using])


def _column_types(compiler: SQLCompiler) -> list[str]:
    return [_cast_type(expression.output_field, compiler.using) for expression, _sql, _alias in compiler.select]


def _branches(querysets: list[QuerySet]) -> tuple[dict[int, _Branch], list[str]]:
    """The branch of each queryset that can match rows (by index), and the slots' types."""
    branches, slot_types = {}, []
    slots_of: dict[str, list[int]] = defaultdict(list)  # type -> its slots, in order
    for index, queryset in enumerate(querysets):
        compiled = _compiled(queryset)
        if compiled is None:
            continue
        compiler, columns, rest, params = compiled
        used: dict[str, int] = defaultdict(int)  # type -> the branch's columns of that type so far
        slots = []
        for column_type in _column_types(compiler):
            of_type = slots_of[column_type]
            if used[column_type] == len(of_type):
                of_type.append(len(slot_types))
                slot_types.append(column_type)
            slots.append(of_type[used[column_type]])
            used[column_type] += 1
        branches[index] = _Branch(queryset, compiler, columns, slots, rest, params)
    return branches, slot_types


def _union_sql(branches: dict[int, _Branch], slot_types: list[str]) -> tuple[str, list]:
    # First a SELECT of no row that types every slot (see the module's docstring).
    typed = ", ".join(f"CAST(NULL AS {slot_type})" for slot_type in slot_types)
    selects, params = [f"SELECT CAST(NULL AS integer), {typed} WHERE 1 = 0"], []
    for index, branch in branches.items():
        columns = ["NULL"] * len(slot_types)
        for column, slot in zip(branch.columns, branch.slots, strict=True):
            columns[slot] = column
        selects.append(f"SELECT {index}, {', '.join(columns)}{branch.rest}")
        params.extend(branch.params)
    return " UNION ALL ".join(selects), params


def _instances(branch: _Branch, rows: list[tuple]) -> list[Model]:
    """``rows`` (the branch's columns, in its select order) as ``ModelIterable`` makes them."""
    compiler, queryset = branch.compiler, branch.queryset
    select, klass_info = compiler.select, compiler.klass_info
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, queryset.db)
    found = []
    for row in compiler.results_iter(results=[rows]):
        obj = klass_info["model"].from_db(queryset.db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        found.append(obj)
    if queryset._prefetch_related_lookups:
        prefetch_related_objects(found, *queryset._prefetch_related_lookups)
    return found


def union_rows(querysets: list[QuerySet]) -> list[list[Model]]:
    """The instances of each queryset, in the order of ``querysets``, read in one query."""
    branches, slot_types = _branches(querysets)
    rows: dict[int, list[tuple]] = {index: [] for index in branches}
    if branches:
        sql, params = _union_sql(branches, slot_types)
        using = next(iter(branches.values())).compiler.using
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                rows[row[0]].append(tuple(row[1 + slot] for slot in branches[row[0]].slots))
    return [_instances(branches[index], rows[index]) if index in branches else [] for index in range(len(querysets))]
