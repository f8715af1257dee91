from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "integrum.improvement"
    label = "improvement"
    verbose_name = "Nonconformity and corrective action"

    def ready(self) -> None:
        from integrum.core.linking import register_linkable
        from integrum.core.navigation import MenuEntry, register
        from integrum.core.permissions import WRITE
        from integrum.environment.services import evaluation_failed
        from integrum.improvement import evidence, relations
        from integrum.improvement.models import Nonconformity
        from integrum.improvement.services import raise_from_failed_evaluation

        register(MenuEntry("Act", "Nonconformities", "improvement:nc_list", clauses="10.2"))
        register(MenuEntry("Act", "Report a problem", "improvement:nc_report", minimum_role=WRITE))
        register_linkable(Nonconformity, "Nonconformity", ("reference", "title"))
        relations.register()
        evidence.register()
        evaluation_failed.connect(raise_from_failed_evaluation, dispatch_uid="improvement_evaluation_failed")
