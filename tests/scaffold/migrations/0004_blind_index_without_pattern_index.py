"""The blind index is compared whole: no pattern index (``registry.pattern_indexes``)."""

from django.db import migrations

from registry.pattern_indexes import drop_pattern_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("scaffold", "0003_decision_comment_and_void"),
    ]

    operations = [
        drop_pattern_indexes(("scaffold.SampleCase", "id_number_index")),
    ]
