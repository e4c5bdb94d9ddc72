from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "attachments"
    verbose_name = _("Attachments")

    def ready(self) -> None:
        """Show each section's attachments on its tab of the case file and their changes in the
        case's history (``registry.casefile``)."""
        from attachments.history import history_sources
        from attachments.models import Attachment
        from attachments.rotation import AttachmentFiles
        from registry import casefile, file_rotation

        casefile.register_tab_part("attachments.views.tab_part")
        casefile.register_history(Attachment, history_sources)
        file_rotation.register(AttachmentFiles())  # key rotation re-encrypts their content
