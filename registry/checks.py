"""Django system checks: refuse to start without the system packages dossiers need; warn at
deployment when the search rate limit would not be shared by the worker processes."""

from django.conf import settings
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


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """The search rate limit (registry.ratelimit) counts in the cache: in production, where
    several gunicorn workers serve, the cache must be one they share."""
    if settings.REGISTRY_MODE != "production" or not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        return []
    return [
        checks.Warning(
            "The cache is each process's own memory: every gunicorn worker counts searches apart, so the search "
            "rate limit is multiplied by the number of workers.",
            hint="Set REGISTRY_CACHE_URL to a Redis URL (redis://host:6379/1), or use a Redis CELERY_BROKER_URL.",
            id="registry.W101",
        )
    ]
