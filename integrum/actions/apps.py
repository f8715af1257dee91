from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "integrum.actions"
    label = "actions"
    verbose_name = "Actions"

    def ready(self) -> None:
        from integrum.actions.models import Action
        from integrum.core.linking import register_linkable
        from integrum.core.navigation import MenuEntry, register

        register(MenuEntry("Act", "Actions", "actions:action_list", clauses="6.1 · 10.2 · 10.3"))
        register_linkable(Action, "Action", ("reference", "title"))
