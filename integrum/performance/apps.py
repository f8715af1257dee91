from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "integrum.performance"
    label = "performance"
    verbose_name = "Objectives and KPIs"

    def ready(self) -> None:
        from integrum.core.linking import register_linkable
        from integrum.core.navigation import MenuEntry, register
        from integrum.performance import evidence, relations
        from integrum.performance.models import Kpi, Objective

        register(MenuEntry("Plan", "Objectives", "performance:objective_list", clauses="6.2"))
        register(MenuEntry("Check", "KPIs", "performance:kpi_list", clauses="9.1.1"))
        register(MenuEntry("Check", "Environmental performance", "performance:dashboard", clauses="9.1.1"))
        register_linkable(Objective, "Objective", ("reference", "title"))
        register_linkable(Kpi, "KPI", ("reference", "name"))
        relations.register()
        evidence.register()
