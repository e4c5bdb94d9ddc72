"""History of every model that holds victim data (django-simple-history, made strict).

Guarantees:
- Each saved change of a tracked model writes a history row naming the acting user and a
  change reason. Operations state both with :func:`recorded_change`; a web request supplies the
  user through simple-history's middleware, but the reason must still be given. A tracked save
  with no reason raises :class:`HistoryBypassError` instead of leaving an unexplained gap.
- ``QuerySet.update()``, ``bulk_update()`` and a bare ``bulk_create()`` write no history (the
  first two also skip blind indexes), so the tracked queryset refuses them; batch inserts go
  through :func:`bulk_create_with_history`, which writes the history rows alongside.
- Inside :func:`batched_history`, each saved row's history row is taken when it is saved (its
  values, user, reason and time then) and inserted when the block ends, one INSERT per history
  table instead of one per row; a block that raises leaves its transaction to roll back, so no
  row it saved can commit without its history.
- The check happens before the row is written (``pre_save``), so a refused save leaves nothing.
- Blind-index columns are never copied into history tables.
- ``Model.history`` builds its manager class once per model, not on every access (simple-history
  makes a new class with ``from_queryset`` each time, and every tracked save reads it).
"""

from __future__ import annotations

import contextvars
import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import models, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history as _simple_history_bulk_create
from simple_history.utils import get_change_reason_from_object

from registry.fields import BlindIndexField


class HistoryBypassError(RuntimeError):
    """A write to a tracked model would have left no (or an unexplained) history row."""


@dataclass(frozen=True)
class ChangeContext:
    actor: models.Model | None
    reason: str


_current_change: contextvars.ContextVar[ChangeContext | None] = contextvars.ContextVar(
    "registry_current_change", default=None
)
_bulk_with_history: contextvars.ContextVar[bool] = contextvars.ContextVar("registry_bulk_with_history", default=False)
# The batch of the batched_history() block around a save, if any (its snapshots, its depth).
_pending_history: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar(
    "registry_pending_history", default=None
)


@contextmanager
def recorded_change(*, actor, reason: str) -> Iterator[ChangeContext]:
    """Attribute every tracked write inside the block to ``actor`` with ``reason``.

    ``actor`` may be ``None`` only for system work (a command run by an operator states that
    in ``reason``). Nested blocks override the outer one until they end.
    """
    if not reason or not reason.strip():
        raise ValueError("a change reason is required")
    context = ChangeContext(actor=actor, reason=reason.strip())
    token = _current_change.set(context)
    try:
        yield context
    finally:
        _current_change.reset(token)


def current_change() -> ChangeContext | None:
    return _current_change.get()


def _reason_for(instance) -> str:
    """The change reason of a write: the instance's own, else the surrounding context's."""
    reason = get_change_reason_from_object(instance)
    if reason:
        return reason
    context = current_change()
    if context is None:
        raise HistoryBypassError(
            f"a {instance.__class__.__name__} was written without a change reason; "
            "wrap the write in registry.history.recorded_change(actor=…, reason=…)"
        )
    return context.reason


def bulk_create_with_history(objs, model, *, batch_size: int = 500) -> list:
    """Insert ``objs`` and one history row each, attributed to the surrounding
    :func:`recorded_change` (required). Blind indexes are computed as in ``save()``."""
    context = current_change()
    if context is None:
        raise HistoryBypassError("bulk_create_with_history needs a recorded_change(actor=…, reason=…) block")
    token = _bulk_with_history.set(True)
    try:
        return _simple_history_bulk_create(
            objs, model, batch_size=batch_size, default_user=context.actor, default_change_reason=context.reason
        )
    finally:
        _bulk_with_history.reset(token)


@dataclass
class _Batch:
    """The snapshots a :func:`batched_history` block holds, and how many savepoints deep it began."""

    depth: int
    pending: list[tuple[models.Model, str]]

    def takes(self) -> bool:
        """Whether a save now belongs to the batch: not inside a savepoint opened in the block,
        which could be rolled back (and the error caught) without the batch knowing — such a
        save's history row is written at once, inside that savepoint."""
        return all(savepoint is None for savepoint in transaction.get_connection().savepoint_ids[self.depth :])


