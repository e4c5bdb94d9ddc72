"""Blind indexes are compared whole: no pattern index (``registry.pattern_indexes``)."""

from django.db import migrations

from registry.pattern_indexes import drop_pattern_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0009_decision_comment_and_void"),
    ]

    operations = [
        drop_pattern_indexes(
            ("victims.Victim", "full_name_index"),
            ("victims.Victim", "name_birth_index"),
            ("victims.Victim", "id_number_index"),
        ),
    ]
