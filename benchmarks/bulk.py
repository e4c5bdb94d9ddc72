"""Bulk writing for the benchmark generator: the rows, history rows and audit events the
operations would write, inserted many at a time.

An operation saves a row inside ``recorded_change`` (simple-history adds a history row with the
actor and the reason) and appends an audit event to the hash chain. :class:`Writer` records the
same three things in memory — :meth:`Writer.add` (a new row and its ``+`` history row),
:meth:`Writer.change` (the row changed in place and a ``~`` history row holding the new state),
:meth:`Writer.event` (an audit event, chained exactly as ``registry.audit.record_event`` chains
it) — and :meth:`Writer.flush` inserts them in one transaction.

What keeps the rows identical to the operations' (``tests/benchmarks/test_generate.py`` holds
it to that, table by table):

- every value goes through its model field's ``get_db_prep_save``, so encrypted fields are
  sealed by ``registry.fields`` with the keyring's first key and their ``app.model.field``
  label (history copies included), dates and UUIDs are adapted as the ORM adapts them;
- blind indexes are computed by their own field (``BlindIndexField.digest``) from the row's
  values, as ``pre_save`` computes them; history tables hold none (their models have no such
  column);
- defaults come from the fields (``uuid4`` for ``uuid``, ``version`` 1 …), ``auto_now_add``
  fields and history dates from one clock that only moves forward;
- audit events carry the actor's username, role and organization as ``record_event`` copies
  them, no request id or address (there is no request), and chain from the last event stored.

Primary keys are allotted here (from the largest stored), so rows can name each other before
they are inserted; PostgreSQL's sequences are moved past them afterwards
(:func:`reset_sequences`). SQLite takes ``executemany``; PostgreSQL ``COPY``.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from registry.audit.chain import chain_hash, lock_head, partition_of
from registry.audit.context import actor_fields
from registry.fields import BlindIndexField, EncryptedField
from registry.models import AuditAction, AuditChainHead, AuditEvent, AuditOutcome
from registry.policy import Section

HISTORY_FIELDS = frozenset({"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"})


class Row(dict):
    """One row to insert, by attribute name (``case_id``, not ``case``); ``model`` says where."""

    __slots__ = ("model",)

    def __init__(self, model: type[models.Model], values=()):
        super().__init__(values)
        self.model = model

    @property
    def pk(self):
        return self["id"]


class Clock:
    """Monotonic synthetic time: each write is a microsecond after the one before, starting now
    (the operations stamp each save and each audit event with the time of the call)."""

    def __init__(self, start: datetime.datetime | None = None):
        self._now = start or timezone.now()

    def now(self) -> datetime.datetime:
        self._now += datetime.timedelta(microseconds=1)
        return self._now


# Fields whose database value is the Python value itself when it has the plain type (what
# their ``get_db_prep_save`` returns for it); any other value takes the field's own path.
_PLAIN = {
    models.CharField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.PositiveIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
}


def _adapter(f: models.Field, db):
    """The function turning a Python value of ``f`` into what the database driver gets."""
    if isinstance(f, BlindIndexField | EncryptedField):
        return lambda value: f.get_db_prep_save(value, db)
    target = f.target_field if f.is_relation else f
    plain = _PLAIN.get(type(target))
    if plain is not None:
        return lambda value: value if value is None or type(value) is plain else f.get_db_prep_save(value, db)
    return lambda value: f.get_db_prep_save(value, db)


class Table:
    """How one model's rows are inserted: its columns, in order, and each value's adaptation
    (``get_db_prep_save``, skipped only where it would return the value unchanged)."""

    def __init__(self, model: type[models.Model]):
        db = connections[DEFAULT_DB_ALIAS]  # the connection itself: the proxy costs a lookup per use
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.generated]
        self.columns = [f.column for f in self.fields]
        self._plan = []
        for f in self.fields:
            if isinstance(f, BlindIndexField):
                sources = tuple(f.sources)
                self._plan.append((None, f, sources))
            else:
                self._plan.append((f.attname, _adapter(f, db), None))

    def prepare(self, row: dict) -> tuple:
        values = []
        for attname, adapt, sources in self._plan:
            if sources is not None:  # a blind index, computed from the row as pre_save does
                parts = tuple(row[name] for name in sources)
                values.append(adapt.digest(parts if len(parts) > 1 else parts[0]))
            else:
                values.append(adapt(row[attname]))
        return tuple(values)

    def insert(self, rows: Iterable[dict]) -> int:
        prepared = [self.prepare(row) for row in rows]
        if not prepared:
            return 0
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for values in prepared:
                        copy.write_row(values)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", prepared)  # noqa: S608
        return len(prepared)


_TABLES: dict[type[models.Model], Table] = {}


def table_of(model: type[models.Model]) -> Table:
    if model not in _TABLES:
        _TABLES[model] = Table(model)
    return _TABLES[model]


@dataclass
class Actor:
    """A user as the writer needs them: the key for history, the copies for audit events."""

    user: models.Model

    @cached_property
    def audit_fields(self) -> dict:
        fields = actor_fields(self.user)
        fields["actor_id"] = fields.pop("actor").pk
        return fields


@dataclass
class Counts:
    rows: int = 0
    history: int = 0
    events: int = 0
    by_table: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def total(self) -> int:
        return self.rows + self.history + self.events


class Writer:
    """Rows, history rows and audit events of many operations, held until :meth:`flush`."""

    def __init__(self, clock: Clock | None = None):
        self.clock = clock or Clock()
        self.rows: dict[type[models.Model], list[Row]] = defaultdict(list)
        self.history: dict[type[models.Model], list[dict]] = defaultdict(list)
        self.events: list[dict] = []
        self.counts = Counts()
        self._next_id: dict[type[models.Model], int] = {}
        self._actors: dict[int, Actor] = {}
        self._fields: dict[type[models.Model], list[models.Field]] = {}
        self.written_models: set[type[models.Model]] = set()
        self._histories: dict = {}

    # --- ids, actors -------------------------------------------------------------------------

    def new_id(self, model: type[models.Model]) -> int:
        if model not in self._next_id:
            pk = model._meta.pk.attname
            last = model._base_manager.order_by(f"-{pk}").values_list(pk, flat=True).first()
            self._next_id[model] = (last or 0) + 1
        value = self._next_id[model]
        self._next_id[model] = value + 1
        return value

    def actor(self, user) -> Actor:
        if user.pk not in self._actors:
            self._actors[user.pk] = Actor(user)
        return self._actors[user.pk]

    # --- rows and their history --------------------------------------------------------------

    def _model_fields(self, model) -> list[models.Field]:
        if model not in self._fields:
            self._fields[model] = [
                f for f in model._meta.concrete_fields if not f.generated and not isinstance(f, BlindIndexField)
            ]
        return self._fields[model]

    @staticmethod
    def _attname(model, name: str, value):
        """``(attname, value)`` for a field given by name or attname; a related row or model
        instance stands for its primary key."""
        f = model._meta.get_field(name)  # knows attnames too ("case_id")
        if isinstance(value, Row):
            value = value["id"]
        elif isinstance(value, models.Model):
            value = value.pk
        return f.attname, value

    def add(self, model: type[models.Model], values: dict, *, actor, reason: str) -> Row:
        """A new row as ``model(**values).save()`` inside ``recorded_change(actor, reason)``
        writes it: the defaults filled in, a ``+`` history row when the model is tracked.
        (``values`` is a dict, not keywords: models have fields called ``reason``.)"""
        row = Row(model)
        for f in self._model_fields(model):
            if f.primary_key:
                continue
            row[f.attname] = self.clock.now() if getattr(f, "auto_now_add", False) else f.get_default()
        for name, value in values.items():
            attname, value = self._attname(model, name, value)
            row[attname] = value
        row["id"] = self.new_id(model)
        self.rows[model].append(row)
        self._snapshot(row, "+", actor, reason)
        return row

    def change(self, row: Row, changes: dict, *, actor, reason: str) -> Row:
        """The row changed in place (it is inserted in its last state) and a ``~`` history row
        holding the new state, as a save of the changed instance writes."""
        for name, value in changes.items():
            attname, value = self._attname(row.model, name, value)
            row[attname] = value
        self._snapshot(row, "~", actor, reason)
        return row

    def link(self, model: type[models.Model], **values) -> None:
        """A row of an untracked table (a many-to-many link): no history."""
        row = Row(model, values)
        row["id"] = self.new_id(model)
        self.rows[model].append(row)

    def _history_model(self, model):
        # simple-history builds a manager on each access of ``Model.history``: look it up once.
        if model not in self._histories:
            history = getattr(model, "history", None)
            self._histories[model] = history.model if history is not None else None
        return self._histories[model]

    def _snapshot(self, row: Row, kind: str, actor, reason: str) -> None:
        model = self._history_model(row.model)
        if model is None:
            return
        entry = {f.attname: row[f.attname] for f in self._model_fields(model) if f.attname not in HISTORY_FIELDS}
        entry.update(
            history_id=self.new_id(model),
            history_date=self.clock.now(),
            history_change_reason=reason,
            history_type=kind,
            history_user_id=actor.pk if actor is not None else None,
        )
        self.history[model].append(entry)

    # --- the audit chain ---------------------------------------------------------------------

    def event(
        self,
        action: AuditAction,
        *,
        actor,
        case: Row | None = None,
        sections: Iterable[Section] = (),
        detail: dict | None = None,
    ) -> None:
        """An audit event as ``record_event(action=…, actor=…, case_uuid=…, sections=…,
        detail=…)`` writes it outside a request; chained at :meth:`flush`."""
        self.events.append(
            {
                "uuid": uuid.uuid4(),
                **self.actor(actor).audit_fields,
                "action": AuditAction(action).value,
                "case_uuid": case["uuid"] if case is not None else None,
                "sections": [Section(section).value for section in sections],
                "request_id": "",
                "ip_address": "",
                "outcome": AuditOutcome.SUCCESS.value,
                "detail": dict(detail or {}),
                "occurred_at": self.clock.now(),
            }
        )

    def _chain(self) -> None:
        """Chain the held events onto their partitions' heads, locked as ``record_event`` locks
        them (the database advances each head as the events are inserted)."""
        heads: dict[str, AuditChainHead] = {}
        for values in self.events:
            partition = values["partition"] = partition_of(values)
            if partition not in heads:
                heads[partition] = lock_head(partition)
            head = heads[partition]
            values["id"] = head.last_event_id = self.new_id(AuditEvent)
            values["prev_hash"] = head.hash
            values["hash"] = head.hash = chain_hash(head.hash, values)

    # --- writing -----------------------------------------------------------------------------

    def flush(self) -> Counts:
        """Insert everything held, in one transaction; return the running counts."""
        with transaction.atomic():
            self._chain()
            self.written_models |= set(self.rows) | set(self.history)
            for model, rows in self.rows.items():
                n = table_of(model).insert(rows)
                self.counts.rows += n
                self.counts.by_table[model._meta.label_lower] += n
            for model, rows in self.history.items():
                n = table_of(model).insert(rows)
                self.counts.history += n
                self.counts.by_table[model._meta.label_lower] += n
            self.counts.events += table_of(AuditEvent).insert(self.events)
        self.rows.clear()
        self.history.clear()
        self.events.clear()
        return self.counts


def reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    """Move PostgreSQL's id sequences past the ids allotted here (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
