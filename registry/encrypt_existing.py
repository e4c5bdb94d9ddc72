"""Sealing columns that held plain text: the data half of a migration that turns a plain field
into an encrypted one (``registry.fields``).

:class:`EncryptExistingValues` is a migration operation, placed after the ``AlterField``
operations that made the columns encrypted (unbounded text) in the model and in its history
model. Forwards it seals every value still in clear; backwards it opens them again, so that the
reversed ``AlterField`` finds the plain, bounded values it expects.

Guarantees:

- **Model and history.** The model's table and its history table (simple-history's
  ``Historical<Model>``) are both sealed, every value with the associated data of the tracked
  model's column (``app.model.field``), which the field class uses for both tables. The label
  is built here rather than read from the migration's model state: a history model rebuilt by
  the migration framework does not know its tracked model, so the fields it carries are bound to
  ``app.historicalmodel.field`` and would seal values that nothing can open.
- **Through the field class.** A value becomes bytes, and back, by the encrypted field's own
  ``to_python``/``to_bytes``/``from_bytes``, so it reads exactly as if the application had
  written it.
- **Idempotent.** A value already in ciphertext form (``e1$…``, the format of
  ``registry.crypto``) is left as it is: a second run, or a run over rows the new code has
  written meanwhile, changes nothing. The empty string is sealed like any other value (the field
  class seals it too, and a stored plain ``""`` would not decrypt); NULL stays NULL.
- **Batched.** Rows are read ``batch_size`` at a time in primary-key order, and only rows with a
  value to change are written, by primary key, in raw SQL: the fields' own hooks would try to
  decrypt the plain values. As with key rotation (``registry.rotation``), no history row, blind
  index or version moves: every value reads the same afterwards, only its stored form differs.
  The migration's transaction makes the whole run all or nothing.
- **Loud.** The keyring is read only when there is a value to seal or open (an empty database
  migrates without one); a missing key, or a stored value that does not open, stops the
  migration with the keyring's or the cipher's error.
- **Reversible, knowingly.** Backwards writes the values in clear again, which is what the
  schema before expects: a release rolled back has the leak it had before. Migrating forwards
  seals them again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from django.db.migrations.operations.base import Operation

from registry import crypto
from registry.fields import EncryptedField
from registry.keyring import active_keyring

BATCH_SIZE = 1_000
CIPHERTEXT_PREFIX = f"{crypto.PREFIX}$"


KeyringGetter = Callable[[], crypto.Keyring]


def _seal(field: EncryptedField, label: str, value: Any, keyring: KeyringGetter) -> Any:
    if value is None or (isinstance(value, str) and value.startswith(CIPHERTEXT_PREFIX)):
        return value
    return crypto.encrypt(field.to_bytes(field.to_python(value)), column=label, keyring=keyring())


def _open(field: EncryptedField, label: str, value: Any, keyring: KeyringGetter) -> Any:
    if value is None or not value.startswith(CIPHERTEXT_PREFIX):
        return value
    return field.from_bytes(crypto.decrypt(value, column=label, keyring=keyring()))


class EncryptExistingValues(Operation):
    """Seal the values of ``fields`` of ``model_name`` still in clear, in the model's table and
    in its history table (see the module docstring for the guarantees)."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name: str, fields: Iterable[str], batch_size: int = BATCH_SIZE):
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.model_name = model_name.lower()
        self.fields = tuple(fields)
        self.batch_size = batch_size

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "fields": list(self.fields)}
        if self.batch_size != BATCH_SIZE:
            kwargs["batch_size"] = self.batch_size
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label, state):
        pass  # the schema is the AlterField's business; this changes stored values only

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._rewrite(app_label, to_state.apps, schema_editor, _seal)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._rewrite(app_label, from_state.apps, schema_editor, _open)

    def describe(self):
        return f"Encrypt the stored values of {self.model_name}.{', '.join(self.fields)} and of their history"

    @property
    def migration_name_fragment(self):
        return f"encrypt_{self.model_name}_values"

    def _rewrite(self, app_label: str, apps, schema_editor, change: Callable) -> None:
        connection = schema_editor.connection
        keyring = cache(active_keyring)  # read on first use only: an empty table needs no keyring
        for model_name in (self.model_name, f"historical{self.model_name}"):
            model = apps.get_model(app_label, model_name)
            if not self.allow_migrate_model(connection.alias, model):
                continue
            fields = [model._meta.get_field(name) for name in self.fields]
            for field in fields:
                if not isinstance(field, EncryptedField):
                    raise TypeError(
                        f"{model._meta.label}.{field.name} is not encrypted at this point of the migrations: "
                        "put EncryptExistingValues after the AlterField that encrypts it"
                    )
            labels = [f"{app_label}.{self.model_name}.{field.name}" for field in fields]
            for rows in _batches(connection, model, fields, self.batch_size):
                changed = []
                for pk, *values in rows:
                    new = [change(f, label, v, keyring) for f, label, v in zip(fields, labels, values, strict=True)]
                    if new != values:
                        changed.append((*new, pk))
                _write(connection, model, fields, changed)


def _batches(connection, model, fields, batch_size: int):
    """The rows of ``model``'s table, ``(pk, *values of fields)``, ``batch_size`` at a time."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = ", ".join(quote(field.column) for field in fields)
    after = None
    while True:
        where, params = ("", []) if after is None else (f"WHERE {pk} > %s", [after])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {columns} FROM {table} {where} ORDER BY {pk} LIMIT %s",  # noqa: S608 - names from the model
                [*params, batch_size],
            )
            rows = [list(row) for row in cursor.fetchall()]
        if not rows:
            return
        yield rows
        if len(rows) < batch_size:
            return
        after = rows[-1][0]


def _write(connection, model, fields, rows: list[tuple]) -> None:
    """Set ``fields`` of ``rows`` (``(*values, pk)``) by primary key, values as they are."""
    if not rows:
        return
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s",  # noqa: S608
            rows,
        )
