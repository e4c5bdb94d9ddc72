from django.apps import AppConfig
from django.core.signals import setting_changed
from django.utils.translation import gettext_lazy as _


def _reset_keyring(*, setting, **kwargs):
    if setting in {"REGISTRY_KEYRING", "REGISTRY_KEYRING_FILE"}:
        from registry.keyring import active_keyring

        active_keyring.cache_clear()


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry core")

    def ready(self) -> None:
        from registry import (
            checks,  # noqa: F401  (registers the system checks)
            sqlite_files,
        )
        from registry.accounts import credentials, lockout
        from registry.audit import receivers

        # The audit log's sign-in events first, then the session index: at sign-in the
        # ``login`` event is written before the session is indexed, as it always was.
        receivers.connect_signals()
        credentials.connect_signals()
        lockout.connect_signals()
        sqlite_files.connect_signals()

        setting_changed.connect(_reset_keyring)
