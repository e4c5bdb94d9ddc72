# Idempotency keys of writes (issue 13, item 3): the first answer to a request sent with a key,
# encrypted, one row per account and key.

import django.db.models.deletion
import django.utils.timezone
import registry.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0005_signindelay_totpdevice'),
    ]

    operations = [
        migrations.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key_digest', models.CharField(max_length=64, verbose_name='key digest')),
                ('request_digest', models.CharField(max_length=64, verbose_name='request digest')),
                ('response', registry.fields.EncryptedJSONField(blank=True, null=True, verbose_name='answer')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='first used')),
                ('expires_at', models.DateTimeField(db_index=True, verbose_name='expires')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'idempotency key',
                'verbose_name_plural': 'idempotency keys',
                'constraints': [models.UniqueConstraint(fields=('user', 'key_digest'), name='idempotency_key_once_per_user')],
            },
        ),
    ]
