from django.apps import AppConfig


class MeasurementConfig(AppConfig):
    name = "integrum.measurement"
    label = "measurement"
    verbose_name = "Environmental data"
