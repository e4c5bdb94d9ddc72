"""The registry's core: settings, people and places, the access policy, encryption, history."""

# The Celery application is loaded with Django, so ``@shared_task`` binds to it (Celery's
# documented layout for Django projects).
from registry.celery import app as celery_app

__all__ = ("celery_app",)
