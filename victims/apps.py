from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VictimsConfig(AppConfig):
    name = "victims"
    verbose_name = _("Victims and cases")

    def ready(self) -> None:
        """Declare the case and its one scoped lookup, and the victim file's sections of the case
        file (``victims/sections.py``)."""
        from registry import casefile
        from victims import sections, selectors
        from victims.models import Case

        casefile.register_case(model=Case, lookup=selectors.case_for)
        casefile.register(*sections.SECTIONS)
