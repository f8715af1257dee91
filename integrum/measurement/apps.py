from django.apps import AppConfig


class MeasurementConfig(AppConfig):
    name = "integrum.measurement"
    label = "measurement"
    verbose_name = "Environmental data"

    def ready(self) -> None:
        from integrum.core.navigation import MenuEntry, register

        register(MenuEntry("Check", "Environmental data", "measurement:meter_list", clauses="9.1.1"))
