from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Assistance services")

    def ready(self) -> None:
        """Declare the services' sections of the case file (``services/sections.py``). A
        malformed ``REGISTRY_FOLLOW_UP_MONTHS`` stops start-up here, naming the variable."""
        from registry import casefile
        from services import operations, sections

        casefile.register(*sections.SECTIONS)
        operations.follow_up_months()
