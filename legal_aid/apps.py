from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalAidConfig(AppConfig):
    name = "legal_aid"
    verbose_name = _("Legal aid")

    def ready(self):
        # The victim file shows this app's section through its hooks: the section's content
        # (case detail, case file, dossiers), its records' history, and the case file's tab.
        from legal_aid import selectors, views
        from legal_aid.models import LegalAidActivity, LegalAidMatter
        from registry.policy import Section
        from victims import selectors as case_selectors
        from victims import views as case_views

        case_selectors.register_section(Section.LEGAL_AID, selectors.section)
        case_selectors.register_history(LegalAidMatter, selectors.MATTER_HISTORY_FIELDS, rows=selectors.history_rows)
        case_selectors.register_history(
            LegalAidActivity, selectors.ACTIVITY_HISTORY_FIELDS, rows=selectors.history_rows
        )
        case_views.register_tab(Section.LEGAL_AID, views.case_tab)
