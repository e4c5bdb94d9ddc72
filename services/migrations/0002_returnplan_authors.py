# Four eyes on recorded authorship (issue 12): who wrote a return plan's content is kept as data,
# ``ReturnPlan.authors``, instead of being read from the reasons of its history rows.

from django.conf import settings
from django.db import migrations, models

AWAITING_APPROVAL = "awaiting_approval"


def record_authors(apps, schema_editor):
    """Fill ``authors`` of the plans already written: the creator, and the user of every history
    row that left the plan awaiting approval. That state tells the writing steps apart without
    their reason text: return_plan_create and return_plan_amend (which withdraws an approval) are
    the only steps whose saves leave a plan awaiting approval; approving, completing and
    cancelling leave it approved, completed or cancelled (key rotation writes no history rows)."""
    ReturnPlan = apps.get_model("services", "ReturnPlan")
    HistoricalReturnPlan = apps.get_model("services", "HistoricalReturnPlan")
    Author = ReturnPlan._meta.get_field("authors").remote_field.through
    db = schema_editor.connection.alias
    plans = dict(ReturnPlan.objects.using(db).values_list("id", "created_by_id"))
    pairs = set(plans.items())
    written = (
        HistoricalReturnPlan.objects.using(db)
        .filter(status=AWAITING_APPROVAL, history_type__in=["+", "~"], history_user__isnull=False)
        .values_list("id", "history_user_id")
    )
    pairs |= {(plan, user) for plan, user in written.iterator() if plan in plans}
    Author.objects.using(db).bulk_create(
        [Author(returnplan_id=plan, user_id=user) for plan, user in sorted(pairs)], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="returnplan",
            name="authors",
            field=models.ManyToManyField(
                blank=True, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="written or changed by"
            ),
        ),
        migrations.RunPython(record_authors, migrations.RunPython.noop, elidable=True),
    ]
