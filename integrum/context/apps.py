from django.apps import AppConfig


class ContextConfig(AppConfig):
    name = "integrum.context"
    label = "context"
    verbose_name = "Context of the organisation"

    def ready(self) -> None:
        from integrum.assessments.selectors import register_readiness_check
        from integrum.context import evidence
        from integrum.context.models import ContextIssue, InterestedParty, OrganisationalRole, Process
        from integrum.context.selectors import climate_warning
        from integrum.core.linking import register_linkable
        from integrum.core.navigation import MenuEntry, register

        register(MenuEntry("Plan", "Context", "context:issue_list", clauses="4.1"))
        register(MenuEntry("Plan", "Interested parties", "context:party_list", clauses="4.2"))
        register(MenuEntry("Plan", "Scope", "context:scope_list", clauses="4.3"))
        register(MenuEntry("Plan", "Processes", "context:process_list", clauses="4.4"))
        register(MenuEntry("Plan", "Roles", "context:role_list", clauses="5.3"))
        register_linkable(ContextIssue, "Context issue", ("reference", "title"))
        register_linkable(InterestedParty, "Interested party", ("reference", "name"))
        register_linkable(Process, "Process", ("reference", "name"))
        register_linkable(OrganisationalRole, "Role", ("reference", "title"))
        evidence.register()  # what a clause's page lists as serving 4.1–4.4 and 5.3
        register_readiness_check(climate_warning)
