from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = _("Dossiers and reports")

    def ready(self) -> None:
        from exports.views import dossier_links
        from victims.views import register_case_links

        register_case_links(dossier_links)
