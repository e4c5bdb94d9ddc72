"""The audit chain's hashes are compared whole: no pattern index (``registry.pattern_indexes``)."""

from django.db import migrations

from registry.pattern_indexes import drop_pattern_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0009_audit_head_advanced_by_the_database"),
    ]

    operations = [
        drop_pattern_indexes(
            ("registry.AuditEvent", "hash"),
            ("registry.AuditEvent", "prev_hash"),
            ("registry.AuditCheckpoint", "hash"),
            ("registry.AuditCheckpoint", "prev_hash"),
        ),
    ]
