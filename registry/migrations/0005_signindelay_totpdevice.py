# The account's progressive sign-in delay, and authenticators whose secret is sealed with the
# keyring (issue 13, items 7 and 11). Devices of django-otp's own TOTP table (secret in clear)
# move here, encrypted, and leave that table empty; sessions verified by a moved device sign in
# again. Reversing moves them back, in clear, for the code that expects them there.

import django.db.models.deletion
import django_otp.plugins.otp_totp.models
import registry.fields
from django.conf import settings
from django.db import migrations, models

DEVICE_FIELDS = (
    'user_id', 'name', 'confirmed', 'throttling_failure_timestamp', 'throttling_failure_count',
    'last_used_at', 'key', 'step', 't0', 'digits', 'tolerance', 'drift', 'last_t',
)


def _move_devices(source, target):
    """Copy every device of ``source`` into ``target`` (the key is sealed or opened by the
    fields), keep its creation time (``auto_now_add`` would replace it), then delete the source."""
    for device in source.objects.order_by('pk').iterator():
        moved = target.objects.create(**{name: getattr(device, name) for name in DEVICE_FIELDS})
        target.objects.filter(pk=moved.pk).update(created_at=device.created_at)
    source.objects.all().delete()


def seal_devices(apps, schema_editor):
    _move_devices(apps.get_model('otp_totp', 'TOTPDevice'), apps.get_model('registry', 'Authenticator'))


def open_devices(apps, schema_editor):
    _move_devices(apps.get_model('registry', 'Authenticator'), apps.get_model('otp_totp', 'TOTPDevice'))


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_accountactivation'),
        ('otp_totp', '0003_add_timestamps'),
    ]

    operations = [
        migrations.CreateModel(
            name='SignInDelay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('username', models.CharField(editable=False, max_length=80, unique=True, verbose_name='account name digest')),
                ('failures', models.PositiveIntegerField(default=0, verbose_name='failed sign-ins')),
                ('last_failure_at', models.DateTimeField(db_index=True, verbose_name='last failed sign-in')),
                ('next_attempt_at', models.DateTimeField(verbose_name='next attempt allowed')),
            ],
            options={
                'verbose_name': 'sign-in delay',
                'verbose_name_plural': 'sign-in delays',
            },
        ),
        migrations.CreateModel(
            name='Authenticator',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('key', registry.fields.EncryptedTextField(default=django_otp.plugins.otp_totp.models.default_key, editable=False, validators=[django_otp.plugins.otp_totp.models.key_validator], verbose_name='secret key')),
                ('step', models.PositiveSmallIntegerField(default=30)),
                ('t0', models.BigIntegerField(default=0)),
                ('digits', models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                ('tolerance', models.PositiveSmallIntegerField(default=1)),
                ('drift', models.SmallIntegerField(default=0)),
                ('last_t', models.BigIntegerField(default=-1)),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'authenticator',
                'verbose_name_plural': 'authenticators',
                'abstract': False,
            },
        ),
        migrations.RunPython(seal_devices, open_devices),
    ]