@contextmanager
def batched_history() -> Iterator[None]:
    """Write the history rows of the tracked saves inside the block together, when it ends.

    Each save (an insert or a change; a deletion is written at once) keeps a snapshot of the
    row as saved, with the user, reason and time its history row would have had then, so the
    history is the same as without the block — only written later: one INSERT per history
    table (``bulk_history_create``) rather than one per row. Call inside
    ``transaction.atomic()`` and before the operation's audit event, which should come last.
    If the block raises, nothing is written and the surrounding atomic block is marked for
    rollback: no row saved in it can commit without its history row. A save inside a savepoint
    opened within the block has its history row written at once, inside that savepoint, so a
    rollback of it takes both. JSON values are copied when saved, so a later change in the
    block does not reach the snapshot."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise TransactionManagementError("batched_history() writes when the block ends: call it in atomic()")
    pending: list[tuple[models.Model, str]] = []
    token = _pending_history.set(_Batch(len(connection.savepoint_ids), pending))
    try:
        yield
    except BaseException:
        transaction.set_rollback(True)
        raise
    finally:
        _pending_history.reset(token)
    groups: dict[tuple[type[models.Model], str], list[models.Model]] = {}
    for snapshot, history_type in pending:
        groups.setdefault((type(snapshot), history_type), []).append(snapshot)
    for (model, history_type), snapshots in groups.items():
        model.history.bulk_history_create(snapshots, update=history_type == "~")


class TrackedQuerySet(models.QuerySet):
    """Queryset of a tracked model: refuses the bulk writes that bypass history."""

    def update(self, **kwargs):
        raise HistoryBypassError(
            f"{self.model.__name__}.objects.update() would write no history; "
            "change rows through an operation that saves each one"
        )

    def bulk_create(self, objs, *args, **kwargs):
        if not _bulk_with_history.get():
            raise HistoryBypassError(
                f"{self.model.__name__}.objects.bulk_create() would write no history; "
                "use registry.history.bulk_create_with_history"
            )
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        raise HistoryBypassError(
            f"{self.model.__name__}.objects.bulk_update() would write no history; use the *_with_history helpers"
        )

    def blind_search(self, field_name: str, value: str):
        """Exact match through the blind index ``field_name`` (never decrypts a row)."""
        field = self.model._meta.get_field(field_name)
        if not isinstance(field, BlindIndexField):
            raise TypeError(f"{field_name} is not a blind index")
        digest = field.digest(value)
        return self.filter(**{field_name: digest}) if digest else self.none()


class _CachedHistoryDescriptor(HistoryDescriptor):
    """simple-history's ``Model.history`` descriptor, with the manager class made once."""

    def __init__(self, model, manager, queryset):
        super().__init__(model, manager=manager, queryset=queryset)
        self.manager = manager.from_queryset(queryset)

    def __get__(self, instance, owner):
        return self.manager(self.model, instance)


class RegistryHistory(HistoricalRecords):
    """simple-history with the registry's rules: explicit reason, no blind index copied."""

    def __init__(self, **kwargs):
        kwargs.setdefault("cascade_delete_history", False)
        super().__init__(**kwargs)

    def _get_history_change_reason_field(self):
        # A new field for each history table. Given a field instance, simple-history hands that
        # one instance to every table of an inherited history (the CaseRecord models'), so its
        # ``model`` is the last table built and a queryset update of one table addresses another.
        return models.TextField(null=True)

    def fields_included(self, model):
        return [field for field in super().fields_included(model) if not isinstance(field, BlindIndexField)]

    def get_history_user(self, instance):
        context = current_change()
        if context is not None and context.actor is not None:
            return context.actor
        return super().get_history_user(instance)

    def get_change_reason_for_object(self, instance, history_type, using):
        return _reason_for(instance)

    def create_historical_record(self, instance, history_type, using=None):
        batch = _pending_history.get()
        if batch is None or history_type == "-" or not batch.takes():
            return super().create_historical_record(instance, history_type, using=using)
        # What simple-history would write now, kept for batched_history (bulk_history_create
        # reads the user, reason and time from these attributes of each row).
        snapshot = copy.copy(instance)
        for field in instance._meta.concrete_fields:
            value = field.value_from_object(instance)
            if isinstance(value, dict | list):
                setattr(snapshot, field.attname, copy.deepcopy(value))
        snapshot._history_date = getattr(instance, "_history_date", None) or timezone.now()
        snapshot._history_user = self.get_history_user(instance)
        snapshot._change_reason = self.get_change_reason_for_object(instance, history_type, using)
        batch.pending.append((snapshot, history_type))

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls or (self.inherit and issubclass(sender, self.cls)):
            descriptor = sender.__dict__.get(self.manager_name)
            if type(descriptor) is HistoryDescriptor:
                setattr(
                    sender,
                    self.manager_name,
                    _CachedHistoryDescriptor(descriptor.model, descriptor.manager_class, descriptor.queryset_class),
                )
            # Refuse an unexplained write before it reaches the table, not after.
            models.signals.pre_save.connect(_require_reason, sender=sender, weak=False)
            models.signals.pre_delete.connect(_require_reason, sender=sender, weak=False)


def _require_reason(sender, instance, **kwargs) -> None:
    _reason_for(instance)
