from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "integrum.core"
    label = "core"
    verbose_name = "Organisations and change log"

    def ready(self) -> None:
        from integrum.core import signals  # noqa: F401  (connects the change-log receivers)
        from integrum.core.models import Role
        from integrum.core.navigation import MenuEntry, register

        register(MenuEntry("Organisation", "Sites", "core:site_list"))
        register(MenuEntry("Organisation", "Members", "core:member_list"))
        register(
            MenuEntry(
                "Organisation", "Change log", "core:change_list", clauses="7.5.3", minimum_role=Role.MANAGER
            )
        )
