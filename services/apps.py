from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Assistance services")

    def ready(self) -> None:
        """Plug the services into the victim file: their sections of the case file, their
        history, and the checks that refuse closing a case; then the UI's tabs and links
        (``services.views.register_hooks``, when the UI is installed). A malformed
        ``REGISTRY_FOLLOW_UP_MONTHS`` stops start-up here, naming the variable."""
        from services import operations, selectors
        from victims.operations import register_close_check
        from victims.selectors import register_history, register_section

        for section, builder in selectors.SECTION_BUILDERS.items():
            register_section(section, builder)
        for model, fields in selectors.HISTORY_FIELDS.items():
            register_history(model, fields)
        register_close_check(operations.refuse_close_with_outstanding_visits)
        register_close_check(operations.refuse_close_while_sheltered)
        operations.follow_up_months()
        if find_spec("services.views") is not None:
            views = import_module("services.views")
            if hasattr(views, "register_hooks"):
                views.register_hooks()
