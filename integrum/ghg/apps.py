from django.apps import AppConfig


class GhgConfig(AppConfig):
    name = "integrum.ghg"
    label = "ghg"
    verbose_name = "Greenhouse-gas inventory"

    def ready(self) -> None:
        from integrum.ghg import services
        from integrum.measurement.readings import readings_committed

        readings_committed.connect(services.refresh_after_readings, dispatch_uid="ghg-refresh-after-readings")
