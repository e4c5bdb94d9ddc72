from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = _("Transfers and hand-overs")

    def ready(self) -> None:
        """Declare the transfers section of the case file (``transfers/sections.py``), and the
        parts under the case header: a pending transfer and its actions, the hand-over's."""
        from registry import casefile
        from transfers import sections

        casefile.register(*sections.SECTIONS)
        casefile.register_header_part("transfers.views.case_header")
        casefile.register_header_part("transfers.handover.views.case_header")
