from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = _("Transfers and hand-overs")

    def ready(self) -> None:
        """Declare the transfers section of the case file (``transfers/sections.py``)."""
        from registry import casefile
        from transfers import sections

        casefile.register(*sections.SECTIONS)
