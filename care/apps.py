from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Care plan and case notes")

    def ready(self) -> None:
        """Declare the care plan and the case notes sections of the case file (``care/sections.py``),
        and the quick entry of a note under the case header."""
        from care import sections
        from registry import casefile

        casefile.register(*sections.SECTIONS)
        casefile.register_header_part("care.notes.views.quick_entry")
