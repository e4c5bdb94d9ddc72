"""Columns compared whole — every blind index of every app, the audit chain's hashes — carry no
PostgreSQL pattern index (``registry.pattern_indexes``): it is never read, and each insert would
dirty a random page of it. Generated from the models, so a new blind index fails here until its
migration drops the index Django gives it. SQLite makes none."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from registry.fields import BlindIndexField
from registry.models import AuditCheckpoint, AuditEvent

pytestmark = pytest.mark.django_db

DIGESTS = [(AuditEvent, "hash"), (AuditEvent, "prev_hash"), (AuditCheckpoint, "hash"), (AuditCheckpoint, "prev_hash")]


def compared_whole() -> list[tuple[type, str]]:
    blind = [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, BlindIndexField)
    ]
    return blind + DIGESTS


def indexes_of(model, column: str) -> dict[str, list[str]]:
    """{index name: operator classes} of the indexes of ``model`` on ``column`` alone."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, array_agg(o.opcname) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_opclass o ON o.oid = ANY(i.indclass) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indnatts = 1 AND a.attname = %s GROUP BY c.relname",
            [model._meta.db_table, column],
        )
        return dict(cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pattern indexes")
def test_columns_compared_whole_have_their_index_and_no_pattern_index():
    columns = compared_whole()
    assert {model.__name__ for model, _ in columns} >= {"Victim", "AuditEvent", "AuditCheckpoint"}
    for model, name in columns:
        indexes = indexes_of(model, model._meta.get_field(name).column)
        assert indexes, f"{model.__name__}.{name} has no index"
        assert not [index for index, classes in indexes.items() if "varchar_pattern_ops" in classes], (
            f"{model.__name__}.{name}: {indexes}"
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pattern indexes")
@pytest.mark.django_db(transaction=True)
def test_reversing_the_migration_puts_the_pattern_indexes_back():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("victims")
    try:
        executor.migrate([("victims", "0009_decision_comment_and_void")])
        indexes = indexes_of(apps.get_model("victims", "Victim"), "id_number_index")
        assert any("varchar_pattern_ops" in classes for classes in indexes.values()), indexes
    finally:
        MigrationExecutor(connection).migrate(latest)
    indexes = indexes_of(apps.get_model("victims", "Victim"), "id_number_index")
    assert not any("varchar_pattern_ops" in classes for classes in indexes.values()), indexes
