import registry.fields
from django.db import migrations

BATCH = 1000
INDEXES = ("full_name_index", "name_birth_index", "id_number_index")


def recompute_blind_indexes(apps, schema_editor):
    """Recompute every victim's blind indexes with today's normalization and store those that
    changed: names and document numbers holding invisible characters, and document numbers
    holding separators or Cyrillic/Greek look-alikes. Values that were already canonical (every
    resident ID, every name without such characters) keep their digest. The indexes are not in
    history tables (``excluded_fields``), so no history row is written or needed."""
    Victim = apps.get_model("victims", "Victim")
    fields = {name: Victim._meta.get_field(name) for name in INDEXES}
    rows = Victim._base_manager.only("pk", "full_name", "birth_date", "id_number", *INDEXES).order_by("pk")
    for victim in rows.iterator(chunk_size=BATCH):
        changed = {}
        for name, field in fields.items():
            sources = tuple(getattr(victim, source) for source in field.sources)
            digest = field.digest(sources if len(sources) > 1 else sources[0])
            if digest != getattr(victim, name):
                changed[name] = digest
        if changed:
            Victim._base_manager.filter(pk=victim.pk).update(**changed)


class Migration(migrations.Migration):
    """Issue 13: blind indexes drop invisible characters (zero-width space and joiners, BOM, soft
    hyphen, variation selectors…), and the ID-number index folds document numbers to their
    canonical form (no separators, Latin look-alikes mapped). The field change touches no column;
    the data step recomputes the digests that normalization changes. Reversed, it leaves the
    digests as they are: the old normalization no longer exists to recompute them with."""

    dependencies = [
        ("victims", "0003_encrypt_unit_and_people_fields"),
    ]

    operations = [
        migrations.AlterField(
            model_name="victim",
            name="id_number_index",
            field=registry.fields.BlindIndexField(
                db_index=True,
                editable=False,
                max_length=64,
                normalization="document_number",
                null=True,
                source="id_number",
            ),
        ),
        migrations.RunPython(recompute_blind_indexes, migrations.RunPython.noop, elidable=False),
    ]
