from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "integrum.standards"
    label = "standards"
    verbose_name = "Standards library"

    def ready(self) -> None:
        from integrum.core.navigation import MenuEntry, register

        register(MenuEntry("Library", "Standards", "standards:standard_list"))
        register(MenuEntry("Library", "Side by side", "standards:compare"))
