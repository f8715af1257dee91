from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "integrum.risks"
    label = "risks"
    verbose_name = "Risks and opportunities"

    def ready(self) -> None:
        from integrum.core.linking import register_linkable
        from integrum.core.navigation import MenuEntry, register
        from integrum.risks import evidence, relations
        from integrum.risks.models import Risk

        register(MenuEntry("Plan", "Risks & opportunities", "risks:risk_list", clauses="6.1"))
        register_linkable(Risk, "Risk", ("reference", "title"))
        evidence.register()  # clause pages of 6.1.x list the register
        relations.register()  # context and environment pages list the risks raised from them
