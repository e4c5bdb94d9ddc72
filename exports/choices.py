"""Choices of archival dossiers (DESIGN §6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    """The security marking printed on every page of a dossier."""

    INTERNAL = "internal", _("Internal")
    CONFIDENTIAL = "confidential", _("Confidential")


class Retention(models.TextChoices):
    """How long the archives keep a dossier (the archive law's 永久 / 定期30年 / 定期10年)."""

    PERMANENT = "permanent", _("Permanent")
    YEARS_30 = "30y", _("30 years")
    YEARS_10 = "10y", _("10 years")


class Language(models.TextChoices):
    """The language a dossier is written in: Chinese first, English on request."""

    CHINESE = "zh-hans", _("Chinese")
    ENGLISH = "en", _("English")


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FINISHED_WITH_FAILURES = "finished_with_failures", _("Finished with failures")
    INTERRUPTED = "interrupted", _("Interrupted")
    FAILED = "failed", _("Failed")


class JobStatus(models.TextChoices):
    """Where a request for a dossier stands: queued → running → done | failed | timed_out."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being generated")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    TIMED_OUT = "timed_out", _("Timed out")

    @classmethod
    def unfinished(cls) -> tuple[str, ...]:
        return (cls.QUEUED.value, cls.RUNNING.value)
