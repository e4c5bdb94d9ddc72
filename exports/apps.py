from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = _("Dossiers and reports")

    def ready(self) -> None:
        """The case header's link to the case's dossiers (``registry.casefile``); the stored
        dossiers as sealed files for key rotation (``registry.file_rotation``)."""
        from exports.rotation import DossierFiles
        from exports.views import dossier_links
        from registry import casefile, file_rotation

        casefile.register_case_links(dossier_links)
        file_rotation.register(DossierFiles())
