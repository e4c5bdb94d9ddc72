from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Care plan and case notes")

    def ready(self) -> None:
        """Declare the care plan and the case notes sections of the case file (``care/sections.py``)."""
        from care import sections
        from registry import casefile

        casefile.register(*sections.SECTIONS)
