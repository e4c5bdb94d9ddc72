"""The Celery application of the registry (batch archival and dossier jobs, DESIGN §7).

Configured from Django's settings, every ``CELERY_*`` setting (``registry/settings.py``); tasks
are found in each app's ``tasks`` module. Without ``CELERY_BROKER_URL`` nothing is sent
anywhere: the work that would be a task runs in the process that asked for it (see
``exports.batch`` and ``exports.jobs``). Workers: ``celery --app registry worker`` (``python -m registry.serve``
starts them beside gunicorn).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")

app = Celery("registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
