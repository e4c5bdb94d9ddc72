from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalAidConfig(AppConfig):
    name = "legal_aid"
    verbose_name = _("Legal aid")

    def ready(self) -> None:
        """Declare the legal aid section of the case file (``legal_aid/sections.py``)."""
        from legal_aid import sections
        from registry import casefile

        casefile.register(*sections.SECTIONS)
