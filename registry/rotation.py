"""Key rotation: re-encrypt every stored value under the keyring's first key (DESIGN §4).

``manage.py rotate_keys`` is the command; this module does the work. After a new key is put in
front of the keyring (``python -m registry.keyring add PATH``, then restart every process so they
all encrypt with it), a rotation rewrites every value still sealed with an older key, so that key
can be retired from the keyring.

Guarantees:

- **Every table**: every installed model with an encrypted field (``registry.fields``) is
  rotated, its history model included (simple-history registers those as models of their own,
  with copies of the encrypted fields bound to the same ``app.model.field`` label). A new app's
  models are covered the moment they are installed; nothing here names a model.
- **Loud before anything is written**: a preflight counts, in SQL and without decrypting, the
  values under each key id of each column. A value under a key id the keyring lacks, or a
  value that is not ciphertext at all, stops the run (:class:`RotationError`) before any row
  changes. One value per column and key id is then decrypted as a probe, so a *wrong* key (the
  right id with another secret — the current key's included) is also caught before any write.
  The blind-index secret is probed the same way (see "Blind indexes" below).
- **Batched and resumable**: rows are taken in primary-key order, ``batch_size`` at a time,
  each batch in one transaction (rows locked ``FOR UPDATE`` on PostgreSQL; SQLite's
  ``BEGIN IMMEDIATE`` holds the write lock), and only rows still holding a value under an older
  key are selected — a check of the stored text's key-id prefix, made by the database, without
  decrypting. A run killed at any moment leaves whole batches done and the rest untouched; the
  next run selects only what remains. Running it again on a rotated database writes nothing.
- **Nothing personal leaves**: values are decrypted to bytes and sealed again in memory; the
  summary and the audit event hold counts, table and column names and key ids, never a value.
- **Files too**: after the tables, every kind of sealed file an app declares
  (``registry.file_rotation``: attachments, stored dossiers) is re-encrypted the same way — counted
  per key id in the preflight (a file under a missing key stops the run before any write), one file
  per key probed, then batches of records still under an older key, each file verified against
  its plaintext digests before its record points to it. Counted in the same audit event.

Why raw SQL, and why no history row. A rotation is not a business change: every value reads
exactly the same afterwards, only the ciphertext differs. History records what changed, who
changed it and why; a history row per re-encrypted row would double every history table at each
rotation and claim changes that did not happen (and history rows are themselves re-encrypted
here, in place — otherwise the old key could never be retired). The tracked querysets refuse
``update()`` so that business changes cannot skip history; this module is the one deliberate,
documented exception, and it writes only ciphertext columns, by primary key, through
:func:`_rewrite_ciphertext` — no ORM update, so no field hook, blind index or ``version`` moves.
The evidence of the rotation is one ``key_rotated`` audit event per run (key ids and counts;
outcome ``failure`` with the partial counts when a run stops on an error). A run killed outright
(SIGKILL, power loss) records nothing; the run that resumes it records what it rewrote.

Blind indexes are not touched. They are keyed HMACs under per-column keys derived from the
keyring's ``blind_index_secret``, which is not a field-encryption key and is not rotated by
``python -m registry.keyring add``: the indexes stay valid as they are. The secret must stay
the same across the rotation; the preflight recomputes one stored index per blind-index column
from its decrypted source values and stops the run if they differ (a keyring whose
blind-index secret was changed would make every exact search and duplicate check miss).
Changing the blind-index secret would be a different operation (recompute every index from
decrypted values), not provided here.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models, transaction

from registry import crypto, file_rotation
from registry.fields import BlindIndexField, EncryptedField
from registry.file_rotation import FileRotationError
from registry.keyring import active_keyring

DEFAULT_BATCH_SIZE = 1_000


class RotationError(RuntimeError):
    """The database cannot be rotated with this keyring (missing or wrong key, stray value)."""


@dataclass(frozen=True)
class Table:
    """One table holding encrypted columns: a model's, or its history model's."""

    model: type[models.Model]
    fields: tuple[EncryptedField, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table

    @property
    def pk_column(self) -> str:
        return self.model._meta.pk.column


def encrypted_tables() -> list[Table]:
    """Every installed, managed table with at least one encrypted column, in label order."""
    tables = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = tuple(f for f in meta.concrete_fields if isinstance(f, EncryptedField))
        if fields:
            tables.append(Table(model, fields))
    return sorted(tables, key=lambda table: table.label)


# --- SQL, the same text on SQLite and PostgreSQL ---------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _key_id_sql(column: str) -> str:
    """The key id of a stored value (``e1$<key id>$…``), or NULL when it is not ciphertext."""
    c = _q(column)
    prefix = f"'{crypto.PREFIX}$'"
    if connection.vendor == "postgresql":
        return f"CASE WHEN left({c}, 3) = {prefix} THEN split_part({c}, '$', 2) END"
    # SQLite: the text between the first and the second '$'.
    rest = f"substr({c}, 4)"
    return f"CASE WHEN substr({c}, 1, 3) = {prefix} AND instr({rest}, '$') > 1 THEN substr({rest}, 1, instr({rest}, '$') - 1) END"  # noqa: E501


def _stale_sql(fields: tuple[EncryptedField, ...], prefix: str) -> tuple[str, list]:
    """A condition true for rows holding any value not sealed with the key of ``prefix``."""
    parts, params = [], []
    for f in fields:
        parts.append(f"({_q(f.column)} IS NOT NULL AND substr({_q(f.column)}, 1, %s) <> %s)")
        params += [len(prefix), prefix]
    return " OR ".join(parts), params


def _current_prefix(keyring: crypto.Keyring) -> str:
    return f"{crypto.PREFIX}${keyring.primary.key_id}$"


# --- preflight and counting (no value is decrypted except the probes) -------------------------


@dataclass
class Inventory:
    """How many values each key id seals, per ``table.column``, and the rows still to rewrite."""

    primary: str
    tables: int = 0  # tables with encrypted columns
    values: dict[str, Counter] = field(default_factory=dict)  # "label.field" -> {key id: n}
    stale_rows: dict[str, int] = field(default_factory=dict)  # table label -> rows to rewrite
    total_rows: int = 0
    files: dict[str, Counter] = field(default_factory=dict)  # sealed-file store label -> {key id: n}

    @property
    def stale_values(self) -> Counter:
        """Values under each key other than the current one, over every column."""
        tally: Counter = Counter()
        for counts in self.values.values():
            for key_id, n in counts.items():
                if key_id != self.primary:
                    tally[key_id] += n
        return tally

    @property
    def rows_to_rewrite(self) -> int:
        return sum(self.stale_rows.values())

    @property
    def stale_files(self) -> dict[str, int]:
        """Files still under an older key, per store label (stores with none left out)."""
        counts = {
            label: sum(n for key_id, n in keys.items() if key_id != self.primary) for label, keys in self.files.items()
        }
        return {label: n for label, n in counts.items() if n}

    @property
    def files_to_rewrite(self) -> int:
        return sum(self.stale_files.values())


def take_inventory(tables: list[Table] | None = None) -> Inventory:
    """Count values per key id and rows still to rewrite, in SQL, without decrypting; raise
    :class:`RotationError` for a value under a key id the keyring lacks or not ciphertext."""
    keyring = active_keyring()
    tables = encrypted_tables() if tables is None else tables
    inventory = Inventory(primary=keyring.primary.key_id, tables=len(tables))
    prefix = _current_prefix(keyring)
    missing: dict[str, list[str]] = {}  # key id -> ["table.column: n", ...]
    malformed: list[str] = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {_q(table.db_table)}")  # noqa: S608 - names from model metadata
            inventory.total_rows += cursor.fetchone()[0]
            for f in table.fields:
                key_id = _key_id_sql(f.column)
                cursor.execute(
                    f"SELECT {key_id}, COUNT(*) FROM {_q(table.db_table)} "  # noqa: S608
                    f"WHERE {_q(f.column)} IS NOT NULL GROUP BY 1"
                )
                counts = Counter({kid: n for kid, n in cursor.fetchall()})
                inventory.values[f"{table.label}.{f.name}"] = counts
                for kid, n in counts.items():
                    if kid is None:
                        malformed.append(f"{table.db_table}.{f.column}: {n} value(s) are not ciphertext")
                    elif kid not in keyring.keys:
                        missing.setdefault(kid, []).append(f"{table.db_table}.{f.column}: {n}")
            condition, params = _stale_sql(table.fields, prefix)
            cursor.execute(f"SELECT COUNT(*) FROM {_q(table.db_table)} WHERE {condition}", params)  # noqa: S608
            stale = cursor.fetchone()[0]
            if stale:
                inventory.stale_rows[table.label] = stale
    missing_files: dict[str, list[str]] = {}  # key id -> ["store label: n", ...]
    for store in file_rotation.stores():
        counts = inventory.files[store.label] = store.key_counts()
        for kid, n in counts.items():
            if kid not in keyring.keys:
                missing_files.setdefault(kid, []).append(f"{store.label}: {n}")
    problems = (
        malformed[:5]
        + [
            f"{len(columns)} column(s) hold values under key {kid!r}, which the keyring lacks ("
            + ", ".join(columns[:3])
            + (", …" if len(columns) > 3 else "")
            + ")"
            for kid, columns in sorted(missing.items())
        ]
        + [
            f"files are sealed under key {kid!r}, which the keyring lacks (" + ", ".join(stores) + ")"
            for kid, stores in sorted(missing_files.items())
        ]
    )
    if problems:
        raise RotationError(
            "cannot rotate: " + "; ".join(problems) + ". Put every key that sealed these values in the keyring "
            "(behind the new first key) and run again; nothing was written."
        )
    return inventory


def probe_keys(inventory: Inventory, tables: list[Table] | None = None) -> None:
    """Decrypt one value per column and key id, and recompute one blind index per blind-index
    column: a wrong key or a changed blind-index secret stops the run before any write."""
    keyring = active_keyring()
    tables = encrypted_tables() if tables is None else tables
    with connection.cursor() as cursor:
        for table in tables:
            for f in table.fields:
                for key_id in inventory.values.get(f"{table.label}.{f.name}", {}):
                    prefix = f"{crypto.PREFIX}${key_id}$"
                    cursor.execute(
                        f"SELECT {_q(f.column)} FROM {_q(table.db_table)} "  # noqa: S608
                        f"WHERE substr({_q(f.column)}, 1, %s) = %s LIMIT 1",
                        [len(prefix), prefix],
                    )
                    row = cursor.fetchone()
                    if row is None:  # rewritten since the count by a concurrent writer
                        continue
                    try:
                        crypto.decrypt(row[0], column=f.column_label, keyring=keyring)
                    except crypto.DecryptionError:
                        raise RotationError(
                            f"cannot rotate: values of {table.db_table}.{f.column} under key {key_id!r} do not "
                            "decrypt with the keyring's key of that id (a wrong secret?); nothing was written"
                        ) from None
    for store in file_rotation.stores():
        for key_id in inventory.files.get(store.label, {}):
            try:
                store.probe(key_id, keyring)
            except FileRotationError as exc:
                raise RotationError(f"cannot rotate: {exc}; nothing was written") from None
    _probe_blind_indexes()


def _probe_blind_indexes() -> None:
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for index in (f for f in meta.concrete_fields if isinstance(f, BlindIndexField)):
            row = (
                model._base_manager.filter(**{f"{index.name}__isnull": False})
                .order_by("pk")
                .only("pk", index.name, *index.sources)
                .first()
            )
            if row is None:
                continue
            values = tuple(getattr(row, name) for name in index.sources)
            if index.digest(values if len(values) > 1 else values[0]) != getattr(row, index.attname):
                raise RotationError(
                    f"cannot rotate: the blind index {meta.db_table}.{index.column} was built with another "
                    "blind-index secret than the keyring's; keep the keyring's blind_index_secret unchanged "
                    "when adding a key. Nothing was written"
                )


# --- the rotation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchDone:
    """What one committed batch did (passed to the ``after_batch`` callback)."""

    table: str  # a table's label, or a sealed-file store's
    rows: int  # rows rewritten in this batch
    values: int  # values re-encrypted in this batch
    last_pk: object
    files: int = 0  # files re-encrypted in this batch


@dataclass
class RotationReport:
    primary: str
    tables: int = 0
    rows: int = 0  # rows rewritten
    values: int = 0  # values re-encrypted
    from_keys: Counter = field(default_factory=Counter)  # values re-encrypted, by the key that sealed them
    seconds: float = 0.0
    files: Counter = field(default_factory=Counter)  # files re-encrypted, by store label
    leftovers: int = 0  # files left under an older key by a run cut short, removed
    file_bytes: int = 0  # plaintext bytes of those files
    file_seconds: float = 0.0

    @property
    def file_megabytes_per_second(self) -> float:
        return self.file_bytes / 1e6 / self.file_seconds if self.file_seconds > 0 else 0.0

    @property
    def wrote_anything(self) -> bool:
        return bool(self.rows or self.files or self.leftovers)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def audit_detail(self) -> dict:
        return {
            "to_key": self.primary,
            "from_keys": [f"{key_id}:{n}" for key_id, n in sorted(self.from_keys.items())][:20],
            "tables": self.tables,
            "rows": self.rows,
            "values": self.values,
            "files": [f"{label}:{n}" for label, n in sorted(self.files.items())],
            "file_bytes": self.file_bytes,
            "leftovers_removed": self.leftovers,
        }


def _select_stale(table: Table, prefix: str, after, limit: int) -> list[tuple]:
    condition, params = _stale_sql(table.fields, prefix)
    columns = ", ".join(_q(f.column) for f in table.fields)
    pk = _q(table.pk_column)
    where = f"({condition})" + (f" AND {pk} > %s" if after is not None else "")
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT {pk}, {columns} FROM {_q(table.db_table)} WHERE {where} ORDER BY {pk} LIMIT %s{lock}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *([after] if after is not None else []), limit])
        return cursor.fetchall()


def _rewrite_ciphertext(table: Table, rows: list[tuple]) -> None:
    """The one low-level write of key rotation: set the ciphertext columns of rows by primary
    key. Deliberately raw SQL (see the module docstring): the values are already sealed, and a
    re-encryption is not a change of the record, so no history row, blind index or version."""
    if not rows:
        return
    table_name, pk = _q(table.db_table), _q(table.pk_column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per batch: PostgreSQL runs a thousand single-row UPDATEs several
            # times slower than one UPDATE joined to the batch's values.
            names = ", ".join(f"c{i}" for i in range(len(table.fields)))
            assignments = ", ".join(f"{_q(f.column)} = v.c{i}::text" for i, f in enumerate(table.fields))
            marks = ", ".join("(" + ", ".join(["%s"] * (len(table.fields) + 1)) + ")" for _ in rows)
            cursor.execute(
                f"UPDATE {table_name} AS t SET {assignments} FROM (VALUES {marks}) AS v(pk, {names}) "  # noqa: S608
                f"WHERE t.{pk} = v.pk",
                [value for pk_value, *values in rows for value in (pk_value, *values)],
            )
        else:
            assignments = ", ".join(f"{_q(f.column)} = %s" for f in table.fields)
            cursor.executemany(
                f"UPDATE {table_name} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                [(*values, pk_value) for pk_value, *values in rows],
            )


def _rotate_batch(table: Table, rows: list[tuple], keyring: crypto.Keyring, report: RotationReport) -> int:
    """Re-seal, in memory, every value of ``rows`` not under the primary key; return how many."""
    primary = keyring.primary.key_id
    rewritten, count = [], 0
    for pk, *values in rows:
        for i, f in enumerate(table.fields):
            token = values[i]
            if token is None:
                continue
            key_id = crypto.key_id_of(token)
            if key_id == primary:
                continue
            try:
                plaintext = crypto.decrypt(token, column=f.column_label, keyring=keyring)
            except crypto.DecryptionError as exc:
                raise RotationError(f"{table.db_table}.{f.column} row {pk}: {exc}") from None
            values[i] = crypto.encrypt(plaintext, column=f.column_label, keyring=keyring)
            report.from_keys[key_id] += 1
            count += 1
        rewritten.append((pk, *values))
    _rewrite_ciphertext(table, rewritten)
    return count


def rotate(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    after_batch: Callable[[BatchDone], object] | None = None,
    inventory: Inventory | None = None,
) -> RotationReport:
    """Re-encrypt every value not under the keyring's first key; return the counts.

    Takes the inventory and runs the probes first (unless given an ``inventory`` already
    probed), so a missing or wrong key raises :class:`RotationError` before anything is written.
    Then each table in primary-key batches, one transaction per batch, then each declared store of
    sealed files in batches of records, one file at a time; ``after_batch`` is called after each
    batch (progress). Records one ``key_rotated`` audit event at the end —
    ``failure`` with the partial counts if the run stops on an error, which is then re-raised.
    """
    from registry.audit import record_event  # registry.audit imports the models
    from registry.models import AuditAction, AuditOutcome

    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    keyring = active_keyring()
    tables = encrypted_tables()
    if inventory is None:
        inventory = take_inventory(tables)
        probe_keys(inventory, tables)
    report = RotationReport(primary=keyring.primary.key_id)
    prefix = _current_prefix(keyring)
    started = time.perf_counter()
    try:
        for table in tables:
            if not inventory.stale_rows.get(table.label):
                continue
            report.tables += 1
            after = None
            while True:
                with transaction.atomic():
                    rows = [list(row) for row in _select_stale(table, prefix, after, batch_size)]
                    if not rows:
                        break
                    values = _rotate_batch(table, rows, keyring, report)
                report.rows += len(rows)
                report.values += values
                after = rows[-1][0]
                if after_batch is not None:
                    after_batch(BatchDone(table=table.label, rows=len(rows), values=values, last_pk=after))
                if len(rows) < batch_size:
                    break
        _rotate_files(inventory, keyring, report, batch_size=batch_size, after_batch=after_batch)
    except BaseException as error:
        report.seconds = time.perf_counter() - started
        if report.wrote_anything:
            try:
                with transaction.atomic():
                    record_event(
                        action=AuditAction.KEY_ROTATED, outcome=AuditOutcome.FAILURE, detail=report.audit_detail()
                    )
            except Exception as audit_error:  # the original error matters more; name this one with it
                error.add_note(f"the key_rotated failure event could not be written either: {audit_error}")
        raise
    report.seconds = time.perf_counter() - started
    if report.wrote_anything:
        with transaction.atomic():
            record_event(action=AuditAction.KEY_ROTATED, detail=report.audit_detail())
    return report


def _rotate_files(
    inventory: Inventory,
    keyring: crypto.Keyring,
    report: RotationReport,
    *,
    batch_size: int,
    after_batch: Callable[[BatchDone], object] | None,
) -> None:
    """Re-encrypt, store by store, every file the inventory found under an older key (each
    store's ``reseal`` verifies the file and keeps record and file consistent), after removing
    what an earlier run cut short left behind."""
    started = time.perf_counter()
    try:
        for store in file_rotation.stores():
            report.leftovers += store.sweep(keyring)
            if not inventory.stale_files.get(store.label):
                continue
            after = None
            while True:
                records = store.stale(primary=keyring.primary.key_id, after=after, limit=batch_size)
                for record in records:
                    report.file_bytes += store.reseal(record, keyring)
                    report.files[store.label] += 1
                if not records:
                    break
                after = records[-1].pk
                if after_batch is not None:
                    after_batch(BatchDone(table=store.label, rows=0, values=0, last_pk=after, files=len(records)))
                if len(records) < batch_size:
                    break
    finally:
        report.file_seconds = time.perf_counter() - started
