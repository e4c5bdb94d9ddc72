from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = _("Dossiers and reports")

    def ready(self) -> None:
        """The case header's link to the case's dossiers (``registry.casefile``)."""
        from exports.views import dossier_links
        from registry import casefile

        casefile.register_case_links(dossier_links)
