from django.apps import AppConfig


class GhgConfig(AppConfig):
    name = "integrum.ghg"
    label = "ghg"
    verbose_name = "Greenhouse-gas inventory"

    def ready(self) -> None:
        from integrum.core.navigation import MenuEntry, register
        from integrum.ghg import services
        from integrum.measurement.readings import readings_committed

        register(MenuEntry("Check", "GHG inventory", "ghg:inventory_list", clauses="9.1.1"))
        register(MenuEntry("Check", "Emission factors", "ghg:dataset_list", clauses="9.1.1"))

        readings_committed.connect(services.refresh_after_readings, dispatch_uid="ghg-refresh-after-readings")
