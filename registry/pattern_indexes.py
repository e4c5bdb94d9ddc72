"""Dropping PostgreSQL's pattern index from columns matched by equality only.

Django gives every indexed or unique ``CharField`` on PostgreSQL a second index with the
``varchar_pattern_ops`` operator class, for ``LIKE 'abc%'`` queries. A blind index (a keyed HMAC,
``registry.fields.BlindIndexField``) and a hash of the audit chain are only ever compared whole,
so that index is never read — and, its keys being random, each insert dirties a random page of
it: at 1.5 million audit events the two on the chain's hashes held 280 MB, and dropping them
took a sixth off an audit event's insert (issue 19).

:func:`drop_pattern_indexes` is a migration operation that drops them (a no-op on SQLite, which
has none) and puts them back when the migration is reversed. ``tests/registry/test_pattern_indexes.py``
holds every blind index and chain hash of every app to it on PostgreSQL, so a new one comes with
its migration.
"""

from __future__ import annotations

from django.db import migrations


def _fields(apps, fields):
    for label, field_name in fields:
        model = apps.get_model(label)
        yield model, model._meta.get_field(field_name)


def drop_pattern_indexes(*fields: tuple[str, str]) -> migrations.RunPython:
    """The operation dropping the pattern index of each ``("app_label.Model", "field")``."""

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for model, field in _fields(apps, fields):
            name = schema_editor._create_index_name(model._meta.db_table, [field.column], suffix="_like")
            schema_editor.execute(schema_editor._delete_index_sql(model, name))  # DROP INDEX IF EXISTS

    def restore(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for model, field in _fields(apps, fields):
            statement = schema_editor._create_like_index_sql(model, field)
            if statement is not None:
                schema_editor.execute(statement)

    return migrations.RunPython(drop, restore)
