"""The audit chain in partitions (issue 19): each event names its partition, each partition has a
head row that writers lock instead of one lock for the whole chain, and checkpoints pin every
head, append-only like the events.

SQLite rebuilds the audit table to add the column, which drops its triggers: they are put back
with ``partition`` among the columns an UPDATE may not change. PostgreSQL's trigger function
compares whole rows (``to_jsonb``) and needs no change. The events written before keep the
empty partition and their single chain; a head row records where that chain ends.

``create_statements`` / ``drop_statements`` give the triggers of both audit tables as they are
now; tests/helpers.py lifts and restores them with these statements.
"""

from django.db import migrations, models

import registry.models

EVENTS = "registry_auditevent"
CHECKPOINTS = "registry_auditcheckpoint"
# Every column of the events but actor_id (which ON DELETE SET NULL may clear).
EVENT_COLUMNS = (
    "id",
    "uuid",
    "occurred_at",
    "actor_uuid",
    "actor_username",
    "role",
    "organization_ref",
    "organization_name",
    "action",
    "case_uuid",
    "sections",
    "request_id",
    "ip_address",
    "outcome",
    "detail",
    "partition",
    "prev_hash",
    "hash",
)
_UNCHANGED = " AND ".join(f'NEW."{column}" IS OLD."{column}"' for column in EVENT_COLUMNS)


def _message(table):
    return f"{table} is append-only"


SQLITE_TRIGGERS = {
    "registry_auditevent_no_update": (
        f'CREATE TRIGGER "registry_auditevent_no_update" BEFORE UPDATE ON "{EVENTS}" '
        f'WHEN NOT (OLD."actor_id" IS NOT NULL AND NEW."actor_id" IS NULL AND {_UNCHANGED}) '
        f"BEGIN SELECT RAISE(ABORT, '{_message(EVENTS)}: UPDATE refused'); END"
    ),
    "registry_auditevent_no_delete": (
        f'CREATE TRIGGER "registry_auditevent_no_delete" BEFORE DELETE ON "{EVENTS}" '
        f"BEGIN SELECT RAISE(ABORT, '{_message(EVENTS)}: DELETE refused'); END"
    ),
    "registry_auditcheckpoint_no_update": (
        f'CREATE TRIGGER "registry_auditcheckpoint_no_update" BEFORE UPDATE ON "{CHECKPOINTS}" '
        f"BEGIN SELECT RAISE(ABORT, '{_message(CHECKPOINTS)}: UPDATE refused'); END"
    ),
    "registry_auditcheckpoint_no_delete": (
        f'CREATE TRIGGER "registry_auditcheckpoint_no_delete" BEFORE DELETE ON "{CHECKPOINTS}" '
        f"BEGIN SELECT RAISE(ABORT, '{_message(CHECKPOINTS)}: DELETE refused'); END"
    ),
}
# The events' function and triggers come from 0002 and stay; the checkpoints get their own.
POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION registry_auditcheckpoint_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{_message(CHECKPOINTS)}: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$
"""
POSTGRESQL_TRIGGERS = {
    "registry_auditcheckpoint_no_update_delete": (
        f'CREATE TRIGGER "registry_auditcheckpoint_no_update_delete" BEFORE UPDATE OR DELETE ON "{CHECKPOINTS}" '
        "FOR EACH ROW EXECUTE FUNCTION registry_auditcheckpoint_refuse_change()"
    ),
    "registry_auditcheckpoint_no_truncate": (
        f'CREATE TRIGGER "registry_auditcheckpoint_no_truncate" BEFORE TRUNCATE ON "{CHECKPOINTS}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION registry_auditcheckpoint_refuse_change()"
    ),
}


def _events_migration():
    import importlib

    return importlib.import_module("registry.migrations.0002_audit_event")


def create_statements(vendor):
    """The statements that put every append-only trigger of the audit tables in place."""
    if vendor == "sqlite":
        return list(SQLITE_TRIGGERS.values())
    if vendor == "postgresql":
        return [*_events_migration().create_statements(vendor), POSTGRESQL_FUNCTION, *POSTGRESQL_TRIGGERS.values()]
    raise NotImplementedError(f"the audit log's triggers exist for SQLite and PostgreSQL, not {vendor}")


def drop_statements(vendor):
    """The statements that lift every append-only trigger of the audit tables."""
    if vendor == "sqlite":
        return [f'DROP TRIGGER IF EXISTS "{name}"' for name in SQLITE_TRIGGERS]
    if vendor == "postgresql":
        return [
            *_events_migration().drop_statements(vendor),
            *(f'DROP TRIGGER IF EXISTS "{name}" ON "{CHECKPOINTS}"' for name in POSTGRESQL_TRIGGERS),
        ]
    raise NotImplementedError(f"the audit log's triggers exist for SQLite and PostgreSQL, not {vendor}")


def lift_sqlite_event_triggers(apps, schema_editor):
    """Before SQLite rebuilds the events' table: its old triggers would go with it anyway."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in _events_migration().drop_statements("sqlite"):
            schema_editor.execute(statement, params=None)


def restore_sqlite_event_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _events_migration().create_statements("sqlite"):
            schema_editor.execute(statement, params=None)


def _new_triggers(vendor):
    """(create, drop): the statements of what this migration adds — on SQLite every trigger of
    both tables (the events' went with the rebuilt table), on PostgreSQL the checkpoints' only."""
    if vendor == "sqlite":
        return create_statements(vendor), drop_statements(vendor)
    return (
        [POSTGRESQL_FUNCTION, *POSTGRESQL_TRIGGERS.values()],
        [
            *(f'DROP TRIGGER IF EXISTS "{name}" ON "{CHECKPOINTS}"' for name in POSTGRESQL_TRIGGERS),
            "DROP FUNCTION IF EXISTS registry_auditcheckpoint_refuse_change()",
        ],
    )


def create_triggers(apps, schema_editor):
    for statement in _new_triggers(schema_editor.connection.vendor)[0]:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    for statement in _new_triggers(schema_editor.connection.vendor)[1]:
        schema_editor.execute(statement, params=None)


def head_of_the_events_before(apps, schema_editor):
    """The events written before keep their single chain (partition ""): record where it ends."""
    event = apps.get_model("registry", "AuditEvent")
    last = event._base_manager.order_by("-id").values_list("id", "hash").first()
    if last is not None:
        apps.get_model("registry", "AuditChainHead").objects.create(partition="", last_event_id=last[0], hash=last[1])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_user_email_notice"),
    ]

    operations = [
        migrations.RunPython(lift_sqlite_event_triggers, restore_sqlite_event_triggers),
        migrations.AddField(
            model_name="auditevent",
            name="partition",
            field=models.CharField(blank=True, default="", max_length=32, verbose_name="chain"),
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("partition", models.CharField(max_length=32, primary_key=True, serialize=False, verbose_name="chain")),
                ("last_event_id", models.BigIntegerField(blank=True, null=True, verbose_name="last event id")),
                ("hash", models.CharField(max_length=64, verbose_name="hash")),
            ],
            options={
                "verbose_name": "audit chain head",
                "verbose_name_plural": "audit chain heads",
            },
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(verbose_name="time")),
                ("heads", registry.models.CanonicalJSONField(default=dict, verbose_name="heads")),
                ("prev_hash", models.CharField(max_length=64, unique=True, verbose_name="previous hash")),
                ("hash", models.CharField(max_length=64, unique=True, verbose_name="hash")),
            ],
            options={
                "verbose_name": "audit checkpoint",
                "verbose_name_plural": "audit checkpoints",
                "ordering": ["id"],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(head_of_the_events_before, migrations.RunPython.noop),
    ]
