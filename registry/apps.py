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
        from registry import checks  # noqa: F401  (registers the system checks)
        from registry.audit import connect_signals as connect_audit_signals

        connect_audit_signals()
        from registry.accounts import connect_signals as connect_account_signals

        connect_account_signals()

        setting_changed.connect(_reset_keyring)
