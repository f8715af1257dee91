from django.apps import AppConfig


class EnvironmentConfig(AppConfig):
    name = "integrum.environment"
    label = "environment"
    verbose_name = "Environmental aspects and compliance"

    def ready(self) -> None:
        from integrum.core.linking import register_linkable
        from integrum.core.navigation import MenuEntry, register
        from integrum.core.relations import register_relations
        from integrum.environment import evidence, relations
        from integrum.environment.models import Aspect, ComplianceEvaluation, ComplianceObligation

        register(MenuEntry("Plan", "Aspects & impacts", "environment:aspect_list", clauses="6.1.2"))
        register(MenuEntry("Plan", "Compliance obligations", "environment:obligation_list", clauses="6.1.3"))
        register(
            MenuEntry("Check", "Evaluation of compliance", "environment:evaluation_list", clauses="9.1.2")
        )
        register_linkable(Aspect, "Environmental aspect", ("reference", "activity", "aspect"))
        register_linkable(ComplianceObligation, "Compliance obligation", ("reference", "title"))
        register_linkable(
            ComplianceEvaluation, "Evaluation of compliance", ("reference", "obligation__title")
        )
        register_relations(relations.related_records)
        evidence.register()
