from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "integrum.assessments"
    label = "assessments"
    verbose_name = "Gap analysis"

    def ready(self) -> None:
        from integrum.core.navigation import MenuEntry, register

        register(MenuEntry("Plan", "Gap analysis", "assessments:assessment_list", clauses="4–10"))
