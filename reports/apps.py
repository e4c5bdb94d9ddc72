from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The plan's evaluation indicators (part 三): catalogue, aggregates, suppression, API."""

    name = "reports"
    verbose_name = _("Evaluation reports")
