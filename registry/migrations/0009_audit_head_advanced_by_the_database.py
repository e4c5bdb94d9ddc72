"""The database advances each audit chain's head as events are inserted (issue 19): an event and
its head's move are one statement, so every audited request makes one round trip fewer, and no
code path can append an event and leave its chain's head behind.

- PostgreSQL: a statement-level trigger over the inserted rows (a transition table) moves each
  partition's head to its last event inserted, once per statement — also for the benchmarks'
  batches of thousands of events, where a trigger per row would update one head row thousands
  of times in one transaction.
- SQLite: a trigger per row (SQLite has no statement-level triggers; it updates the row in place).

A head only moves forward: to an event of a higher id than the one it names (an insert of
explicit ids out of order leaves it at the highest). Events of the partition from before
partitions (``""``) move no head: none is appended any more.
A partition without a head row (only a bulk load creates its heads afterwards) is left alone.
"""

from django.db import migrations

EVENTS = "registry_auditevent"
HEADS = "registry_auditchainhead"
TRIGGER = "registry_auditevent_advance_head"

SQLITE_CREATE = [
    f'CREATE TRIGGER "{TRIGGER}" AFTER INSERT ON "{EVENTS}" WHEN NEW."partition" <> \'\' '
    f'BEGIN UPDATE "{HEADS}" SET "hash" = NEW."hash", "last_event_id" = NEW."id" '
    'WHERE "partition" = NEW."partition" AND ("last_event_id" IS NULL OR "last_event_id" < NEW."id"); END',
]
SQLITE_DROP = [f'DROP TRIGGER IF EXISTS "{TRIGGER}"']

POSTGRESQL_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "{HEADS}" AS head SET "hash" = last."hash", "last_event_id" = last."id"
    FROM (
        SELECT DISTINCT ON ("partition") "partition", "id", "hash" FROM appended
        WHERE "partition" <> '' ORDER BY "partition", "id" DESC
    ) AS last
    WHERE head."partition" = last."partition" AND (head."last_event_id" IS NULL OR head."last_event_id" < last."id");
    RETURN NULL;
END;
$$
""",
    f'CREATE TRIGGER "{TRIGGER}" AFTER INSERT ON "{EVENTS}" REFERENCING NEW TABLE AS appended '
    f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()",
]
POSTGRESQL_DROP = [f'DROP TRIGGER IF EXISTS "{TRIGGER}" ON "{EVENTS}"', f"DROP FUNCTION IF EXISTS {TRIGGER}()"]

STATEMENTS = {"sqlite": (SQLITE_CREATE, SQLITE_DROP), "postgresql": (POSTGRESQL_CREATE, POSTGRESQL_DROP)}


def _statements(vendor: str) -> tuple[list[str], list[str]]:
    try:
        return STATEMENTS[vendor]
    except KeyError:
        raise NotImplementedError(f"the audit log's triggers exist for SQLite and PostgreSQL, not {vendor}") from None


def create_trigger(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor)[0]:
        schema_editor.execute(statement, params=None)


def drop_trigger(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor)[1]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_audit_partitions"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger),
    ]
