"""Django system checks: refuse to start without the system packages dossiers need."""

from django.core import checks

from registry import sysdeps


@checks.register()
def system_packages(app_configs, **kwargs):
    return [
        checks.Error(
            f"{item.what} is missing: {item.why}.",
            hint=f"Install the Debian/Ubuntu package {item.package} (apt-get install {item.package}).",
            id="registry.E001",
        )
        for item in sysdeps.missing(sysdeps.RUN)
    ]
