from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VictimsConfig(AppConfig):
    name = "victims"
    verbose_name = _("Victims and cases")

    def ready(self) -> None:
        """Declare the case and its one scoped lookup, the victim file's sections of the case
        file (``victims/sections.py``), the caseworkers under the case header, and what a moved
        or disabled account loses: its case assignments outside its new placement
        (``registry.accounts.access``)."""
        from registry import casefile
        from registry.accounts import access
        from victims import operations, sections, selectors
        from victims.models import Case

        casefile.register_case(model=Case, lookup=selectors.case_for)
        casefile.register(*sections.SECTIONS)
        casefile.register_header_part("victims.views.assignments.case_header")
        access.register_releaser(operations.case_assignments_release)
