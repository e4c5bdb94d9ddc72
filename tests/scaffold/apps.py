from django.apps import AppConfig


class ScaffoldConfig(AppConfig):
    name = "tests.scaffold"
    label = "scaffold"

    def ready(self) -> None:
        """The scaffold section's row of the policy — caseworkers write it, civil affairs read
        it, the receiving departments do not — and its declaration in the case file."""
        from registry import casefile, policy
        from registry.policy import Access
        from tests.scaffold import sections
        from tests.scaffold.models import SCAFFOLD_SECTION

        none, read, write = Access.NONE, Access.READ, Access.WRITE
        policy.register_section(SCAFFOLD_SECTION, "脚手架记录", (write, read, none, none, none))
        casefile.register(*sections.SECTIONS)
