from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "integrum.audits"
    label = "audits"
    verbose_name = "Internal audit"

    def ready(self) -> None:
        from integrum.audits import evidence
        from integrum.audits.models import Audit, Finding
        from integrum.core.linking import register_linkable
        from integrum.core.navigation import MenuEntry, register

        register(MenuEntry("Check", "Audit programme", "audits:programme_list", clauses="9.2"))
        register(MenuEntry("Check", "Audits", "audits:audit_list", clauses="9.2"))
        register(MenuEntry("Check", "Findings", "audits:finding_list", clauses="9.2.2"))
        register_linkable(Audit, "Audit", ("reference", "title"))
        register_linkable(Finding, "Audit finding", ("reference", "statement"))
        evidence.register()
